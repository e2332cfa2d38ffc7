"""The read model of a stored session: everything recorded about it, loaded once, typed.

Owns: ``Recording`` (with ``replay``, ``signals``, ``score``, ``framing`` and the session's
stretches), ``Stretch`` and ``Replay``. Imports: baseline, catalogue, cues, coach, features,
framing, landmarks, profiles, records, scoring, store.
Every reader of a stored session — review, tuning, evaluation, the CLI, the pages and the
notebooks — takes a ``Recording``; none of them goes back to the store for more.

A session's *practice stretches* are where cues were analysed: from the end of each calibration
to the next calibration or pause, and from a pause's end on, each with the baseline then in force.
"""
from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass, field, replace

import numpy as np

from cue_trainer import InputError
from cue_trainer.baseline import Baseline
from cue_trainer.catalogue import CUE_IDS
from cue_trainer.coach import suggestions_for
from cue_trainer.cues import CUE_INDEX, SIGN, cue_signals, detect_events, detect_from_signals, runs
from cue_trainer.features import ABSENCE_CODE, INDEX
from cue_trainer.framing import Framing, combine, framing_of
from cue_trainer.landmarks import Absence
from cue_trainer.profiles import Profile, parse_profile
from cue_trainer.records import CueEvent, Label, Mark, Segment, Suggestion
from cue_trainer.scoring import SCORE_TOLERANCE_S, CueScore, score
from cue_trainer.store import SessionInfo, SessionStore

#: What the Review, ``sessions score`` and the trend say of a session nobody practised on.
NOT_PRACTISED = "Nobody practised on this video yet: it has no noticing score, only the app's episodes."

logger = logging.getLogger(__name__)

Span = tuple[float, float]


def spans(t: np.ndarray, mask: np.ndarray) -> list[Span]:
    """The (start_s, end_s) stretches of times ``t`` where ``mask`` holds, each ending at the first frame
    where it no longer holds (at the last frame, for a stretch that lasts to the end)."""
    return [(float(t[i]), float(t[min(j, len(t) - 1)])) for i, j in zip(*runs(mask))]


#: "Another person in view" stretches closer than this (seconds) are shown as one.
OTHERS_GAP_S = 1.0


@dataclass(frozen=True)
class Stretch:
    """A practice stretch: ``start_s`` inclusive, ``end_s`` exclusive (``inf`` for the last)."""

    start_s: float
    end_s: float
    baseline: Baseline


@dataclass(frozen=True)
class Replay:
    """The batch engine's result for a recording under some profile."""

    events: list[CueEvent]
    suggestions: list[Suggestion]


def stretches_of(segments: list[Segment]) -> list[Stretch]:
    """The practice stretches that a session's segments (in time order) leave."""
    stretches: list[Stretch] = []
    baseline: Baseline | None = None
    start: float | None = None
    for seg in segments:
        if start is not None and baseline is not None:
            stretches.append(Stretch(start, seg.start_s, baseline))
            start = None
        if seg.kind == "calibration" and seg.baseline_json is not None and seg.end_s is not None:
            try:
                baseline = Baseline.from_json(seg.baseline_json)
            except InputError as e:  # a damaged row: that baseline's stretch is not scored, the rest is
                logger.warning("%s The practice after the baseline at %.1f s is not scored.", e, seg.start_s)
                continue
            start = seg.end_s
        elif seg.kind == "pause" and seg.end_s is not None:
            # A pause before any calibration (or one that interrupted a calibration) restarts it.
            start = seg.end_s if baseline is not None else None
    if start is not None and baseline is not None:
        stretches.append(Stretch(start, math.inf, baseline))
    return stretches


