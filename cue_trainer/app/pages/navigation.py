"""The Streamlit script the server runs (``server.SCRIPT``): navigation between the pages beside it.

It lives here, not beside the pages folder, because Streamlit treats a folder named ``pages`` next
to its script as the old file-per-page navigation and then never runs this script.
"""
from pathlib import Path

import streamlit as st

import cue_trainer.app.preload  # noqa: F401  (once per process: the big libraries, then gc.freeze)

PAGES = Path(__file__).parent

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
