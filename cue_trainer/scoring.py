"""The noticing score, and the one event matcher that scoring, tuning and evaluation share.

Owns: ``match`` (pairs stretches of time within a tolerance), ``judge`` (each episode and mark with
its outcome), ``CueScore``, ``score`` (their counts) and the rules text shown to people. Pure functions over records. Imports: catalogue, records.

Matching: an item (a mark, or a detected episode) and a target (an episode, or a true one) are
*near* when they overlap once both are widened by ``tolerance_s`` on either side (a mark is a
point, so it is near an episode when it falls between ``tolerance_s`` before its start and
``tolerance_s`` after its end). Items are taken in time order; each takes a target it falls
inside, if one is not yet taken, else the earliest near target not yet taken. Each target is
taken at most once.

Scoring rules: a mark is a *hit* when it is matched to an episode of the cue it names. An episode
without a hit is a *miss*. A mark near no episode of its cue is a *false alarm* — unless the app
could not see that cue at that moment (its landmarks were hidden): then it is *not scored*, since
the practitioner may well have been right. A second mark near an episode already matched is
neither a hit nor a false alarm. Marks made during a baseline or while the session was paused
(no cue was analysed then), notes without a cue, and
states that are never suggested (out of view) are not scored. The *delay* is the time from an
episode's start to its first matching mark (negative when the practitioner marked it before the
app's signal crossed its threshold).

Tolerances: the score uses ``SCORE_TOLERANCE_S`` (5 s), since a person watching reacts to a
change with some delay and may mark its end; tuning and evaluation against hand labels use
``LABEL_TOLERANCE_S`` (2 s), since labels are careful boundaries drawn frame by frame.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from cue_trainer.catalogue import BY_ID, CUE_IDS
from cue_trainer.records import CueEvent, Mark

SCORE_TOLERANCE_S = 5.0
LABEL_TOLERANCE_S = 2.0

RULES = (
    "A mark counts as a hit when it names the same cue as an episode and falls between {tol:g} s before "
    "the episode started and {tol:g} s after it ended; each episode counts once. Episodes without such a "
    "mark are misses, and marks that match no episode are false alarms — except when the app could not see "
    "that cue at the time (those are not scored). Marks made during the baseline or while paused are not "
    "scored. The delay is the "
    "time from the start of a change to your mark; it is negative when you marked it before the app's signal "
    "crossed its threshold."
)

Span = tuple[float, float]


@dataclass(frozen=True)
class Matching:
    """The result of ``match``.

    Attributes:
        pairs: item index -> target index, for every matched item.
        near: indices of the items that were near some target (matched or not).
    """

    pairs: dict[int, int]
    near: frozenset[int]


def match(items: Sequence[Span], targets: Sequence[Span], tolerance_s: float) -> Matching:
    """Match items to targets (both (start_s, end_s); a point has start == end) by the rule in
    the module docstring."""
    order = sorted(range(len(targets)), key=lambda j: targets[j][0])
    taken: set[int] = set()
    pairs: dict[int, int] = {}
    near: set[int] = set()
    for i in sorted(range(len(items)), key=lambda i: items[i][0]):
        s0, s1 = items[i]
        close = [j for j in order if s0 - tolerance_s <= targets[j][1] and targets[j][0] <= s1 + tolerance_s]
        if close:
            near.add(i)
        # The target the item falls inside comes first (a mark during the second of two episodes
        # is for that one), then the earliest near one.
        inside = [j for j in close if targets[j][0] <= s0 and s1 <= targets[j][1]]
        free = next((j for j in inside + close if j not in taken), None)
        if free is not None:
            taken.add(free)
            pairs[i] = free
    return Matching(pairs, frozenset(near))


@dataclass(frozen=True)
class CueScore:
    """Score of one cue (or of all cues, with ``cue="all"``).

    ``not_scored`` counts marks that matched nothing while the app could not see the cue."""

    cue: str
    episodes: int
    hits: int
    misses: int
    false_alarms: int
    median_delay_s: float  # NaN without hits
    not_scored: int = 0

    @property
    def short(self) -> str:
        return BY_ID[self.cue].short if self.cue in BY_ID else "All cues"

    def as_row(self) -> dict:
        """The row people read: short cue name, changes (episodes), noticed (hits), missed, false
        alarms, not scored (couldn't see), median delay (s)."""
        return {
            "cue": self.short, "changes": self.episodes, "noticed": self.hits, "missed": self.misses,
            "false alarms": self.false_alarms, "not scored": self.not_scored,
            "median delay (s)": None if math.isnan(self.median_delay_s) else round(self.median_delay_s, 1),
        }


def _inside(t: float, spans: Sequence[Span]) -> bool:
    return any(s0 <= t <= s1 for s0, s1 in spans)


Outcome = Literal["noticed", "missed", "false alarm", "not scored", "again"]


@dataclass(frozen=True)
class Judged:
    """One episode or one mark, judged by the scoring rules.

    Attributes:
        kind: "episode" or "mark".
        cue: the cue id.
        start_s, end_s: the episode's span (a mark's time twice).
        outcome: an episode is "noticed" or "missed"; a mark is "noticed" (it matched an episode),
            "again" (a second mark near an episode already matched: neither hit nor false alarm),
            "false alarm", or "not scored" (near no episode while the app could not see the cue).
        mark_s: for a noticed episode, the time of the mark that matched it.
    """

    kind: Literal["episode", "mark"]
    cue: str
    start_s: float
    end_s: float
    outcome: Outcome
    mark_s: float | None = None


def judge(
    events: Sequence[CueEvent],
    marks: Sequence[Mark],
    *,
    pauses: Sequence[Span] = (),
    unseen: Mapping[str, Sequence[Span]] | None = None,
    tolerance_s: float = SCORE_TOLERANCE_S,
) -> list[Judged]:
    """Every episode and every scored mark of the cues that can be suggested, with its outcome
    (marks made in ``pauses`` — while paused, during a baseline — and notes without a cue are left
    out), in catalogue order, then time."""
    unseen = unseen or {}
    out: list[Judged] = []
    for cue in (c for c in CUE_IDS if BY_ID[c].suggests):
        episodes = [e for e in events if e.cue == cue]
        times = sorted(m.t for m in marks if m.cue == cue and not _inside(m.t, pauses))
        m = match([(t, t) for t in times], [(e.start_s, e.end_s) for e in episodes], tolerance_s)
        matched = {j: times[i] for i, j in m.pairs.items()}
        for j, e in enumerate(episodes):
            out.append(Judged("episode", cue, e.start_s, e.end_s, "noticed" if j in matched else "missed",
                              matched.get(j)))
        for i, t in enumerate(times):
            if i in m.pairs:
                outcome: Outcome = "noticed"
            elif i in m.near:
                outcome = "again"
            elif _inside(t, unseen.get(cue, ())):
                outcome = "not scored"
            else:
                outcome = "false alarm"
            out.append(Judged("mark", cue, t, t, outcome))
    return out


def score(
    events: Sequence[CueEvent],
    marks: Sequence[Mark],
    *,
    pauses: Sequence[Span] = (),
    unseen: Mapping[str, Sequence[Span]] | None = None,
    tolerance_s: float = SCORE_TOLERANCE_S,
) -> list[CueScore]:
    """Per-cue scores (catalogue order; cues with neither episodes nor marks left out), then the
    overall line (``cue="all"``): the counts of ``judge``'s outcomes.

    Args:
        events: detected cue episodes.
        marks: the practitioner's marks.
        pauses: (start_s, end_s) stretches when nothing was analysed.
        unseen: per cue id, (start_s, end_s) stretches when the app could not see that cue.
        tolerance_s: how far before an episode's start or after its end a mark still counts.
    """
    judged = judge(events, marks, pauses=pauses, unseen=unseen, tolerance_s=tolerance_s)
    rows, all_delays = [], []
    totals = [0, 0, 0, 0, 0]
    for cue in dict.fromkeys(j.cue for j in judged):
        items = [j for j in judged if j.cue == cue]
        episodes = [j for j in items if j.kind == "episode"]
        hits = [j for j in episodes if j.outcome == "noticed"]
        delays = [j.mark_s - j.start_s for j in hits]
        count = lambda outcome: sum(j.kind == "mark" and j.outcome == outcome for j in items)  # noqa: E731
        row = CueScore(cue, len(episodes), len(hits), len(episodes) - len(hits), count("false alarm"),
                       statistics.median(delays) if delays else math.nan, count("not scored"))
        rows.append(row)
        all_delays += delays
        for k, v in enumerate((row.episodes, row.hits, row.misses, row.false_alarms, row.not_scored)):
            totals[k] += v
    rows.append(CueScore("all", *totals[:4], statistics.median(all_delays) if all_delays else math.nan, totals[4]))
    return rows


def headline(total: CueScore) -> str:
    """The score in one sentence, from the overall line of ``score``."""
    if total.episodes == 0 and total.false_alarms == 0:
        return "The app counted no changes in this session, and none of your marks was scored."
    parts = [f"You noticed {total.hits} of {total.episodes} change{'s' if total.episodes != 1 else ''}"]
    if total.hits and not math.isnan(total.median_delay_s):
        d = total.median_delay_s
        parts[0] += (f", typically {d:.1f} s after {'they' if total.hits > 1 else 'it'} began" if d >= 0
                     else f", typically {-d:.1f} s before the app's signal crossed its threshold")
    extra = []
    if total.false_alarms:
        extra.append(f"{total.false_alarms} mark{'s' if total.false_alarms != 1 else ''} matched nothing")
    if total.not_scored:
        extra.append(f"{total.not_scored} {'was' if total.not_scored == 1 else 'were'} not scored because the "
                     "app couldn't see that cue")
    return "; ".join(parts + extra) + "."
