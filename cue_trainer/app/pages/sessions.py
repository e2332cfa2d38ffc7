"""Sessions page: the stored sessions, newest first."""
import streamlit as st

from cue_trainer.store import SessionStore

st.title("Sessions")
store = SessionStore()
sessions = store.sessions()
if not sessions:
    st.write("No sessions yet. Analyse a video with `cue-trainer process VIDEO`.")
else:
    st.dataframe(
        [
            {"id": s.id, "started (UTC)": s.started_at, "status": s.status, "source": s.source_path or s.source,
             "length (s)": s.duration_s, "events": s.events}
            for s in sessions
        ],
        hide_index=True,
    )
st.caption(f"Store: {store.path}")
