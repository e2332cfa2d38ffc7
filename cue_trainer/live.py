"""A live practice session: the analysis of one webcam stream, shared by two threads.

Owns: ``LiveSession``, ``LiveSnapshot`` and ``end_running`` (a process that stops ends its sessions truthfully). The video worker thread calls ``process`` for each
frame; the page calls the controls (``mark``, ``pause``, ``stop``, …) and reads ``snapshot()``.
One lock guards the analysis; MediaPipe runs outside it, so the page never waits for a model.
Imports: analysis, catalogue, clock, cues, detector, features, footage, frames, framing,
landmarks, profiles, records, store. Never streamlit.
"""
from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Callable, Literal

from cue_trainer.analysis import Analysis, Phase
from cue_trainer.catalogue import BY_ID
from cue_trainer.clock import format_clock
from cue_trainer.cues import CueState
from cue_trainer.features import FEATURES
from cue_trainer.footage import FootageWriter
from cue_trainer.frames import Frame
from cue_trainer.framing import brief
from cue_trainer.detector import LandmarkDetector
from cue_trainer.landmarks import Landmarks
from cue_trainer.profiles import Profile
from cue_trainer.records import Response, Suggestion
from cue_trainer.store import Mode, Picture, SessionStore, StoreFault, explain

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveSnapshot:
    """What the page shows, copied out of the worker under the lock.

    Attributes:
        now_s: the session clock when the snapshot was taken.
        t: session time of the latest analysed frame (None before the first).
        phase: "waiting", "calibrating", "practising", "paused" or "ended".
        states: cue states of the latest frame (practising only).
        suggestion: the newest suggestion not yet answered and still on show (offered less than
            ``suggestion_visible_s`` ago; its ``id`` is its store row).
        frames_received, frames_analysed: counts since the start (the difference was dropped
            because analysis was busy or the analysis rate is lower than the camera's).
        baseline: feature name -> baseline value, once calibrated.
        framing: what the camera hides, in one short sentence, once calibrated (``framing.brief``).
        recording: the session's video is being recorded (both people opted in); ``recorded_bytes``
            its size so far, ``recording_dropped`` frames the encoder could not keep up with,
            ``recording_error`` one sentence if the recording stopped (the practice goes on).
        others_in_view: someone besides the partner is in view in the latest analysed frame (shown,
            never a cue); ``partner_in_view`` whether the partner is.
    """

    session_id: int
    now_s: float
    t: float | None
    phase: Phase | Literal["ended"]
    calibration_left_s: float | None
    states: dict[str, CueState] = field(default_factory=dict)
    suggestion: Suggestion | None = None
    frames_received: int = 0
    frames_analysed: int = 0
    baseline: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    framing: str = ""
    others_in_view: bool = False
    partner_in_view: bool = False
    recording: bool = False
    recorded_bytes: int = 0
    recording_dropped: int = 0
    recording_error: str | None = None

    @property
    def dropped_share(self) -> float:
        return 0.0 if self.frames_received == 0 else 1.0 - self.frames_analysed / self.frames_received


#: What a session still recording says when its app process was told to stop (SIGTERM, Ctrl-C).
STOPPED_NOTE = ("The app was stopped while this session was being recorded; it holds what was recorded until "
                "then.")
#: The live sessions this process is recording (a session leaves it when it ends).
_RUNNING: "weakref.WeakSet[LiveSession]" = weakref.WeakSet()


def end_running(note: str = STOPPED_NOTE) -> list[int]:
    """End every live session this process is still recording, as incomplete with ``note`` (the
    app's server calls it as it shuts down); returns their ids."""
    ended = []
    for live in list(_RUNNING):
        try:
            ended.append(live.stop(status="incomplete", note=note))
        except Exception:  # noqa: BLE001 - shutting down: end the others all the same
            logger.exception("could not end live session %s", live.session_id)
    return ended


