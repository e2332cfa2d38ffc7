"""Picture sources of live practice: how the partner's picture reaches the app.

Owns: the ``PictureSource`` protocol, its three implementations, and ``picture_source`` (the one
chosen in Setup):

- ``WebRtcCamera``: the webcam over WebRTC (streamlit-webrtc; media kept on loopback);
- ``LinkedCamera``: the webcam over the local link (a WebSocket on 127.0.0.1: works offline);
- ``CallWindow``: a shared window or tab of a video call over the local link; the practitioner
  chooses the partner on a still of it (``app.call``), and the partner's tile is followed.

Each source hands every frame, as it arrives, to the stream's ``PracticeProcessor``, which puts
it on the session clock (``LiveSession.process``) and analyses it when the rate allows. A source
is drawn on each run of the page (``show``), ends its stream on ``stop``, and says what to do
before it runs (``start_hint``) and when no picture came (``no_picture``). The stream's state
lives in ``st.session_state`` (a page reruns); the objects themselves are cheap and made per run.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from cue_trainer.app import call
from cue_trainer.app.local_link import LocalLink
from cue_trainer.app.video import PracticeProcessor
from cue_trainer.store import Picture

NO_PICTURE = "The camera stream could not connect: no picture reached the app, so nothing was recorded."


class PictureSource(Protocol):
    """One way for the partner's picture to reach the app."""

    #: What the session records as its picture: "camera" or "call window".
    picture: Picture
    #: What to do to start, before the stream runs.
    start_hint: str
    #: What to say when a stream ended without any picture.
    no_picture: str

    @property
    def processor(self) -> PracticeProcessor | None:
        """The running stream's processor (None before it starts)."""

    def show(self) -> None:
        """Draw the source (its start button, then its picture) on this run of the page."""

    def stop(self) -> None:
        """End the stream (after Stop, or when its session ended otherwise)."""


class WebRtcCamera:
    """The webcam over streamlit-webrtc. ``make_processor`` runs when the stream starts (on
    streamlit-webrtc's thread); ``on_change`` when its state changes (its own STOP)."""

    picture: Picture = "camera"
    start_hint = "Press **START** under the video to turn the camera on. The session begins with the baseline."
    no_picture = f"{NO_PICTURE} If this computer is offline, choose “Camera, local link” under Picture above."

    def __init__(self, make_processor: Callable[[], PracticeProcessor], on_change: Callable[[], None]) -> None:
        self._make, self._on_change = make_processor, on_change

    @property
    def processor(self) -> PracticeProcessor | None:
        ctx = st.session_state.get("practice")
        return ctx.video_processor if ctx is not None else None

    def show(self) -> None:
        stop_requested = st.session_state.pop("stop_stream", False)
        ctx = webrtc_streamer(
            key="practice",
            mode=WebRtcMode.SENDRECV,
            video_processor_factory=self._make,
            media_stream_constraints={"video": True, "audio": False},
            rtc_configuration={"iceServers": []},  # this machine only: no STUN/TURN servers are contacted
            async_processing=True,
            desired_playing_state=False if stop_requested else None,
            video_html_attrs={"style": {"width": "100%"}, "controls": False, "autoPlay": True, "muted": True},
            on_change=self._on_change,
        )
        if ctx.video_processor is None and not ctx.state.playing and not ctx.state.signalling:
            self._on_change()  # the component's STOP, should its change callback have been missed

    def stop(self) -> None:
        st.session_state["stop_stream"] = True


class LinkedCamera:
    """The webcam over the local link (no network needed)."""

    picture: Picture = "camera"
    capture = "camera"
    start_hint = "Press **Start camera** to turn the camera on. The session begins with the baseline."
    no_picture = f"{NO_PICTURE} Check that a camera is connected and that this browser may use it."
    #: Where the stream lives in ``st.session_state``: (token, processor or None).
    KEY = "local"

    def __init__(self, link: LocalLink, make_processor: Callable[..., PracticeProcessor]) -> None:
        self.link, self._make = link, make_processor

    @property
    def processor(self) -> PracticeProcessor | None:
        stream = st.session_state.get(self.KEY)
        return stream[1] if stream is not None else None

    def _stream(self) -> tuple[str, PracticeProcessor | None] | None:
        """This tab's stream; one whose session ended (Stop elsewhere, a fault) is forgotten."""
        stream = st.session_state.get(self.KEY)
        if stream is not None and stream[1] is not None and stream[1].live.ended:
            st.session_state.pop(self.KEY)
            self.link.close(stream[0])
            return None
        return stream

    def show(self) -> None:
        stream = self._stream()
        if stream is None:
            st.session_state.pop("stop_stream", None)
            with st.container(border=True, height=300, vertical_alignment="center", horizontal_alignment="center"):
                if st.button("Start camera", type="primary", icon=":material/videocam:", key="start_local"):
                    processor = self._make()
                    st.session_state[self.KEY] = (self.link.open(processor), processor)
                    st.rerun()
            return
        token, processor = stream
        st.iframe(self.link.page(token, fps=processor.live.max_fps, capture=self.capture), height=500)

    def stop(self) -> None:
        stream = st.session_state.pop(self.KEY, None)
        if stream is not None:
            self.link.close(stream[0])


class CallWindow(LinkedCamera):
    """A shared window or tab of a video call, over the local link. The share starts as a preview;
    the session starts once the practitioner has chosen the partner on a still of it."""

    picture: Picture = "call window"
    capture = "window"
    start_hint = ("Press **Share the call's window or tab** and pick the call in the browser's list; then "
                  "choose your partner on the still. The session begins with the baseline.")
    no_picture = ("No picture of the shared window reached the app, so nothing was recorded. Share the call's "
                  "window or tab again.")
    KEY = "call"

    def show(self) -> None:
        stream = self._stream()
        if stream is None:  # a preview from the start: the share button is inside the picture's frame
            stream = st.session_state[self.KEY] = (self.link.open(), None)
        token, processor = stream
        st.iframe(self.link.page(token, fps=call.FPS, capture=self.capture), height="content")  # the window's shape
        if processor is None:
            call.chooser(self.link, token, on_chosen=lambda follower: self._start(token, follower))

    def _start(self, token: str, follower) -> None:
        processor = self._make(follower=follower)
        self.link.attach(token, processor)
        st.session_state[self.KEY] = (token, processor)


def picture_source(link: str, *, local_link: Callable[[], LocalLink],
                   make_processor: Callable[..., PracticeProcessor],
                   on_webrtc_change: Callable[[], None]) -> PictureSource:
    """The source chosen in Setup (``link``: "webrtc", "local" or "window")."""
    if link == "window":
        return CallWindow(local_link(), make_processor)
    if link == "local":
        return LinkedCamera(local_link(), make_processor)
    return WebRtcCamera(make_processor, on_webrtc_change)
