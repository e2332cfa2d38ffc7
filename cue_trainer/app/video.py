"""The webcam boundary: streamlit-webrtc frames in, analysed frames (with an optional overlay) out.

Owns: ``PracticeProcessor`` (one per stream: one detector, created once) and ``draw_overlay``.
Runs in streamlit-webrtc's worker thread: never calls ``st.*``; the page reads the
``LiveSession`` it holds, whose state is guarded by a lock.
"""
from __future__ import annotations

import logging
import threading

import av
import cv2
import numpy as np
from streamlit_webrtc import VideoProcessorBase

from cue_trainer.landmarks import Landmarks, PoseLandmark as P
from cue_trainer.live import LiveSession

logger = logging.getLogger(__name__)

#: How long a stream that ended without Stop waits before its session is kept as incomplete. The
#: webcam component's own STOP ends the stream too; the page then stops the session as complete
#: within this time, so only a closed tab or a lost camera leaves an incomplete session.
ABANDON_GRACE_S = 3.0

_BONES = (
    (P.LEFT_SHOULDER, P.RIGHT_SHOULDER), (P.LEFT_SHOULDER, P.LEFT_ELBOW), (P.LEFT_ELBOW, P.LEFT_WRIST),
    (P.RIGHT_SHOULDER, P.RIGHT_ELBOW), (P.RIGHT_ELBOW, P.RIGHT_WRIST), (P.LEFT_SHOULDER, P.LEFT_HIP),
    (P.RIGHT_SHOULDER, P.RIGHT_HIP), (P.LEFT_HIP, P.RIGHT_HIP), (P.LEFT_EAR, P.NOSE), (P.RIGHT_EAR, P.NOSE),
)


def draw_overlay(rgb: np.ndarray, lm: Landmarks, min_visibility: float = 0.5) -> np.ndarray:
    """Draw the visible pose bones and a sparse face outline onto ``rgb`` (in place); returns it."""
    out = rgb
    h, w = out.shape[:2]
    if lm.has_pose:
        xy = (lm.pose[:, :2] * (w, h)).astype(int)
        seen = lm.pose[:, 3] >= min_visibility
        for a, b in _BONES:
            if seen[a] and seen[b]:
                cv2.line(out, tuple(xy[a]), tuple(xy[b]), (80, 220, 120), 2, cv2.LINE_AA)
        for i in np.flatnonzero(seen[:25]):
            cv2.circle(out, tuple(xy[i]), 3, (255, 255, 255), -1, cv2.LINE_AA)
    if lm.has_face:
        for x, y in (lm.face[::12, :2] * (w, h)).astype(int):
            cv2.circle(out, (int(x), int(y)), 1, (120, 200, 255), -1)
    return out


class PracticeProcessor(VideoProcessorBase):
    """Analyses the webcam stream of one practice session.

    The page creates it through streamlit-webrtc's factory, reads ``live`` and sets ``overlay``.
    """

    def __init__(self, live: LiveSession, *, overlay: bool = True) -> None:
        self.live = live
        self.overlay = overlay

    def _one(self, frame: av.VideoFrame) -> av.VideoFrame:
        rgb = frame.to_ndarray(format="rgb24")
        lm = self.live.process(rgb)
        lm = lm if lm is not None else self.live.last_landmarks
        if self.overlay and lm is not None and not self.live.paused:  # no stale landmarks while paused
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
            timer = threading.Timer(
                ABANDON_GRACE_S, self.live.abandon,
                args=("The camera stopped or the page closed before Stop; what was recorded is kept.",),
            )
            timer.daemon = True
            timer.start()
