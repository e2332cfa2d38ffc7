"""Evaluation against hand labels: per-cue accuracy of the detected episodes, false alarms on calm
clips, blink immunity, and the committed floors.

Owns: ``ClipResult`` (one processed clip with its labels), ``CueRow`` and ``cue_rows`` (the per-cue
table over a set of clips), ``BlinkReport`` / ``blink_report`` (frame-level agreement with a
per-frame blink annotation), ``Floors`` / ``check_floors``. Imports: catalogue, scoring, records, tuning.

Detected episodes are matched to labelled ones with ``scoring.match`` — the matcher that the
noticing score and threshold tuning use — at ``LABEL_TOLERANCE_S`` unless told otherwise: a label
matched by an episode is a hit, a label without one a miss, every other episode a false alarm
(a second episode on an already matched label included: a person would see two check-ins).
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from cue_trainer.catalogue import BY_ID, CUE_IDS
from cue_trainer.records import CueEvent, Label
from cue_trainer.scoring import LABEL_TOLERANCE_S, match
from cue_trainer.tuning import metrics


@dataclass(frozen=True)
class ClipResult:
    """One clip, processed.

    Attributes:
        name: the clip's name in the manifest.
        events: detected episodes (after the baseline).
        labels: the hand-labelled episodes.
        scored_s: seconds of footage after the baseline (where episodes can happen).
        known: per cue id, the share of frames after the baseline where the cue was known.
        calm: nothing to notice here; every episode is a false alarm.
        seconds: wall-clock processing time; ``duration_s`` the clip's length.
    """

    name: str
    events: list[CueEvent]
    labels: list[Label]
    scored_s: float
    known: dict[str, float]
    calm: bool = False
    seconds: float = math.nan
    duration_s: float = math.nan
    frames: int = 0

    @property
    def speed(self) -> float:
        """Times real time (clip length over processing time)."""
        return self.duration_s / self.seconds if self.seconds > 0 else math.nan


@dataclass(frozen=True)
class CueRow:
    """One cue over a set of clips."""

    cue: str
    labelled: int
    detected: int
    hits: int
    misses: int
    false_alarms: int
    false_alarms_per_10min: float
    precision: float  # NaN with nothing detected
    recall: float  # NaN with nothing labelled
    f1: float
    median_delay_s: float  # labelled start to confirmation, over hits; NaN without hits
    known_share: float  # of frames after the baseline, over all clips
    delays_s: list[float] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        d = asdict(self)
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def cue_rows(clips: Sequence[ClipResult], *, tolerance_s: float = LABEL_TOLERANCE_S,
             cues: Iterable[str] = CUE_IDS) -> list[CueRow]:
    """The per-cue table over ``clips`` (counts summed over clips; each clip matched on its own)."""
    minutes = sum(c.scored_s for c in clips) / 60.0
    frames = sum(c.frames for c in clips)
    rows = []
    for cue in cues:
        labelled = detected = hits = 0
        delays: list[float] = []
        known = 0.0
        for clip in clips:
            events = [e for e in clip.events if e.cue == cue]
            labels = [x for x in clip.labels if x.cue == cue]
            pairs = match([(e.start_s, e.end_s) for e in events], [(x.start_s, x.end_s) for x in labels],
                          tolerance_s).pairs
            labelled += len(labels)
            detected += len(events)
            hits += len(pairs)
            delays += [events[i].confirmed_s - labels[j].start_s for i, j in pairs.items()]
            known += clip.known.get(cue, math.nan) * clip.frames
        false_alarms = detected - hits
        precision, recall, f1 = metrics(hits, false_alarms, labelled - hits)
        rows.append(CueRow(
            cue=cue, labelled=labelled, detected=detected, hits=hits, misses=labelled - hits,
            false_alarms=false_alarms,
            false_alarms_per_10min=10.0 * false_alarms / minutes if minutes > 0 else math.nan,
            precision=precision if detected else math.nan,
            recall=recall if labelled else math.nan,
            f1=f1 if detected or labelled else math.nan,
            median_delay_s=statistics.median(delays) if delays else math.nan,
            known_share=known / frames if frames else math.nan,
            delays_s=delays,
        ))
    return rows


# ---------------------------------------------------------------------------------------------
# Blinks


@dataclass(frozen=True)
class BlinkReport:
    """Frame-level agreement of "eyes closed" with a per-frame blink annotation.

    ``closed_*`` compare the app's per-frame "eyes at least 80 % closed" with the frames the
    annotation marks fully closed; ``blinks_seen`` counts annotated blinks with at least one frame
    the app judged closed; ``blink_episodes`` counts ``eyes_closing`` episodes overlapping a blink
    (the floor: none).
    """

    frames: int
    frame_accuracy: float
    closed_precision: float
    closed_recall: float
    blinks: int
    blinks_seen: int
    blink_episodes: int

    def as_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


def read_blink_tag(text: str) -> tuple[dict[int, int], set[int]]:
    """Parse an eyeblink8-style ``.tag`` file: (frame -> blink id for frames inside a blink,
    frames marked fully closed in either eye). Lines are ``frame:blink_id:NF:LE_FC:LE_NV:RE_FC:…``
    with blink id -1 outside blinks and ``C`` for a fully closed eye."""
    blink: dict[int, int] = {}
    closed: set[int] = set()
    body = False
    for line in text.splitlines():
        line = line.strip()
        if line == "#start":
            body = True
            continue
        if not body or not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) < 6:
            raise ValueError(f"not a blink annotation line: {line[:60]!r}")
        frame, blink_id = int(parts[0]), int(parts[1])
        if blink_id >= 0:
            blink[frame] = blink_id
            if parts[3] == "C" or parts[5] == "C":
                closed.add(frame)
    return blink, closed


def blink_report(frame_index: np.ndarray, closed: np.ndarray, blink: dict[int, int], fully_closed: set[int],
                 events: Sequence[CueEvent], fps: float) -> BlinkReport:
    """Compare per-frame "eyes closed" judgements with the annotation.

    Args:
        frame_index: (n,) video frame number of each analysed frame.
        closed: (n,) bool, the app's per-frame judgement (NaN-free; unknown frames count as open).
        blink, fully_closed: from ``read_blink_tag``.
        events: the clip's detected episodes (only ``eyes_closing`` ones are looked at).
        fps: the video's frame rate, to place blinks in time.
    """
    frame_index = np.asarray(frame_index, dtype=int)
    closed = np.asarray(closed, dtype=bool)
    truth = np.isin(frame_index, sorted(fully_closed))
    tp = int(np.sum(closed & truth))
    ids = sorted(set(blink.values()))
    seen = {blink[f] for f, c in zip(frame_index, closed) if c and f in blink}
    spans = []
    for b in ids:
        fr = [f for f, i in blink.items() if i == b]
        spans.append((min(fr) / fps, (max(fr) + 1) / fps))
    episodes = [e for e in events if e.cue == "eyes_closing"]
    overlapping = sum(any(e.start_s <= s1 and s0 <= e.end_s for s0, s1 in spans) for e in episodes)
    return BlinkReport(
        frames=int(frame_index.size),
        frame_accuracy=float(np.mean(closed == truth)) if frame_index.size else math.nan,
        closed_precision=tp / int(closed.sum()) if closed.any() else math.nan,
        closed_recall=tp / int(truth.sum()) if truth.any() else math.nan,
        blinks=len(ids),
        blinks_seen=len(seen),
        blink_episodes=overlapping,
    )


# ---------------------------------------------------------------------------------------------
# Floors


@dataclass(frozen=True)
class Floors:
    """The committed floors (``cue_trainer/clips/floors.toml``)."""

    min_labelled: int = 2  # recall and precision floors apply to cues with at least this many labels
    recall: float = 0.8
    precision: float = 0.8
    calm_false_alarms_per_10min: float = 1.0
    blink_episodes: int = 0
    delay_over_min_duration_s: float = 1.0


def check_floors(rows: Sequence[CueRow], calm_rows: Sequence[CueRow], blinks: Sequence[BlinkReport],
                 min_duration_s: dict[str, float], floors: Floors = Floors()) -> list[str]:
    """Every floor missed, one sentence each (empty: all met)."""
    missed = []
    for r in rows:
        if r.labelled >= floors.min_labelled:
            if not r.recall >= floors.recall:
                missed.append(f"{r.cue}: recall {r.recall:.2f} is under the floor {floors.recall:.2f}.")
            if not (r.precision >= floors.precision):
                missed.append(f"{r.cue}: precision {_num(r.precision)} is under the floor {floors.precision:.2f}.")
        limit = min_duration_s[r.cue] + floors.delay_over_min_duration_s
        if r.median_delay_s > limit:
            missed.append(f"{r.cue}: median onset delay {r.median_delay_s:.1f} s is over {limit:g} s "
                          f"(minimum duration + {floors.delay_over_min_duration_s:g} s).")
    calm_fa = sum(r.false_alarms for r in calm_rows)
    calm_rate = sum(r.false_alarms_per_10min for r in calm_rows if not math.isnan(r.false_alarms_per_10min))
    if calm_rate > floors.calm_false_alarms_per_10min:
        missed.append(f"calm clips: {calm_fa} false alarm(s), {calm_rate:.1f} per 10 minutes, over the floor "
                      f"{floors.calm_false_alarms_per_10min:g}.")
    for b in blinks:
        if b.blink_episodes > floors.blink_episodes:
            missed.append(f"{b.blink_episodes} blink(s) became an eyes-closing episode.")
    return missed


def _num(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.2f}"


def markdown_table(rows: Sequence[CueRow]) -> str:
    """The per-cue table as Markdown (what the README and ``eval-report.md`` show)."""
    head = ("| cue | labelled | detected | hits | misses | false alarms | per 10 min | precision | recall | F1 "
            "| median delay (s) | known |")
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        lines.append(
            f"| {BY_ID[r.cue].short} | {r.labelled} | {r.detected} | {r.hits} | {r.misses} | {r.false_alarms} "
            f"| {_num(r.false_alarms_per_10min)} | {_num(r.precision)} | {_num(r.recall)} | {_num(r.f1)} "
            f"| {'–' if math.isnan(r.median_delay_s) else f'{r.median_delay_s:.1f}'} "
            f"| {'–' if math.isnan(r.known_share) else f'{100 * r.known_share:.0f} %'} |"
        )
    return "\n".join(lines)
