"""Threshold tuning: replay recorded features under other thresholds and score the episodes
against the truth (hand labels, or the practitioner's marks).

Owns: ``truth_of``, ``counts``, ``sweep``, ``choose``, ``frame_scores``, ``pr_curve`` and
``tuned_profile``. Imports: catalogue, cues, profiles, records, recording, scoring. scikit-learn
does the metrics and curves; ``scoring.match`` pairs episodes (the same matcher as the score).

Truth and tolerance: with hand labels, each detected episode is matched to a labelled one
(``LABEL_TOLERANCE_S``, 2 s); unmatched detections are false positives and unmatched labels false
negatives. With the practitioner's marks as the truth, the marks are matched to the episodes
exactly as the noticing score does (``SCORE_TOLERANCE_S``, 5 s): a true positive is a hit, a false
positive an episode nobody marked (a miss), a false negative a mark that matched nothing (a false
alarm). So ``tune.py --truth marks`` and the Review's score count the same marks the same way.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd
try:
    from sklearn.metrics import precision_recall_curve, precision_recall_fscore_support
except ImportError:  # the app's lean install: tuning is an extra
    raise InputError("Threshold tuning needs scikit-learn: pip install 'cue-trainer[tuning]' (make test and "
                     "make eval install it).") from None

from cue_trainer import InputError
from cue_trainer.catalogue import BY_ID
from cue_trainer.cues import CUE_INDEX, SIGN
from cue_trainer.profiles import Profile, fitting_hysteresis
from cue_trainer.records import CueEvent
from cue_trainer.recording import Recording
from cue_trainer.scoring import LABEL_TOLERANCE_S, SCORE_TOLERANCE_S, match

Truth = Literal["labels", "marks"]


def truth_of(rec: Recording, kind: Literal["auto", "labels", "marks"] = "auto") -> tuple[Truth, list[tuple[str, float, float]]]:
    """The true episodes of a recording as (cue, start_s, end_s): its labels (``"auto"``: when it
    has any), else its marks as points. Returns which kind was used, and them."""
    if kind == "labels" or (kind == "auto" and rec.labels):
        return "labels", [(x.cue, x.start_s, x.end_s) for x in rec.labels]
    return "marks", [(m.cue, m.t, m.t) for m in rec.marks if m.cue is not None and
                     not any(s0 <= m.t <= s1 for s0, s1 in rec.unscored)]


def default_tolerance_s(truth: Truth) -> float:
    return LABEL_TOLERANCE_S if truth == "labels" else SCORE_TOLERANCE_S


def counts(detected: list[CueEvent], truth: list[tuple[float, float]], truth_kind: Truth,
           tolerance_s: float) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of detections against the truth."""
    spans = [(e.start_s, e.end_s) for e in detected]
    if truth_kind == "labels":
        tp = len(match(spans, truth, tolerance_s).pairs)
        return tp, len(detected) - tp, len(truth) - tp
    m = match(truth, spans, tolerance_s)  # marks onto episodes, as the score does
    tp = len(m.pairs)
    return tp, len(detected) - tp, len(truth) - len(m.near)


def metrics(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    # One label per matched pair, false positive and false negative: sklearn's event-level P/R/F1.
    y_true = np.r_[np.ones(tp), np.zeros(fp), np.ones(fn)]
    y_pred = np.r_[np.ones(tp), np.ones(fp), np.zeros(fn)]
    if y_true.size == 0:
        return 0.0, 0.0, 0.0
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=0)
    return float(p), float(r), float(f)


def session_counts(rec: Recording, cue: str, thresholds: list[float], hysteresis: float, bridge_s: float,
                   min_duration_s: float, true: list[tuple[float, float]], kind: Truth, tolerance_s: float) -> np.ndarray:
    """(hits, false alarms, misses) of one session for each threshold: (len(thresholds), 3) ints."""
    return np.array([counts(rec.detect(cue, thr, fitting_hysteresis(cue, thr, hysteresis), min_duration_s, bridge_s),
                            true, kind, tolerance_s)
                     for thr in thresholds], int).reshape(len(thresholds), 3)


def _starmap(fn, arglists):
    return [fn(*args) for args in arglists]


def sweep(
    recordings: list[Recording],
    cue: str,
    thresholds,
    min_durations_s=(None,),
    *,
    profile: Profile,
    truth: Literal["auto", "labels", "marks"] = "auto",
    tolerance_s: float | None = None,
    starmap=None,
) -> pd.DataFrame:
    """Score every (threshold, min_duration_s) setting of one cue over the recordings.

    ``starmap(fn, arglists)`` runs the per-session counts (default: one after another here;
    ``cluster.ray_starmap`` spreads them over a Ray cluster, with the same results).

    ``None`` in ``min_durations_s`` means the profile's value; hysteresis and bridge stay the profile's.
    ``tolerance_s`` None: the tolerance that suits each recording's truth (see the module docstring).
    Returns one row per setting: threshold, min_duration_s, tp, fp, fn, precision, recall, f1.

    Raises:
        ValueError: a threshold outside the cue's allowed range.
    """
    lo, hi = BY_ID[cue].threshold_range
    bad = [float(x) for x in thresholds if not lo <= float(x) <= hi]
    if bad:
        raise ValueError(f"thresholds of {cue} must lie in {lo:g}..{hi:g}, but got {bad[0]:g}")
    settings = profile.cues[cue]
    truths = []
    for rec in recordings:
        kind, true = truth_of(rec, truth)
        truths.append((kind, [(s0, s1) for c, s0, s1 in true if c == cue],
                       default_tolerance_s(kind) if tolerance_s is None else tolerance_s))
    thresholds = [float(x) for x in thresholds]
    min_ds = [settings.min_duration_s if min_d is None else float(min_d) for min_d in min_durations_s]
    # One call per session and minimum duration: the unit a cluster spreads (``starmap``).
    calls = [(rec, cue, thresholds, settings.hysteresis, settings.bridge_s, min_d, true, kind, tol)
             for min_d in min_ds for rec, (kind, true, tol) in zip(recordings, truths)]
    per_call = iter((starmap or _starmap)(session_counts, calls))
    rows = []
    for min_d in min_ds:
        total = sum((next(per_call) for _ in recordings), np.zeros((len(thresholds), 3), int))
        for thr, (tp, fp, fn) in zip(thresholds, total):
            p, r, f = metrics(tp, fp, fn)
            rows.append({"threshold": thr, "min_duration_s": min_d, "tp": tp, "fp": fp, "fn": fn,
                         "precision": p, "recall": r, "f1": f})
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


def frame_scores(recordings: list[Recording], cue: str, truth: Literal["auto", "labels", "marks"] = "auto"
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per analysed frame: (inside a true episode 0/1, the cue's signal oriented so that higher
    means more cue), over every recording; frames where the signal is unknown are left out."""
    sign = SIGN[CUE_INDEX[cue]]
    ys, ss = [], []
    for rec in recordings:
        true = [(s0, s1) for c, s0, s1 in truth_of(rec, truth)[1] if c == cue]
        for t, S in rec.signals():
            s = S[:, CUE_INDEX[cue]] * sign
            y = np.zeros(t.shape, bool)
            for s0, s1 in true:
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
    threshold = float(point.threshold)
    hysteresis = fitting_hysteresis(cue, threshold, profile.cues[cue].hysteresis)  # as the sweep used it
    tuned = profile.with_cue(cue, threshold=threshold, hysteresis=hysteresis, min_duration_s=float(point.min_duration_s))
    return tuned if name is None else replace(tuned, name=name)


