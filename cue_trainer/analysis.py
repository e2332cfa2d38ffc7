"""The streaming analysis of one session: features -> baseline -> cues -> coach, frame by frame,
emitted to a recorder.

Owns: ``Analysis``, ``StepResult``, the ``Recorder`` interface and ``MemoryRecorder``. Imports:
landmarks, features, baseline, cues, coach, framing, profiles, records. (The store's ``SessionRecorder``
is the recorder that persists; this module does not import the store.)

Phases of an analysis: "waiting" (nobody in view yet) -> "calibrating" (the baseline window:
``calibration_s`` seconds from the first frame with the person in view) -> "practising" (cues,
suggestions). ``recalibrate`` starts a new calibration; ``pause`` stops analysis and recording.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from cue_trainer.baseline import Baseline
from cue_trainer.coach import CheckInCoach
from cue_trainer.cues import CueEngine, CueUpdate
from cue_trainer.features import FeatureExtractor, FeatureFrame
from cue_trainer.framing import Framing, framing_of
from cue_trainer.landmarks import Landmarks
from cue_trainer.profiles import Profile
from cue_trainer.records import CueEvent, Segment, Suggestion

logger = logging.getLogger(__name__)

Phase = Literal["waiting", "calibrating", "practising", "paused"]


class Recorder(Protocol):
    """Where an analysis sends what it produces (the store, or memory)."""

    def add_frame(self, ff: FeatureFrame) -> None: ...

    def add_events(self, events: list[CueEvent]) -> None: ...

    def add_suggestion(self, s: Suggestion) -> Suggestion: ...  # returns it with its id, if any

    def add_segment(self, segment: Segment) -> None: ...

    def flush(self) -> None: ...


@dataclass
class MemoryRecorder:
    """A recorder that keeps everything in lists (an analysis that stores nothing)."""

    frames: list[FeatureFrame] = field(default_factory=list)
    events: list[CueEvent] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)

    def add_frame(self, ff: FeatureFrame) -> None:
        self.frames.append(ff)

    def add_events(self, events: list[CueEvent]) -> None:
        self.events.extend(events)

    def add_suggestion(self, s: Suggestion) -> Suggestion:
        self.suggestions.append(s)
        return s

    def add_segment(self, segment: Segment) -> None:
        self.segments.append(segment)

    def flush(self) -> None:
        pass


@dataclass(frozen=True)
class StepResult:
    """What one frame produced.

    Attributes:
        phase: "waiting", "calibrating", "practising" or "paused".
        calibration_left_s: seconds of calibration still to go (calibrating only).
        update: cue states and episodes (practising only).
        suggestions: check-in suggestions offered at this frame (with their store ids when recorded).
    """

    t: float
    phase: Phase
    features: FeatureFrame | None
    update: CueUpdate | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    calibration_left_s: float | None = None


class Analysis:
    """The streaming pipeline of one session.

    Args:
        profile: thresholds and timings.
        recorder: where frames, events, suggestions and segments go (default: a ``MemoryRecorder``).
        calibration_s: baseline window, seconds (default: the profile's).
        extractor: the feature extractor (a new one by default).
    """

    def __init__(
        self,
        profile: Profile,
        *,
        recorder: Recorder | None = None,
        calibration_s: float | None = None,
        extractor: FeatureExtractor | None = None,
    ) -> None:
        self.profile = profile
        self.recorder = recorder if recorder is not None else MemoryRecorder()
        self.calibration_s = profile.calibration_s if calibration_s is None else calibration_s
        self.extractor = extractor or FeatureExtractor()
        self.coach = CheckInCoach(profile)
        self.phase: Phase = "waiting"
        self.baseline: Baseline | None = None
        self.framing: Framing | None = None
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
        self._resume_phase: Phase = "waiting"

    @property
    def calibrating_since(self) -> float | None:
        """When the current calibration began (the person first in view), or None."""
        return self._cal_start

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
        self.recorder.add_segment(Segment("pause", self._pause_start, t))
        self.extractor.reset()  # no movement measured across the gap
        self.phase = self._resume_phase
        if self.phase == "practising":
            self.engine = CueEngine(self.profile, self.baseline)

    def finish(self) -> list[CueEvent]:
        """End the analysis: close running episodes; returns every event of the session."""
        self._close_engine()
        self.recorder.flush()
        return self.events

    def _close_engine(self) -> None:
        if self.engine is not None:
            self._record_events(self.engine.finish())
            self.engine = None

    def _record_events(self, events: list[CueEvent]) -> None:
        if events:
            self.events.extend(events)
            self.recorder.add_events(events)

    # -- frames -----------------------------------------------------------------------------
    def step(self, lm: Landmarks) -> StepResult:
        """Analyse the next frame's landmarks (frames in time order)."""
        if self.phase == "paused":
            return StepResult(lm.t, "paused", None)
        ff = self.extractor.step(lm)
        self.frames += 1
        self.last_t = ff.t
        self.recorder.add_frame(ff)

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
        offered = []
        for cue in update.confirmed:
            s = self.coach.offer(cue, ff.t)
            if s is not None:
                offered.append(self.recorder.add_suggestion(s))
        self.suggestions.extend(offered)
        return StepResult(ff.t, "practising", ff, update, offered)

    def _fit_baseline(self, end_s: float) -> None:
        rows = np.array(self._cal_rows)
        self.baseline = Baseline().fit(rows)
        self.framing = framing_of(rows, self.baseline)  # what the camera lets the app see of this person
        self._cal_rows = []
        # After a recalibration the segment also covers the wait for the person, so that a
        # replay ends the previous baseline's stretch where the live engine stopped.
        start = self._cal_start if self.baseline_count == 0 else min(self._wait_start, self._cal_start)
        self.recorder.add_segment(Segment("calibration", start, end_s, self.baseline.to_json()))
        self.baseline_count += 1
        self.engine = CueEngine(self.profile, self.baseline)
        self.phase = "practising"
