"""Threshold tuning: replay recorded features under other thresholds and score the episodes
against the truth (hand labels, or the practitioner's marks).

Owns: ``Recording`` (a session's signals, computed once), ``match``, ``sweep``, ``choose`` and
``frame_scores``. Imports: catalogue, cues, profiles, review, store, session. scikit-learn does the
metrics and curves.

Event-level matching: a detected episode and a true one match when they overlap, allowing
``tolerance_s`` on either side (a true *mark* is a point: it matches an episode whose stretch,
widened by the tolerance, contains it). Each true episode and each detection match at most once.
Unmatched detections are false positives, unmatched true episodes false negatives.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve, precision_recall_fscore_support

from cue_trainer.catalogue import BY_ID
from cue_trainer.cues import CUE_INDEX, SIGN, CueEvent, cue_signals, detect_from_signals
from cue_trainer.profiles import Profile
from cue_trainer.review import marks_of
from cue_trainer.session import practice_stretches
from cue_trainer.store import SessionStore

DEFAULT_TOLERANCE_S = 2.0


@dataclass(frozen=True)
class Recording:
    """One session's practice stretches with every cue's signal computed once.

    Attributes:
        session_id: the stored session.
        stretches: (t (n,), signals (n, n_cues)) per practice stretch, catalogue order and units.
        truth: (cue, start_s, end_s) true episodes (labels, or marks as zero-length episodes).
        truth_kind: "labels" or "marks".
    """

    session_id: int
    stretches: list[tuple[np.ndarray, np.ndarray]]
    truth: list[tuple[str, float, float]]
    truth_kind: str

    @classmethod
    def load(cls, store: SessionStore, session_id: int, truth: str = "auto") -> Recording:
        """Load a session; ``truth`` is "labels", "marks" or "auto" (labels if it has any)."""
        t, X = store.features(session_id)
        stretches = []
        for s0, s1, baseline in practice_stretches(store, session_id):
            keep = (t >= s0) & (t < s1)
            if keep.any():
                stretches.append((t[keep], cue_signals(X[keep], baseline.center_)))
        labels = store.labels(session_id)
        if truth == "labels" or (truth == "auto" and labels):
            return cls(session_id, stretches, [tuple(x) for x in labels], "labels")
        points = [(m.cue, m.t, m.t) for m in marks_of(store, session_id) if m.cue is not None]
        return cls(session_id, stretches, points, "marks")

    def events(self, cue: str, threshold: float, hysteresis: float, min_duration_s: float) -> list[CueEvent]:
        """Episodes of ``cue`` under these settings (the batch engine on the stored signals)."""
        sign = SIGN[CUE_INDEX[cue]]
        on = np.array([threshold * sign])
        out: list[CueEvent] = []
        for t, S in self.stretches:
            out += detect_from_signals(t, S[:, [CUE_INDEX[cue]]] * sign, on, on - hysteresis,
                                       np.array([min_duration_s]), [cue], np.array([sign]))
        return out


def match(detected: list[CueEvent], truth: list[tuple[float, float]], tolerance_s: float) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of detections against true (start, end)."""
    used: set[int] = set()
    tp = 0
    for e in sorted(detected, key=lambda e: e.start_s):
        hit = next((i for i, (s0, s1) in enumerate(truth)
                    if i not in used and e.start_s - tolerance_s <= s1 and s0 <= e.end_s + tolerance_s), None)
        if hit is not None:
            used.add(hit)
            tp += 1
    return tp, len(detected) - tp, len(truth) - tp


def _metrics(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    # One label per matched pair, false positive and false negative: sklearn's event-level P/R/F1.
    y_true = np.r_[np.ones(tp), np.zeros(fp), np.ones(fn)]
    y_pred = np.r_[np.ones(tp), np.ones(fp), np.zeros(fn)]
    if y_true.size == 0:
        return 0.0, 0.0, 0.0
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=0)
    return float(p), float(r), float(f)