@dataclass(frozen=True, eq=False)
class Recording:
    """One stored session, read once.

    Attributes:
        info: the session's row (names, mode, status, length, …).
        profile: the profile it was recorded with.
        t: (n,) times of the analysed frames, seconds; X: (n, len(FEATURES)) their features.
        stretches: the practice stretches, each with its baseline.
        events: the episodes detected while recording.
        marks: the practitioner's marks and notes.
        suggestions: the suggestions offered, with store ids and responses.
        segments: calibrations and pauses.
        labels: hand labels of true episodes (may be empty).
    """

    info: SessionInfo
    profile: Profile
    t: np.ndarray
    X: np.ndarray
    stretches: list[Stretch]
    events: list[CueEvent]
    marks: list[Mark]
    suggestions: list[Suggestion]
    segments: list[Segment]
    labels: list[Label]
    _replays: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, store: SessionStore, session_id: int) -> Recording:
        """Read one session from the store (each table once).

        An attempt (practice on another session's video) reads that session's features, episodes,
        suggestions, segments and labels, with its own marks: it is scored against them and nothing
        of the video is analysed again.

        Raises:
            InputError: there is no such session (or an attempt's video session is gone).
        """
        info = store.session(session_id)
        base = info.practised_on if info.attempt else session_id
        if info.attempt:
            store.session(base)  # gone: one sentence, not an empty recording
        profile = parse_profile(store.session_field(base, "profile_toml"), origin=f"session {base}")
        t, X = store.features(base)
        logger.debug("loaded the features of session %d (%d frames)", base, len(t))
        segments = store.segments(base)
        if info.attempt and info.duration_s is None:  # still practising or broken off: the video's length
            info = replace(info, duration_s=store.session(base).duration_s)
        return cls(info, profile, t, X, stretches_of(segments), store.events(base),
                   store.marks(session_id), store.suggestions(base), segments, store.labels(base))

    @property
    def session_id(self) -> int:
        return self.info.id

    @property
    def duration_s(self) -> float:
        """The session's length: as recorded, else up to its last analysed frame."""
        if self.info.duration_s is not None:
            return float(self.info.duration_s)
        return float(self.t[-1]) if len(self.t) else 0.0

    @property
    def pauses(self) -> list[Span]:
        return [(s.start_s, s.end_s) for s in self.segments if s.kind == "pause" and s.end_s is not None]

    @property
    def practised(self) -> bool:
        """Whether someone practised noticing in this session: a live session, an attempt on a
        video, or one with marks (a processed video nobody marked has no noticing score:
        ``NOT_PRACTISED``)."""
        return self.info.source == "live" or self.info.attempt or any(m.cue is not None or m.note for m in self.marks)

    @property
    def watched_until(self) -> float:
        """How far the practitioner watched: an attempt's video may be finished early (changes
        after that point are not theirs to notice); a session's whole length otherwise."""
        if not self.info.attempt:
            return math.inf
        if self.info.status == "complete" and self.info.duration_s is not None:
            return float(self.info.duration_s)
        # Still practising, or broken off (a closed tab): as far as the marks show it was watched.
        return max((m.t for m in self.marks), default=0.0)

    @property
    def unscored(self) -> list[Span]:
        """Where marks are not scored: outside every practice stretch (before and during a
        baseline, while paused), since no cue was analysed there, and after ``watched_until``."""
        out, at = [], 0.0
        for s in self.stretches:
            if s.start_s > at:
                out.append((at, s.start_s))
            at = s.end_s
        if at < math.inf:
            out.append((at, math.inf))
        if self.watched_until < math.inf:  # a mark at the very end still counts
            out.append((math.nextafter(self.watched_until, math.inf), math.inf))
        return out

    def _watched(self, events: list[CueEvent]) -> list[CueEvent]:
        return [e for e in events if e.start_s <= self.watched_until]

    def scored_events(self, profile: Profile | None = None) -> list[CueEvent]:
        """The episodes the score counts: ``events_under(profile)`` up to ``watched_until``."""
        return self._watched(self.events_under(profile))

    def in_stretch(self, stretch: Stretch) -> np.ndarray:
        """(n,) bool: the frames inside ``stretch``."""
        return (self.t >= stretch.start_s) & (self.t < stretch.end_s)

    @functools.cached_property
    def _signals(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        out = []
        for stretch in self.stretches:
            keep = self.in_stretch(stretch)
            if keep.any():
                X = self.X[keep]
                out.append((self.t[keep], cue_signals(X, stretch.baseline.center_), X[:, INDEX["present"]] == 1.0))
        return out

    def signals(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per practice stretch with frames: (t (m,), signals (m, n_cues)), catalogue order and
        units, NaN where a cue was unknown. Computed once."""
        return [(t, S) for t, S, _ in self._signals]

    @functools.cached_property
    def unseen(self) -> dict[str, list[Span]]:
        """Per cue id: the (start_s, end_s) stretches in which the person was in view but the app
        could not see what that cue needs (hands, face, …)."""
        out: dict[str, list[Span]] = {c: [] for c in CUE_IDS}
        for t, S, present in self._signals:
            for cue in CUE_IDS:
                out[cue] += spans(t, np.isnan(S[:, CUE_INDEX[cue]]) & present)
        return out

    @functools.cached_property
    def others_in_view(self) -> list[Span]:
        """The (start_s, end_s) stretches in which someone besides the partner was in view, joined
        across gaps shorter than ``OTHERS_GAP_S`` (the models lose a half-hidden person for a frame
        or two). Never a cue; sessions recorded before this was measured have none."""
        out: list[Span] = []
        for span in spans(self.t, self.X[:, INDEX["others_in_view"]] >= 1):
            if out and span[0] - out[-1][1] < OTHERS_GAP_S:
                out[-1] = (out[-1][0], span[1])
            else:
                out.append(span)
        return out

    def absence_during(self, start_s: float, end_s: float) -> Absence | None:
        """Why the partner was not in view for most of ``start_s``–``end_s`` (None: not known)."""
        keep = (self.t >= start_s) & (self.t <= end_s)
        codes = self.X[keep, INDEX["partner_absence"]]
        codes = codes[np.isfinite(codes) & (codes >= 1)]
        if not len(codes):
            return None
        values, counts = np.unique(codes, return_counts=True)
        return next(why for why, code in ABSENCE_CODE.items() if code == values[np.argmax(counts)])

    def framing(self) -> Framing | None:
        """What the camera let the app see over the practice stretches, each against its own
        baseline (None without a baseline)."""
        masks = [(st, self.in_stretch(st)) for st in self.stretches]
        return combine([(framing_of(self.X[keep], st.baseline), int(keep.sum())) for st, keep in masks])

    def replay(self, profile: Profile | None = None) -> Replay:
        """The batch cue engine over the recorded features under ``profile`` (default: the
        recorded one, which gives the events detected while recording). Each profile is
        replayed once per ``Recording``."""
        profile = profile or self.profile
        key = profile.to_toml()
        if key not in self._replays:
            logger.debug("replaying session %d under profile %r", self.session_id, profile.name)
            events: list[CueEvent] = []
            for stretch in self.stretches:
                keep = self.in_stretch(stretch)
                events += detect_events(self.t[keep], self.X[keep], stretch.baseline, profile)
            self._replays[key] = Replay(events, suggestions_for(events, profile))
        return self._replays[key]

    def events_under(self, profile: Profile | None = None) -> list[CueEvent]:
        """The recorded events (``profile`` None), or those a replay under ``profile`` gives."""
        return self.events if profile is None else self.replay(profile).events

    def score(self, profile: Profile | None = None, tolerance_s: float = SCORE_TOLERANCE_S) -> list[CueScore]:
        """The noticing score (see ``scoring``), optionally re-scored under another profile."""
        return score(self.scored_events(profile), self.marks, pauses=self.unscored,
                     unseen=self.unseen, tolerance_s=tolerance_s)

    @property
    def labelled_episodes(self) -> list[CueEvent]:
        """The hand-labelled episodes as episodes to notice: those reaching into a practice
        stretch (a label inside the baseline is not scored, as no mark there is)."""
        def reaches(label: Label) -> bool:
            return any(label.end_s > s.start_s and label.start_s < s.end_s for s in self.stretches)

        return [CueEvent(cue=x.cue, start_s=x.start_s, end_s=x.end_s, confirmed_s=x.start_s, peak=None)
                for x in self.labels if reaches(x)]

    def score_against_labels(self, tolerance_s: float = SCORE_TOLERANCE_S) -> list[CueScore] | None:
        """The noticing score with the hand labels as the changes to notice (None: no labels).
        Same rules as ``score``, except that a careful labeller saw every cue: no mark is excused
        because the app could not see it."""
        if not self.labels:
            return None
        return score(self._watched(self.labelled_episodes), self.marks, pauses=self.unscored, tolerance_s=tolerance_s)

    def detect(self, cue: str, threshold: float, hysteresis: float, min_duration_s: float,
               bridge_s: float = 0.0) -> list[CueEvent]:
        """Episodes of one ``cue`` under these settings, from the signals computed once (the
        building block of threshold sweeps)."""
        sign = SIGN[CUE_INDEX[cue]]
        on = np.array([threshold * sign])
        out: list[CueEvent] = []
        for t, S in self.signals():
            out += detect_from_signals(t, S[:, [CUE_INDEX[cue]]] * sign, on, on - hysteresis,
                                       np.array([min_duration_s]), [cue], np.array([sign]), np.array([bridge_s]))
        return out

