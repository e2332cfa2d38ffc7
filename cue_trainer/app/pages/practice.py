"""Practice page: consent, names, webcam, calibration, coach/quiz mode, marks, suggestions.

Thin: the analysis lives in ``cue_trainer.live``; the webcam boundary in ``cue_trainer.app.video``.
"""
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from cue_trainer.app import panels
from cue_trainer.app.video import PracticeProcessor
from cue_trainer.live import LiveSession
from cue_trainer.store import SessionStore

st.title("Practice")
st.markdown(panels.LIMITS)

profile = panels.profile_picker(SessionStore().home)
setup = panels.setup(profile)
if setup is None:
    st.stop()

st.subheader("3 · Camera")


def make_processor() -> PracticeProcessor:
    # Runs when the stream starts: one LiveSession (and one detector) per stream.
    live = LiveSession(
        store=SessionStore(), profile=profile, partner=setup.partner, practitioner=setup.practitioner,
        mode=setup.mode, calibration_s=setup.calibration_s,
    )
    return PracticeProcessor(live, overlay=setup.overlay)


stop_requested = st.session_state.pop("stop_stream", False)
ctx = webrtc_streamer(
    key="practice",
    mode=WebRtcMode.SENDRECV,
    video_processor_factory=make_processor,
    media_stream_constraints={"video": True, "audio": False},
    rtc_configuration={"iceServers": []},  # this machine only: no STUN/TURN servers are contacted
    async_processing=True,
    desired_playing_state=False if stop_requested else None,
)
if ctx.video_processor is not None:
    ctx.video_processor.overlay = setup.overlay

ended = st.session_state.get("ended_session")
if ended is not None and ctx.video_processor is None:
    st.success(f"Session {ended} is saved.")
    if st.button(f"Review session {ended}", icon=":material/insights:", key="to_review"):
        st.session_state["review_session"] = ended
        st.switch_page("cue_trainer/app/pages/review.py")

panels.live_panel(ctx, coach=setup.mode == "coach")
panels.controls(ctx)