def sweep(
    recordings: list[Recording],
    cue: str,
    thresholds,
    min_durations_s=(None,),
    *,
    profile: Profile,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> pd.DataFrame:
    """Score every (threshold, min_duration_s) setting of one cue over the recordings.

    ``None`` in ``min_durations_s`` means the profile's value; hysteresis stays the profile's.
    Returns one row per setting: threshold, min_duration_s, tp, fp, fn, precision, recall, f1.
    """
    lo, hi = BY_ID[cue].threshold_range
    settings = profile.cues[cue]
    truths = [[(s0, s1) for c, s0, s1 in r.truth if c == cue] for r in recordings]
    rows = []
    for min_d in min_durations_s:
        min_d = settings.min_duration_s if min_d is None else float(min_d)
        for thr in thresholds:
            thr = float(np.clip(thr, lo, hi))
            counts = np.zeros(3, int)
            for rec, truth in zip(recordings, truths):
                counts += match(rec.events(cue, thr, settings.hysteresis, min_d), truth, tolerance_s)
            p, r, f = _metrics(*counts)
            rows.append({"threshold": thr, "min_duration_s": min_d, "tp": counts[0], "fp": counts[1],
                         "fn": counts[2], "precision": p, "recall": r, "f1": f})
    return pd.DataFrame(rows)


def choose(results: pd.DataFrame, rule: str = "best_f1") -> pd.Series:
    """The operating point: ``"best_f1"``, or ``"recall>=X"`` (the most precise setting with at
    least that recall). Ties go to the highest threshold and longest minimum duration (fewer,
    surer cues: suggestions stay sparse).

    Raises:
        ValueError: an unknown rule, or no setting meets it.
    """
    ordered = results.sort_values(["threshold", "min_duration_s"], ascending=False)
    if rule == "best_f1":
        return ordered.loc[ordered.f1.idxmax()]
    if rule.startswith("recall>="):
        floor = float(rule.split(">=", 1)[1])
        ok = ordered[ordered.recall >= floor]
        if ok.empty:
            raise ValueError(f"no setting reaches recall {floor:g}; the best is {results.recall.max():.2f}")
        return ok.loc[ok.precision.idxmax()]
    raise ValueError(f"rule must be 'best_f1' or 'recall>=X', but got {rule!r}")


def frame_scores(recordings: list[Recording], cue: str) -> tuple[np.ndarray, np.ndarray]:
    """Per analysed frame: (inside a true episode 0/1, the cue's signal oriented so that higher
    means more cue), over every recording; frames where the signal is unknown are left out."""
    sign = SIGN[CUE_INDEX[cue]]
    ys, ss = [], []
    for rec in recordings:
        truth = [(s0, s1) for c, s0, s1 in rec.truth if c == cue]
        for t, S in rec.stretches:
            s = S[:, CUE_INDEX[cue]] * sign
            y = np.zeros(t.shape, bool)
            for s0, s1 in truth:
                y |= (t >= s0) & (t <= s1)
            known = np.isfinite(s)
            ys.append(y[known])
            ss.append(s[known])
    return (np.concatenate(ys) if ys else np.zeros(0, bool)), (np.concatenate(ss) if ss else np.zeros(0))


def pr_curve(recordings: list[Recording], cue: str) -> pd.DataFrame:
    """Frame-level precision-recall curve of one cue's signal (scikit-learn), thresholds in the
    cue's own unit."""
    y, s = frame_scores(recordings, cue)
    if y.size == 0 or y.all() or not y.any():
        return pd.DataFrame(columns=["threshold", "precision", "recall"])
    precision, recall, thr = precision_recall_curve(y, s)
    return pd.DataFrame({"threshold": thr * SIGN[CUE_INDEX[cue]], "precision": precision[:-1], "recall": recall[:-1]})


def tuned_profile(profile: Profile, cue: str, point: pd.Series, *, name: str | None = None) -> Profile:
    """``profile`` with ``cue`` set to the chosen operating point (validated like a file)."""
    tuned = profile.with_cue(cue, threshold=float(point.threshold), min_duration_s=float(point.min_duration_s))
    return tuned if name is None else replace(tuned, name=name)


