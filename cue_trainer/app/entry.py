"""The app as Streamlit serves it: the pages (``server.SCRIPT``) behind the guard that answers this
computer's own browser only (``server.LoopbackOnly``). ``cue-trainer app`` runs this file from the
installed package; the repository's ``streamlit_app.py`` builds the same app from the same parts
(Streamlit finds an app by the ``st.App(...)`` in the file it runs, not by an import).

Owns: ``app``. Imports: app.server.
"""
import streamlit as st

from cue_trainer.app.server import MIDDLEWARE, SCRIPT, lifespan

app = st.App(SCRIPT, middleware=MIDDLEWARE, lifespan=lifespan)
