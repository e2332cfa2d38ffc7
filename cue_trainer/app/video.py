"""The webcam boundary: camera frames in (streamlit-webrtc's ``av.VideoFrame``, or RGB arrays from
the local link), analysed frames and overlay geometry out.

Owns: ``PracticeProcessor`` (one per stream: one LiveSession, one detector, created once),
``overlay_geometry``/``draw_overlay``, and ``keep_webrtc_on_loopback``. Runs in a worker thread:
never calls ``st.*``; the page reads the ``LiveSession`` it holds, whose state is guarded by a lock.
"""
from __future__ import annotations

import logging
import threading
import time

import av
import cv2
import numpy as np
from streamlit.runtime import Runtime
from streamlit_webrtc import VideoProcessorBase

from cue_trainer.landmarks import MIN_VISIBILITY, Landmarks, PoseLandmark as P
from cue_trainer.live import LiveSession
from cue_trainer.tiles import Box, TileFollower

logger = logging.getLogger(__name__)

#: How long a stream that ended without Stop waits before its session is kept as incomplete. The
#: webcam component's own STOP ends the stream too, and the page's next run stops the session as
#: complete: while the tab is still open, the wait goes on (a loaded machine can take longer than
#: this to run the page), so only a closed tab, or a page silent for ``ABANDON_MAX_S``, leaves an
#: incomplete session. A closed tab whose pictures stopped that long ago ends it too, without
#: waiting for WebRTC to notice that the peer is gone (its consent check takes about 30 s when the
#: browser went without closing the connection).
ABANDON_GRACE_S = 3.0
ABANDON_MAX_S = 60.0
ABANDONED_NOTE = "The camera stopped or the page closed before Stop; what was recorded is kept."
ABANDONED_CALL_NOTE = ("The sharing of the call's window stopped or the page closed before Stop; what was "
                       "recorded is kept.")

#: Streams started and not yet taken by their page, by browser session: streamlit-webrtc makes the
#: processor on its own thread, and a stream that fails before the page's next run would leave its
#: session (and its detector) unseen. The page takes its own from here on every run.
_started: dict[str, LiveSession] = {}
_started_lock = threading.Lock()


def stream_started(browser: str, live: LiveSession) -> None:
    """Note the new stream of browser session ``browser`` (from the processor factory)."""
    with _started_lock:
        _started[browser] = live


def take_started(browser: str) -> LiveSession | None:
    """The stream browser session ``browser`` started since it last asked, if any."""
    with _started_lock:
        return _started.pop(browser, None)

_BONES = (
    (P.LEFT_SHOULDER, P.RIGHT_SHOULDER), (P.LEFT_SHOULDER, P.LEFT_ELBOW), (P.LEFT_ELBOW, P.LEFT_WRIST),
    (P.RIGHT_SHOULDER, P.RIGHT_ELBOW), (P.RIGHT_ELBOW, P.RIGHT_WRIST), (P.LEFT_SHOULDER, P.LEFT_HIP),
    (P.RIGHT_SHOULDER, P.RIGHT_HIP), (P.LEFT_HIP, P.RIGHT_HIP), (P.LEFT_EAR, P.NOSE), (P.RIGHT_EAR, P.NOSE),
)


def keep_webrtc_on_loopback() -> None:
    """Make aiortc/aioice offer, and bind its UDP ports on, 127.0.0.1 only.

    aioice gathers host candidates on every network address except 127.0.0.1, so a running stream
    listens on the machine's LAN addresses. The app serves only this computer, so the browser is
    on the same machine: loopback is enough, and nothing is reachable from the network.
    """
    import aioice.ice

    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=False: ["127.0.0.1"] if use_ipv4 else []