class LiveSession:
    """One live practice session, recorded in ``store`` from construction until ``stop``.

    Args:
        store: where the session is recorded.
        profile: thresholds and timings.
        partner, practitioner, mode: stored with the session ("coach" or "quiz").
        calibration_s: baseline window (default: the profile's).
        max_fps: analysis rate cap; faster cameras have frames skipped, never queued.
        suggestion_visible_s: how long an unanswered suggestion stays on show.
        detector: the landmark detector for this stream (default: a new one, closed at ``stop``).
        clock: monotonic seconds; the session clock is ``clock() - start``.
        record: write the analysed frames to a video under the data directory (``footage``), for
            the review; only when both people opted in.
        picture: where the pictures come from, stored with the session: "camera" or "call window"
            (a shared window or tab of a video call).
    """

    def __init__(
        self,
        *,
        store: SessionStore,
        profile: Profile,
        partner: str = "",
        practitioner: str = "",
        mode: Mode = "coach",
        calibration_s: float | None = None,
        max_fps: float = 15.0,
        suggestion_visible_s: float = 20.0,
        detector: LandmarkDetector | None = None,
        clock: Callable[[], float] = time.monotonic,
        record: bool = False,
        picture: Picture = "camera",
    ) -> None:
        self.store = store
        self.picture = picture
        self.profile = profile
        self.mode = mode
        self.max_fps = max_fps
        self.suggestion_visible_s = suggestion_visible_s
        self.clock = clock
        self._own_detector = detector is None
        self.detector = detector or LandmarkDetector()
        self.session_id = store.create_session(
            source="live", partner=partner or None, practitioner=practitioner or None, mode=mode,
            profile_toml=profile.to_toml(), analysis_fps=max_fps, picture=picture,
        )
        self._start = clock()
        self._lock = threading.Lock()
        # Held while the detector runs, so that Stop never closes it under a frame (MediaPipe
        # raises on a closed graph). Separate from ``_lock``: the page must not wait for a model.
        self._detector_lock = threading.Lock()
        self._analysis = Analysis(profile, recorder=store.recorder(self.session_id), calibration_s=calibration_s)
        self._states: dict[str, CueState] = {}
        self._open: Suggestion | None = None  # the suggestion on offer
        self._received = 0
        self._analysed = 0
        self._next_t = 0.0
        self._last_t: float | None = None
        self._calibration_left: float | None = None
        self._others = 0
        self._partner_seen = False
        self._ended = False
        self._error: str | None = None
        self._fault: str | None = None
        self.last_landmarks: Landmarks | None = None
        _RUNNING.add(self)
        self.footage: FootageWriter | None = None
        if record:
            path = store.video_file(self.session_id, ".webm")
            self.footage = FootageWriter(path, fps=max_fps)
            store.set_video(self.session_id, path)

    def now(self) -> float:
        """The session clock, seconds."""
        return self.clock() - self._start

    # -- worker thread ------------------------------------------------------------------------
    def process(self, rgb) -> Landmarks | None:
        """Analyse one camera frame (RGB uint8) if the analysis rate allows; returns the
        landmarks found, or None when the frame was skipped (paused, ended or too soon)."""
        t = self.now()
        with self._lock:
            self._received += 1
            interval = 1.0 / self.max_fps
            # A frame counts as on time up to 40 % of an interval early, so that a camera running
            # at the cap with some jitter is not halved; a faster camera is thinned to the cap.
            if self._ended or self._analysis.phase == "paused" or t < self._next_t - 0.4 * interval:
                return None
            self._next_t = max(self._next_t, t - 0.4 * interval) + interval
        try:
            with self._detector_lock:
                if self._ended:  # stopped while this frame waited
                    return None
                lm = self.detector.detect(Frame(t, rgb))
        except Exception as e:  # a broken frame must not end the session
            logger.exception("Landmark detection failed")
            with self._lock:
                self._error = f"Analysis of a frame failed ({e.__class__.__name__}); the session goes on."
            return None
        with self._lock:
            if self._ended or self._analysis.phase == "paused":
                return None
            try:
                result = self._analysis.step(lm)  # writes to the store (committed every half second)
            except StoreFault as e:  # disk full, store damaged or removed: say so, end truthfully
                self._fault_at(e)
                return None
            self._analysed += 1
            self._last_t = t
            self._calibration_left = result.calibration_left_s
            self._others, self._partner_seen = lm.others, not lm.is_empty
            self._states = result.update.states if result.update is not None else {}
            if result.suggestions:  # only the newest one is offered
                self._open = result.suggestions[-1]
        if self.footage is not None:
            self.footage.write(rgb, t)  # queued: the encoder runs on its own thread
        self.last_landmarks = lm
        return lm

    def _fault_at(self, e: Exception) -> None:
        """The store failed under the analysis (called with the lock held): the session ends here,
        keeping what was committed, and says why."""
        logger.warning("live session %d: the store failed (%s)", self.session_id, e)
        self._fault = (f"Recording stopped at {format_clock(self.now())}. {explain(e, self.store.path)} "
                       "The session is listed as incomplete.")
        self._error = self._fault
        self._ended = True  # still in ``_RUNNING``: closed when the store can take it (Stop, shutdown)

    @property
    def fault(self) -> str | None:
        """Why the store could not record the session to its end, or None."""
        return self._fault

    def count_dropped(self) -> None:
        """A frame that arrived while analysis was busy and was skipped."""
        with self._lock:
            self._received += 1

    # -- page thread ---------------------------------------------------------------------------
    def snapshot(self) -> LiveSnapshot:
        with self._lock:
            now = self.now()
            if self._open is not None and now - self._open.t >= self.suggestion_visible_s:
                self._open = None  # it has faded unanswered
            b = self._analysis.baseline
            baseline = {}
            if b is not None:
                baseline = {n: float(v) for n, v in zip(FEATURES, b.center_) if math.isfinite(v)}
            return LiveSnapshot(
                session_id=self.session_id,
                now_s=now,
                t=self._last_t,
                phase="ended" if self._ended else self._analysis.phase,
                calibration_left_s=self._calibration_left if self._analysis.phase == "calibrating" else None,
                states=dict(self._states),
                suggestion=self._open,
                frames_received=self._received,
                frames_analysed=self._analysed,
                baseline=baseline,
                error=self._error,
                framing=brief(self._analysis.framing) if self._analysis.framing is not None else "",
                recording=self.footage is not None,
                recorded_bytes=self.footage.bytes if self.footage is not None else 0,
                recording_dropped=self.footage.dropped if self.footage is not None else 0,
                recording_error=self.footage.error if self.footage is not None else None,
                others_in_view=self._others > 0,
                partner_in_view=self._partner_seen,
            )

    def mark(self, cue: str | None, note: str | None = None) -> float:
        """Record that the practitioner noticed ``cue`` (and/or wrote ``note``) now; returns the time."""
        if cue is not None and cue not in BY_ID:
            raise ValueError(f"cue must be one of the catalogue's ids, but got {cue!r}")
        t = self.now()
        try:
            self.store.add_mark(self.session_id, t, cue, note or None)
        except StoreFault as e:  # the page shows why (``fault``) instead of a traceback
            with self._lock:
                if self._fault is None:
                    self._fault_at(e)
        return t

    def respond(self, suggestion_id: int, response: Response) -> None:
        """The practitioner's answer to the offered suggestion: "asked" or "not_now"."""
        if response not in ("asked", "not_now"):
            raise ValueError(f"response must be 'asked' or 'not_now', but got {response!r}")
        self.store.set_response(suggestion_id, response)
        with self._lock:
            if self._open is not None and self._open.id == suggestion_id:
                self._open = None

    def pause(self) -> None:
        with self._lock:
            self._analysis.pause(self.now())
            self._states = {}

    def resume(self) -> None:
        with self._lock:
            self._analysis.resume(self.now())

    def recalibrate(self) -> None:
        with self._lock:
            self._analysis.recalibrate()
            self._states = {}

    def stop(self, *, status: str = "complete", note: str | None = None) -> int:
        """End the session in the store (idempotent); returns its id."""
        with self._lock:
            if self._ended and self not in _RUNNING:  # ended and closed
                return self.session_id
            closing_fault = self._ended  # the store failed earlier: close what can still be closed
            self._ended = True
            _RUNNING.discard(self)
            if not self.store.on_disk():  # the store's file was removed (or replaced) while recording
                self._fault = self._fault or (
                    f"The session store {self.store.path} was removed while this session was being recorded, so "
                    "nothing of it could be kept.")
            else:
                try:
                    if not closing_fault:
                        if self._analysis.phase == "paused":
                            self._analysis.resume(self.now())
                        self._analysis.finish()
                    if self._fault is None:
                        self.store.end_session(self.session_id, duration_s=self.now(), status=status, note=note)
                    else:
                        self.store.end_session(self.session_id, duration_s=self._last_t or 0.0, status="incomplete",
                                               note=self._fault)
                except StoreFault as e:
                    if self._fault is None:
                        self._fault_at(e)
                    _RUNNING.add(self)  # not closed yet: Stop or the app's shutdown tries again
        if self.footage is not None:
            self.footage.close()  # the frames still queued are written first
        if self._own_detector:
            with self._detector_lock:  # after the frame being analysed, if any
                self.detector.close()
        return self.session_id

    def discard_unconnected(self) -> bool:
        """A stream that never sent a picture: end the session and remove it (it holds nothing but
        its start, and would stay in every list as an empty "incomplete 00:00"). False, and
        nothing removed, once any picture has arrived."""
        if self.snapshot().frames_received > 0:
            return False
        self.stop(status="incomplete", note="No picture reached the app.")
        try:
            self.store.delete_session(self.session_id)
        except StoreFault:  # the store failed as well: the row stays, as incomplete
            return False
        return True

    def abandon(self, reason: str) -> None:
        """The stream ended without Stop (tab closed, camera gone): keep what was recorded, as incomplete."""
        self.stop(status="incomplete", note=reason)

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def calibration_s(self) -> float:
        """The baseline window, seconds."""
        return self._analysis.calibration_s

    @property
    def paused(self) -> bool:
        return self._analysis.phase == "paused"
