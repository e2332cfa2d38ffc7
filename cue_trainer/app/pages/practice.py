"""Practice page: consent, names, webcam, calibration, coach/quiz mode, marks, suggestions.

Thin: the analysis lives in ``cue_trainer.live``; the webcam boundary in ``cue_trainer.app.video``.
"""
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from cue_trainer.app import panels
from cue_trainer.app.video import PracticeProcessor
from cue_trainer.live import LiveSession
from cue_trainer.profiles import CALIBRATION_RANGE_S, default_profile
from cue_trainer.store import SessionStore

st.title("Practice")
st.markdown(panels.LIMITS)

st.subheader("1 · Consent")
partner_ok = st.checkbox(
    "**Partner:** I agree to be on camera. I know the app looks for coarse posture and movement "
    "changes only, keeps no video, and that I can pause or stop at any time.",
    key="consent_partner",
)
practitioner_ok = st.checkbox(
    "**Practitioner:** I agree to practise noticing, to ask rather than assume, and to treat what "
    "my partner says about themselves as the answer.",
    key="consent_practitioner",
)
if not (partner_ok and practitioner_ok):
    st.info("The camera starts only after both people have agreed.")
    st.stop()

st.subheader("2 · Who is practising")
profile = default_profile()
c1, c2 = st.columns(2)
partner = c1.text_input("Partner's name", value="Partner", key="partner")
practitioner = c2.text_input("Practitioner's name", value="Practitioner", key="practitioner")
c1, c2, c3 = st.columns(3)
mode = c1.radio(
    "Mode", ["Coach", "Quiz"], key="mode", horizontal=True,
    help="Coach shows the app's cues and suggestions live. Quiz hides them until the review.",
)
calibration_s = c2.number_input(
    "Baseline length (s)", min_value=CALIBRATION_RANGE_S[0], max_value=CALIBRATION_RANGE_S[1],
    value=profile.calibration_s, step=1.0, key="calibration_s",
    help="How long the partner sits naturally at the start, so that cues compare with them, not with others.",
)
overlay = c3.toggle("Show landmarks on the video", value=True, key="overlay")

st.subheader("3 · Camera")


def make_processor() -> PracticeProcessor:
    # Runs when the stream starts: one LiveSession (and one detector) per stream.
    live = LiveSession(
        store=SessionStore(), profile=profile, partner=partner, practitioner=practitioner,
        mode=mode.lower(), calibration_s=calibration_s,
    )
    return PracticeProcessor(live, overlay=overlay)


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
    ctx.video_processor.overlay = overlay

ended = st.session_state.get("ended_session")
if ended is not None and ctx.video_processor is None:
    st.success(f"Session {ended} is saved.")
    st.page_link("cue_trainer/app/pages/sessions.py", label=f"Review session {ended}", icon=":material/insights:")

panels.live_panel(ctx, coach=(mode == "Coach"))
panels.controls(ctx)
