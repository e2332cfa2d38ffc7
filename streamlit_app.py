"""Entry point for ``streamlit run streamlit_app.py`` (``cue-trainer app`` does the same from the
installed package): the app of cue_trainer/app/entry.py, with this folder's .streamlit/config.toml."""
from cue_trainer.app.entry import app  # noqa: F401  (Streamlit serves the st.App it finds here)
