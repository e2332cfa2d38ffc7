"""Practice page: the practitioner's instrument. Video on one side; clock, marks and (Coach mode)
cues on the other, all on one screen. Setup collapses and locks while a session runs (the page
reruns once when a session starts or ends, so that the setup shows it).

The picture reaches the app from the source chosen in Setup (``app.sources``): the camera over
WebRTC or over the local link (a WebSocket on 127.0.0.1: works with no network at all), or a
shared window of a video call. Thin: the analysis lives in ``cue_trainer.live``; the webcam
boundary in ``app.video``; the panels in ``app.setup`` and ``app.live_panels``.
"""
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cue_trainer.app import call, keys, live_panels, style
from cue_trainer.app.local_link import LocalLink
from cue_trainer.app.plain import plain
from cue_trainer.app.setup import current_setup, setup_panel
from cue_trainer.app.sources import picture_source
from cue_trainer.app.video import PracticeProcessor, keep_webrtc_on_loopback, stream_started, take_started
from cue_trainer.app.video_practice import RUNNING, video_practice
from cue_trainer.live import LiveSession
from cue_trainer.store import SessionStore

style.apply()
keep_webrtc_on_loopback()
home = SessionStore().home
browser = get_script_run_ctx().session_id  # this browser tab's session, for streams started off this thread


def session_of_stream() -> LiveSession | None:
    """The running session of this tab's stream, also one whose processor streamlit-webrtc made
    and dropped (a stream that never connected) before any run of the page saw it."""
    started = take_started(browser)
    if started is not None:
        st.session_state["live_session"] = started
        st.session_state.pop("no_picture", None)  # a new stream: the last one's outcome is history
    live = st.session_state.get("live_session")
    return live if live is not None and not live.ended else None


st.markdown("### Practice")
locked = session_of_stream() is not None  # a session is running: setup stays as it was
#: What the practitioner watches: the partner on camera, or a video (an attempt on a stored session).
SOURCES = {"camera": "A person on camera", "video": "A video"}
if "practice_source" not in st.session_state:  # kept while the browser session lasts, as the setup is
    st.session_state["practice_source"] = st.session_state.get("kept_source", "camera")
attempting = st.session_state.get(RUNNING) is not None and not st.session_state[RUNNING].ended
st.radio("Practise with", list(SOURCES), format_func=SOURCES.get, key="practice_source", horizontal=True,
         disabled=locked or attempting, label_visibility="collapsed",
         help="A video: practise alone on a recording, with the same keys; it is scored against what the app found.")
st.session_state["kept_source"] = st.session_state["practice_source"]
if st.session_state["practice_source"] == "video":
    video_practice(SessionStore(home))
    st.stop()
ended = st.session_state.get("ended_session")
fault = st.session_state.get("ended_fault")
if ended is not None and not locked:
    with st.container(horizontal=True, vertical_alignment="center", key="saved"):
        if fault:  # the store failed: say what was kept, never "saved"
            st.warning(plain(fault))
        else:
            st.success(f"Session {ended} is saved.", width=260)
        if ended in {s.id for s in SessionStore(home).sessions()} and st.button(
                f"Review session {ended}", type="primary", icon=":material/insights:", key="to_review"):
            st.session_state["review_session"] = ended
            st.switch_page("review.py")
setup_panel(home, current_setup(home), locked=locked)
setup = current_setup(home)


@st.cache_resource
def local_link() -> LocalLink:
    # One WebSocket server on 127.0.0.1 for every stream of this app process, for this app's pages.
    return LocalLink(app_port=int(st.get_option("server.port")))


def stop(live: LiveSession) -> None:
    """End the session as complete (the app's Stop, or the webcam component's own STOP) — or, if no
    picture ever arrived, remove it (a stream that could not connect leaves nothing stored) and say so."""
    if live.discard_unconnected():
        st.session_state["no_picture"] = True
        st.session_state.pop("ended_session", None)
    else:
        st.session_state["ended_session"] = live.stop()
        st.session_state["ended_fault"] = live.fault
        st.session_state.pop("no_picture", None)
    st.session_state.pop("live_session", None)
    source.stop()


def on_stream_change() -> None:
    # The webcam component's STOP: end the session exactly as Stop does, not as "incomplete".
    ctx = st.session_state.get("practice")
    live = session_of_stream()
    if ctx is not None and not ctx.state.playing and live is not None:
        stop(live)


def make_processor(follower=None) -> PracticeProcessor:
    # Runs when the stream starts: one LiveSession (and one detector) per stream.
    live = LiveSession(
        store=SessionStore(home), profile=setup.profile, partner=setup.partner, practitioner=setup.practitioner,
        mode=setup.mode, calibration_s=setup.calibration_s, suggestion_visible_s=setup.suggestion_visible_s,
        record=setup.record, picture=source.picture, max_fps=call.FPS if follower is not None else 15.0,
    )
    stream_started(browser, live)
    return PracticeProcessor(live, overlay=setup.overlay, follower=follower, browser=browser)


source = picture_source(setup.link, local_link=local_link, make_processor=make_processor,
                        on_webrtc_change=on_stream_change)
running = False
if setup.consented:
    video_col, side = st.columns([1.25, 1], gap="medium")
    with video_col:
        source.show()
        if source.processor is not None:
            source.processor.overlay = setup.overlay
            st.session_state["live_session"] = source.processor.live
    running = source.processor is not None and not source.processor.live.ended
    with side:
        # The last stream's outcome stays beside the video until the next stream starts (the webcam
        # component reruns the page as it resets: a message shown for one run would flash and vanish).
        notice = source.no_picture if st.session_state.get("no_picture") else None
        live_panels.status_panel(source, unconnected=session_of_stream, notice=notice,
                                 on_no_picture=lambda live: (stop(live), st.rerun(scope="app")),
                                 on_fault=lambda live: (stop(live), st.rerun(scope="app")))
        if setup.mode == "coach":
            live_panels.suggestion_panel(source)
        live_panels.controls_panel(source, on_stop=lambda live: (stop(live), st.rerun(scope="app")))
        live_panels.cue_panel(source, coach=setup.mode == "coach", alert=setup.alert)
    keys.install()
if running != locked:
    st.rerun()  # a session started or ended in this run: draw the setup locked or unlocked
