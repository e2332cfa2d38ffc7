"""The noticing score: how the practitioner's marks line up with the detected cue episodes.

Owns: ``Mark``, ``CueScore``, ``score`` and the rules text shown to people. Pure functions over
events and marks; imports: catalogue, cues.

Rules: a mark is a *hit* when it names the same cue as an episode and falls between
``tolerance_s`` before the episode started and ``tolerance_s`` after it ended; each episode
counts once (a second mark on it is neither a hit nor a false alarm). An episode without a hit
is a *miss*; a mark that matches no episode is a *false alarm*. Marks made while the session was
paused, notes without a cue, and states that are never suggested (out of view) are not scored.
The *delay* is the time from an episode's start to its first matching mark (negative when the
practitioner noticed before the app's threshold was crossed).
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from cue_trainer.catalogue import BY_ID, CUE_IDS
from cue_trainer.cues import CueEvent

DEFAULT_TOLERANCE_S = 5.0

RULES = (
    "A mark counts as a hit when it names the same cue as an episode and falls between {tol:g} s before "
    "the episode started and {tol:g} s after it ended; each episode counts once. Episodes without such a "
    "mark are misses, marks that match no episode are false alarms, and marks made while paused are not scored."
)


@dataclass(frozen=True)
class Mark:
    """A practitioner's mark: the cue they noticed at session time ``t`` (seconds)."""

    t: float
    cue: str | None


@dataclass(frozen=True)
class CueScore:
    """Score of one cue (or of all cues, with ``cue="all"``)."""

    cue: str
    episodes: int
    hits: int
    misses: int
    false_alarms: int
    median_delay_s: float  # NaN without hits

    @property
    def label(self) -> str:
        return BY_ID[self.cue].label if self.cue in BY_ID else "All cues"

    def as_row(self) -> dict:
        return {
            "cue": self.label, "episodes": self.episodes, "hits": self.hits, "misses": self.misses,
            "false alarms": self.false_alarms,
            "median delay (s)": None if math.isnan(self.median_delay_s) else round(self.median_delay_s, 1),
        }


def _paused(t: float, pauses: list[tuple[float, float]]) -> bool:
    return any(s0 <= t <= s1 for s0, s1 in pauses)


def score(
    events: list[CueEvent],
    marks: list[Mark],
    *,
    pauses: list[tuple[float, float]] = (),
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> list[CueScore]:
    """Per-cue scores (catalogue order; cues with neither episodes nor marks left out), then the
    overall line (``cue="all"``).

    Args:
        events: detected cue episodes.
        marks: the practitioner's marks.
        pauses: (start_s, end_s) stretches when nothing was analysed.
        tolerance_s: how far before an episode's start or after its end a mark still counts.
    """
    scored = [c for c in CUE_IDS if BY_ID[c].suggests]
    rows, all_delays = [], []
    totals = [0, 0, 0, 0]
    for cue in scored:
        episodes = sorted((e for e in events if e.cue == cue), key=lambda e: e.start_s)
        cue_marks = sorted(m.t for m in marks if m.cue == cue and not _paused(m.t, pauses))
        if not episodes and not cue_marks:
            continue
        matched: dict[int, float] = {}  # episode index -> first matching mark time
        false_alarms = 0
        for t in cue_marks:
            near = [i for i, e in enumerate(episodes) if e.start_s - tolerance_s <= t <= e.end_s + tolerance_s]
            fresh = [i for i in near if i not in matched]
            if fresh:
                matched[fresh[0]] = t
            elif not near:
                false_alarms += 1
            # else: another mark on an episode already matched, neither a hit nor a false alarm
        delays = [matched[i] - episodes[i].start_s for i in sorted(matched)]
        all_delays += delays
        hits = len(matched)
        row = CueScore(cue, len(episodes), hits, len(episodes) - hits, false_alarms,
                       statistics.median(delays) if delays else math.nan)
        rows.append(row)
        for k, v in enumerate((row.episodes, row.hits, row.misses, row.false_alarms)):
            totals[k] += v
    rows.append(CueScore("all", *totals, statistics.median(all_delays) if all_delays else math.nan))
    return rows
