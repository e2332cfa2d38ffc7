"""The app as Streamlit serves it: the pages (``server.SCRIPT``) behind the guard that answers this
computer's own browser only (``server.LoopbackOnly``). ``streamlit run`` takes this file (or the
repository's ``streamlit_app.py``, which imports it); ``cue-trainer app`` starts it from the
installed package.

Owns: ``app``. Imports: app.server.
"""
import streamlit as st
from starlette.middleware import Middleware

from cue_trainer.app.server import SCRIPT, LoopbackOnly

app = st.App(SCRIPT, middleware=[Middleware(LoopbackOnly)])
