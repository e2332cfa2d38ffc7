"""Entry point for ``streamlit run streamlit_app.py``: the app's pages (cue_trainer/app/pages/navigation.py)
behind the guard that answers this computer's own browser only (cue_trainer/app/server.py)."""
import streamlit as st
from starlette.middleware import Middleware

from cue_trainer.app.server import SCRIPT, LoopbackOnly

app = st.App(SCRIPT, middleware=[Middleware(LoopbackOnly)])
