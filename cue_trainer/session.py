"""A session: runs features -> baseline -> cues -> coach -> store over a stream of landmarks.

Owns: ``Analysis`` (the streaming pipeline of one session, used live and for videos),
``process_video`` and ``replay`` (the batch engine over a stored session). Imports: every stage.

Phases of an analysis: "waiting" (nobody in view yet) -> "calibrating" (the baseline window:
``calibration_s`` seconds from the first frame with the person in view) -> "practising" (cues,
suggestions). ``recalibrate`` starts a new calibration; ``pause`` stops analysis and recording.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from cue_trainer.baseline import Baseline
from cue_trainer.coach import CheckInCoach, Suggestion, suggestions_for
from cue_trainer.cues import CueEngine, CueEvent, CueUpdate, detect_events
from cue_trainer.features import FeatureExtractor, FeatureFrame
from cue_trainer.frames import VideoFileSource
from cue_trainer.landmarks import LandmarkDetector, Landmarks
from cue_trainer.profiles import Profile, parse_profile
from cue_trainer.store import SessionStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepResult:
    """What one frame produced.

    Attributes:
        phase: "waiting", "calibrating", "practising" or "paused".
        calibration_left_s: seconds of calibration still to go (calibrating only).
        update: cue states and episodes (practising only).
        suggestions: check-in suggestions offered at this frame.
        suggestion_ids: their row ids in the store (when recording).
    """

    t: float
    phase: str
    features: FeatureFrame | None
    update: CueUpdate | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    calibration_left_s: float | None = None
    suggestion_ids: list[int] = field(default_factory=list)


class Analysis:
    """The streaming pipeline of one session.

    Args:
        profile: thresholds and timings.
        store, session_id: where to record; both or neither (then nothing is stored).
        calibration_s: baseline window, seconds (default: the profile's).
        extractor: the feature extractor (a new one by default).
    """

    def __init__(
        self,
        profile: Profile,
        *,
        store: SessionStore | None = None,
        session_id: int | None = None,
        calibration_s: float | None = None,
        extractor: FeatureExtractor | None = None,
    ) -> None:
        if (store is None) != (session_id is None):
            raise ValueError("store and session_id must be given together")
        self.profile = profile
        self.store = store
        self.session_id = session_id
        self.calibration_s = profile.calibration_s if calibration_s is None else calibration_s
        self.extractor = extractor or FeatureExtractor()
        self.coach = CheckInCoach(profile)
        self.phase = "waiting"
        self.baseline: Baseline | None = None
        self.engine: CueEngine | None = None
        self.events: list[CueEvent] = []
        self.suggestions: list[Suggestion] = []
        self.frames = 0
        self.baseline_count = 0
        self.last_t: float | None = None
        self._cal_start: float | None = None
        self._cal_rows: list[np.ndarray] = []
        self._wait_start: float | None = None
        self._pause_start: float | None = None
        self._resume_phase = "waiting"

    # -- control ----------------------------------------------------------------------------
    def recalibrate(self) -> None:
        """Start a new baseline calibration with the next frame that shows the person."""
        self._close_engine()
        self.phase = "waiting"
        self._cal_start = None
        self._cal_rows = []
        self._wait_start = None

    def pause(self, t: float) -> None:
        """Stop analysing and recording until ``resume``; running episodes end at the last frame."""
        if self.phase == "paused":
            return
        self._close_engine()
        self._resume_phase = "practising" if self.baseline is not None and self.phase == "practising" else "waiting"
        if self._resume_phase == "waiting":  # an interrupted calibration starts over
            self._cal_start, self._cal_rows = None, []
        self.phase = "paused"
        self._pause_start = t

    def resume(self, t: float) -> None:
        if self.phase != "paused":
            return
        if self.store is not None:
            self.store.add_segment(self.session_id, "pause", self._pause_start, t)
        self.extractor.reset()  # no movement measured across the gap
        self.phase = self._resume_phase
        if self.phase == "practising":
            self.engine = CueEngine(self.profile, self.baseline)

    def finish(self) -> list[CueEvent]:
        """End the analysis: close running episodes; returns every event of the session."""
        self._close_engine()
        if self.store is not None:
            self.store.flush()
        return self.events

    def _close_engine(self) -> None:
        if self.engine is not None:
            self._record_events(self.engine.finish())
            self.engine = None

    def _record_events(self, events: list[CueEvent]) -> None:
        if events:
            self.events.extend(events)
            if self.store is not None:
                self.store.add_events(self.session_id, events)

    # -- frames -----------------------------------------------------------------------------
    def step(self, lm: Landmarks) -> StepResult:
        """Analyse the next frame's landmarks (frames in time order)."""
        if self.phase == "paused":
            return StepResult(lm.t, "paused", None)
        ff = self.extractor.step(lm)
        self.frames += 1
        self.last_t = ff.t
        if self.store is not None:
            self.store.add_frame(self.session_id, ff)

        if self.phase == "waiting" and self._wait_start is None:
            self._wait_start = ff.t
        if self.phase == "waiting" and ff["present"] == 1.0:
            self.phase = "calibrating"
            self._cal_start = ff.t
        if self.phase == "calibrating":
            elapsed = ff.t - self._cal_start
            if elapsed < self.calibration_s:
                self._cal_rows.append(ff.values)
                return StepResult(ff.t, "calibrating", ff, calibration_left_s=self.calibration_s - elapsed)
            self._fit_baseline(end_s=ff.t)
        if self.phase != "practising":
            return StepResult(ff.t, self.phase, ff)

        update = self.engine.step(ff)
        self._record_events(update.ended)
        offered, ids = [], []
        for cue in update.confirmed:
            s = self.coach.offer(cue, ff.t)
            if s is not None:
                offered.append(s)
                if self.store is not None:
                    ids.append(self.store.add_suggestion(self.session_id, s))
        self.suggestions.extend(offered)
        return StepResult(ff.t, "practising", ff, update, offered, suggestion_ids=ids)

    def _fit_baseline(self, end_s: float) -> None:
        self.baseline = Baseline().fit(np.array(self._cal_rows))
        self._cal_rows = []
        if self.store is not None:
            # After a recalibration the segment also covers the wait for the person, so that a
            # replay ends the previous baseline's stretch where the live engine stopped.
            start = self._cal_start if self.baseline_count == 0 else min(self._wait_start, self._cal_start)
            self.store.add_segment(self.session_id, "calibration", start, end_s, self.baseline.to_json())
        self.baseline_count += 1
        self.engine = CueEngine(self.profile, self.baseline)
        self.phase = "practising"


@dataclass(frozen=True)
class ProcessResult:
    """Outcome of ``process_video``."""

    session_id: int
    frames: int
    duration_s: float
    elapsed_s: float
    events: list[CueEvent]
    suggestions: list[Suggestion]
    status: str
    note: str | None


def process_video(
    path,
    *,
    store: SessionStore,
    profile: Profile,
    fps: float | None = 10.0,
    calibration_s: float | None = None,
    detector: LandmarkDetector | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    source_name: str | None = None,
) -> ProcessResult:
    """Turn a video file into a stored session.

    Args:
        path: the video.
        store: the session store to write to.
        profile: thresholds and timings (stored with the session).
        fps: analysis rate (None: every frame).
        calibration_s: baseline window (default: the profile's).
        detector: a landmark detector to reuse (default: a new one, closed afterwards).
        progress: called as ``progress(frames_done, frames_expected_or_None)`` after each frame.
        source_name: what to record as the video's name (default: ``path``; e.g. an upload's name).

    Raises:
        InputError: the file is missing or not a readable video; nothing is stored then.
    """
    source = VideoFileSource(path, fps=fps)  # validates before anything is written
    own_detector = detector is None
    detector = detector or LandmarkDetector()
    started = time.perf_counter()
    session_id = store.create_session(
        source="video", source_path=source_name or str(path), profile_toml=profile.to_toml(), analysis_fps=fps
    )
    analysis = Analysis(profile, store=store, session_id=session_id, calibration_s=calibration_s)
    status, note = "complete", None
    try:
        for frame in source:
            analysis.step(detector.detect(frame))
            if progress is not None:
                progress(analysis.frames, source.expected_frames)
        analysis.finish()
        expected = source.expected_frames
        duration = source.duration_s if source.duration_s is not None else (analysis.last_t or 0.0)
        if expected is not None and analysis.frames < 0.9 * expected:
            status = "incomplete"
            note = f"The video could only be read up to {_mmss(analysis.last_t or 0.0)}; it may be truncated or damaged."
            duration = analysis.last_t or 0.0
        elif analysis.baseline is None:
            note = "Nobody was in view long enough to calibrate a baseline, so no cues were detected."
        store.end_session(session_id, duration_s=duration, status=status, note=note)
    except BaseException:
        analysis.finish()
        store.end_session(session_id, duration_s=analysis.last_t or 0.0, status="incomplete", note="Processing was interrupted.")
        raise
    finally:
        if own_detector:
            detector.close()
    return ProcessResult(
        session_id, analysis.frames, duration, time.perf_counter() - started,
        analysis.events, analysis.suggestions, status, note,
    )


def _mmss(t: float) -> str:
    t = max(0.0, t)
    return f"{int(t // 60):02d}:{int(t % 60):02d}"


@dataclass(frozen=True)
class Replay:
    """The batch engine's result for a stored session under some profile."""

    events: list[CueEvent]
    suggestions: list[Suggestion]


def practice_stretches(store: SessionStore, session_id: int) -> list[tuple[float, float, Baseline]]:
    """The (start_s, end_s, baseline) stretches of a session in which cues were analysed: from the
    end of each calibration to the next calibration or pause, and from a pause's end on.
    ``end_s`` is exclusive (``inf`` for the last stretch)."""
    segments = store.segments(session_id)
    stretches: list[tuple[float, float, Baseline]] = []
    baseline: Baseline | None = None
    start: float | None = None
    for kind, s0, s1, baseline_json in segments:
        if start is not None and baseline is not None:
            stretches.append((start, s0, baseline))
            start = None
        if kind == "calibration" and baseline_json is not None and s1 is not None:
            baseline = Baseline.from_json(baseline_json)
            start = s1
        elif kind == "pause" and s1 is not None:
            # A pause before any calibration (or one that interrupted a calibration) restarts it.
            start = s1 if baseline is not None else None
    if start is not None and baseline is not None:
        stretches.append((start, math.inf, baseline))
    return stretches


def replay(store: SessionStore, session_id: int, profile: Profile | None = None) -> Replay:
    """Run the batch cue engine over a stored session's features (no video needed).

    Args:
        profile: thresholds to apply (default: the profile the session was recorded with).

    Returns the events and the suggestions the coach would have offered; for the recording's
    own profile they equal what was detected while recording.
    """
    if profile is None:
        profile = parse_profile(store.session_field(session_id, "profile_toml"), origin=f"session {session_id}")
    t, X = store.features(session_id)
    events: list[CueEvent] = []
    for s0, s1, baseline in practice_stretches(store, session_id):
        keep = (t >= s0) & (t < s1)
        events.extend(detect_events(t[keep], X[keep], baseline, profile))
    return Replay(events, suggestions_for(events, profile))
