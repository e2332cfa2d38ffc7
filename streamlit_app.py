"""Entry point of the Streamlit app: sets up navigation only; pages live in cue_trainer/app/pages."""
from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "cue_trainer" / "app" / "pages"

st.set_page_config(page_title="cue-trainer", layout="wide")
st.navigation(
    [
        st.Page(PAGES / "home.py", title="About", default=True),
        st.Page(PAGES / "practice.py", title="Practice"),
        st.Page(PAGES / "review.py", title="Review"),
        st.Page(PAGES / "process.py", title="Process a video"),
        st.Page(PAGES / "sessions.py", title="Sessions"),
    ],
    position="top",  # the whole width for the pages: practising needs the video and the marks side by side
).run()
