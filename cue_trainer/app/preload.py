"""Loads the big libraries the pages use once per server process, then freezes every object alive
(``gc.freeze``): they live as long as the process. Imported by the script (pages/navigation.py) on its first run.

Streamlit runs a full garbage collection after every script run, and the live status refreshes
every second; without the freeze each collection walked some 180,000 module-level objects
(MediaPipe, pandas, Altair's schemas, Streamlit) for 55-80 ms while holding the interpreter, and
the webcam thread dropped a quarter of the frames on a 2-core laptop. Objects made later
(sessions, pages) are collected as before. It runs inside the server's first script run, not when
the launcher (streamlit_app.py) is imported: Streamlit's caches made before its runtime exists
are the wrong kind.
"""
import gc

import altair  # noqa: F401
import av  # noqa: F401
import pandas  # noqa: F401
import streamlit  # noqa: F401
import streamlit_webrtc  # noqa: F401

from cue_trainer.detector import load_mediapipe

load_mediapipe()
gc.collect()
gc.freeze()