def overlay_geometry(lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> dict:
    """What the overlay draws, in normalised image coordinates: the visible pose bones
    ([x1, y1, x2, y2] each), the visible pose points and a sparse face outline."""
    bones, points, face = [], [], []
    if lm.has_pose:
        xy, seen = lm.pose[:, :2], lm.pose[:, 3] >= min_visibility
        bones = [[*map(float, xy[a]), *map(float, xy[b])] for a, b in _BONES if seen[a] and seen[b]]
        points = [[float(x), float(y)] for x, y in xy[:25][seen[:25]]]
    if lm.has_face:
        face = [[float(x), float(y)] for x, y in lm.face[::12, :2]]
    return {"bones": bones, "points": points, "face": face}


def placed(geometry: dict, tile: Box, width: int, height: int) -> dict:
    """``geometry`` of a tile's picture, in the coordinates of the whole (``width`` × ``height``) picture."""
    sx, sy, ox, oy = tile.w / width, tile.h / height, tile.x / width, tile.y / height
    at = lambda x, y: [ox + x * sx, oy + y * sy]  # noqa: E731
    return {
        "bones": [[*at(x1, y1), *at(x2, y2)] for x1, y1, x2, y2 in geometry.get("bones", [])],
        "points": [at(x, y) for x, y in geometry.get("points", [])],
        "face": [at(x, y) for x, y in geometry.get("face", [])],
    }


def draw_overlay(rgb: np.ndarray, lm: Landmarks, min_visibility: float = MIN_VISIBILITY) -> np.ndarray:
    """Draw the visible pose bones and a sparse face outline onto ``rgb`` (in place); returns it."""
    h, w = rgb.shape[:2]
    geometry = overlay_geometry(lm, min_visibility)
    px = lambda x, y: (int(x * w), int(y * h))  # noqa: E731
    for x1, y1, x2, y2 in geometry["bones"]:
        cv2.line(rgb, px(x1, y1), px(x2, y2), (80, 220, 120), 2, cv2.LINE_AA)
    for x, y in geometry["points"]:
        cv2.circle(rgb, px(x, y), 3, (255, 255, 255), -1, cv2.LINE_AA)
    for x, y in geometry["face"]:
        cv2.circle(rgb, px(x, y), 1, (120, 200, 255), -1)
    return rgb


def _tab_open(browser: str | None) -> bool:
    """Whether the browser tab of Streamlit session ``browser`` is still connected to this app."""
    return browser is not None and Runtime.exists() and Runtime.instance().is_active_session(browser)


class PracticeProcessor(VideoProcessorBase):
    """Analyses the picture stream of one practice session.

    The page creates it (through streamlit-webrtc's factory, or for the local link), reads
    ``live`` and sets ``overlay``. With ``follower`` (a shared call window), each frame is cropped
    to the partner's tile before the models see it, at the window's own resolution.
    """

    def __init__(self, live: LiveSession, *, overlay: bool = True, follower: TileFollower | None = None,
                 browser: str | None = None) -> None:
        self.live = live
        self.browser = browser  # the Streamlit session of the page that started the stream
        self.overlay = overlay
        self.follower = follower
        self.first_analysed_at: float | None = None  # monotonic time of the first analysed frame
        self.picture_size: tuple[int, int] | None = None  # (width, height) of the last picture received
        self._picture_at: float | None = None  # monotonic time of the last picture received

    def landmarks(self, rgb: np.ndarray) -> Landmarks | None:
        """Analyse a frame if the analysis rate allows; the landmarks to draw (None while paused),
        in the partner's tile when a call window is followed."""
        self.picture_size = (rgb.shape[1], rgb.shape[0])
        if self._picture_at is None and self.browser is not None:
            self._watch_the_tab()
        self._picture_at = time.monotonic()
        if self.follower is not None:
            rgb = np.ascontiguousarray(self.follower(rgb).crop(rgb))
        lm = self.live.process(rgb)
        if lm is not None and self.first_analysed_at is None:
            self.first_analysed_at = time.monotonic()
        lm = lm if lm is not None else self.live.last_landmarks
        return None if self.live.paused else lm  # no stale landmarks while paused

    def geometry(self, rgb: np.ndarray) -> dict:
        """Analyse a frame (as ``landmarks``); what the page's overlay draws on the whole picture:
        the landmarks (when shown) and, in a call window, the partner's tile."""
        lm = self.landmarks(rgb)
        out = overlay_geometry(lm) if self.overlay and lm is not None else {}
        if self.follower is not None:
            h, w = rgb.shape[:2]
            out = placed(out, self.follower.tile, w, h)
            out["tile"] = [self.follower.tile.x / w, self.follower.tile.y / h,
                           self.follower.tile.w / w, self.follower.tile.h / h]
        return out

    def _one(self, frame: av.VideoFrame) -> av.VideoFrame:
        rgb = frame.to_ndarray(format="rgb24")
        lm = self.landmarks(rgb)
        if self.overlay and lm is not None:
            rgb = draw_overlay(rgb, lm)
        return av.VideoFrame.from_ndarray(rgb, format="rgb24")

    def recv(self, frame: av.VideoFrame) -> av.VideoFrame:
        return self._one(frame)

    async def recv_queued(self, frames: list[av.VideoFrame]) -> list[av.VideoFrame]:
        # Frames that queued up while the model was busy are counted and dropped, so that the
        # picture shown never lags behind the camera.
        for _ in frames[:-1]:
            self.live.count_dropped()
        return [self._one(frames[-1])]

    def on_ended(self) -> None:
        if not self.live.ended:
            logger.info("Stream of session %s ended without Stop", self.live.session_id)
            self._abandon_unless_stopped(time.monotonic() + ABANDON_MAX_S)

    def _abandon_unless_stopped(self, give_up_at: float) -> None:
        """After ``ABANDON_GRACE_S``, keep the session as incomplete unless it has ended: its page
        is gone, or has been silent since ``give_up_at``; while the page is open, look again later."""
        def check() -> None:
            if self.live.ended:
                return
            if _tab_open(self.browser) and time.monotonic() < give_up_at:
                self._abandon_unless_stopped(give_up_at)
            else:
                abandon(self.live)

        _after(ABANDON_GRACE_S, check)

    def _watch_the_tab(self) -> None:
        """Every ``ABANDON_GRACE_S`` while the session runs: when its tab has closed and no picture
        came for that long, keep the session as incomplete (the stream's end may come much later)."""
        def check() -> None:
            if self.live.ended:
                return
            if not _tab_open(self.browser) and time.monotonic() - self._picture_at >= ABANDON_GRACE_S:
                logger.info("The tab of session %s closed without Stop", self.live.session_id)
                abandon(self.live)
            else:
                _after(ABANDON_GRACE_S, check)

        _after(ABANDON_GRACE_S, check)


def abandon(live: LiveSession) -> None:
    """Keep a session whose picture stopped without Stop as incomplete, saying which picture it was."""
    live.abandon(ABANDONED_CALL_NOTE if live.picture == "call window" else ABANDONED_NOTE)


def _after(seconds: float, call) -> None:
    timer = threading.Timer(seconds, call)
    timer.daemon = True
    timer.start()
