"""Entry point for ``streamlit run streamlit_app.py`` (``cue-trainer app`` serves the same from the
installed package, cue_trainer/app/entry.py), with this folder's .streamlit/config.toml. Streamlit
finds the app by the ``st.App(...)`` written in the file it runs, so it is written here too."""
import streamlit as st

from cue_trainer.app.server import MIDDLEWARE, SCRIPT, lifespan

app = st.App(SCRIPT, middleware=MIDDLEWARE, lifespan=lifespan)
