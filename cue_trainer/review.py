"""Review of a stored session: timeline data, per-cue summary, score inputs, tier file, bundles.

Owns: turning a stored session into the tables the review page and the CLI show and export.
Imports: catalogue, cues, profiles, scoring, store, session. Never streamlit.
"""
from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from cue_trainer.catalogue import BY_ID, CUE_IDS
from cue_trainer.cues import CUE_INDEX, CueEvent, cue_signals
from cue_trainer.features import INDEX
from cue_trainer.profiles import Profile, parse_profile
from cue_trainer.scoring import DEFAULT_TOLERANCE_S, CueScore, Mark, score
from cue_trainer.session import practice_stretches, replay
from cue_trainer.store import SessionStore

#: Most points per cue line in the timeline; longer sessions are thinned evenly for the chart.
MAX_POINTS = 1500


def session_profile(store: SessionStore, session_id: int) -> Profile:
    """The profile the session was recorded with."""
    return parse_profile(store.session_field(session_id, "profile_toml"), origin=f"session {session_id}")


def events_for(store: SessionStore, session_id: int, profile: Profile | None = None) -> list[CueEvent]:
    """The recorded events, or those a replay under another ``profile`` gives."""
    return store.events(session_id) if profile is None else replay(store, session_id, profile).events


def marks_of(store: SessionStore, session_id: int) -> list[Mark]:
    df = store.table(session_id, "marks")
    return [Mark(float(r.t), r.cue if isinstance(r.cue, str) else None) for r in df.itertuples()]


def pauses_of(store: SessionStore, session_id: int) -> list[tuple[float, float]]:
    return [(s0, s1) for kind, s0, s1, _ in store.segments(session_id) if kind == "pause" and s1 is not None]


def noticing_score(
    store: SessionStore, session_id: int, profile: Profile | None = None, tolerance_s: float = DEFAULT_TOLERANCE_S
) -> list[CueScore]:
    """The noticing score of a session (see ``scoring``), optionally re-scored under another profile."""
    return score(events_for(store, session_id, profile), marks_of(store, session_id),
                 pauses=pauses_of(store, session_id), tolerance_s=tolerance_s)


def summary(events: list[CueEvent]) -> pd.DataFrame:
    """Per cue: episodes, total and longest duration (seconds), in catalogue order."""
    rows = []
    for cue in CUE_IDS:
        durations = [e.end_s - e.start_s for e in events if e.cue == cue]
        if durations:
            rows.append({"cue": BY_ID[cue].label, "episodes": len(durations), "total (s)": round(sum(durations), 1),
                         "longest (s)": round(max(durations), 1)})
    return pd.DataFrame(rows, columns=["cue", "episodes", "total (s)", "longest (s)"])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def timeline(store: SessionStore, session_id: int, profile: Profile | None = None) -> pd.DataFrame:
    """Long-form rows for the timeline chart, one ``kind`` per layer.

    Columns: kind ("signal", "episode", "mark", "suggestion", "calibration", "pause", "cant_see"),
    cue (label), start, end (seconds; equal for points), value, threshold, text.
    """
    rescored = profile is not None
    profile = profile or session_profile(store, session_id)
    t, X = store.features(session_id)
    shown = [c for c in CUE_IDS if BY_ID[c].suggests and profile.cues[c].enabled]
    rows: list[dict] = []
    for s0, s1, baseline in practice_stretches(store, session_id):
        keep = (t >= s0) & (t < s1)
        if not keep.any():
            continue
        tt, S = t[keep], cue_signals(X[keep], baseline.center_)
        present = X[keep, INDEX["present"]] == 1.0
        step = max(1, len(tt) // MAX_POINTS)
        for cue in shown:
            label, values = BY_ID[cue].label, S[:, CUE_INDEX[cue]]
            thr = profile.cues[cue].threshold
            rows += [{"kind": "signal", "cue": label, "start": a, "end": a, "value": v, "threshold": thr}
                     for a, v in zip(tt[::step], values[::step])]
            for i, j in _runs(np.isnan(values) & present):
                rows.append({"kind": "cant_see", "cue": label, "start": tt[i], "end": tt[min(j, len(tt) - 1)],
                             "text": f"can't see {BY_ID[cue].needs}"})
    labels = [BY_ID[c].label for c in shown]
    for e in events_for(store, session_id, profile if rescored else None):
        if e.cue in shown:
            rows.append({"kind": "episode", "cue": BY_ID[e.cue].label, "start": e.start_s, "end": e.end_s,
                         "value": e.peak, "text": f"{BY_ID[e.cue].short}: {e.start_s:.1f}–{e.end_s:.1f} s"})
    for r in store.table(session_id, "marks").itertuples():
        targets = [BY_ID[r.cue].label] if r.cue in BY_ID else labels  # a missing cue reads as NaN: not in BY_ID
        text = BY_ID[r.cue].short if r.cue in BY_ID else f"note: {r.note}"
        rows += [{"kind": "mark", "cue": c, "start": r.t, "end": r.t, "text": text} for c in targets]
    for r in store.table(session_id, "suggestions").itertuples():
        if r.cue in BY_ID:
            answer = {"asked": "asked it", "not_now": "not now"}.get(r.response, "no answer")
            rows.append({"kind": "suggestion", "cue": BY_ID[r.cue].label, "start": r.t, "end": r.t,
                         "text": f"{r.text} ({answer})"})
    for kind, s0, s1, _ in store.segments(session_id):
        end = s1 if s1 is not None else (float(t[-1]) if len(t) else s0)
        rows += [{"kind": kind, "cue": c, "start": s0, "end": end, "text": kind} for c in labels]
    return pd.DataFrame(rows, columns=["kind", "cue", "start", "end", "value", "threshold", "text"])


def tiers(store: SessionStore, session_id: int) -> pd.DataFrame:
    """The session as annotation tiers (tier, begin, end, annotation), times in seconds, for tools
    such as ELAN that import tab-separated tiers."""
    rows = []
    for e in store.events(session_id):
        rows.append((f"cue: {BY_ID[e.cue].short}", e.start_s, e.end_s, BY_ID[e.cue].label))
    for r in store.table(session_id, "marks").itertuples():
        label = BY_ID[r.cue].label if r.cue in BY_ID else ""
        note = r.note if isinstance(r.note, str) else ""
        rows.append(("practitioner marks", r.t, r.t, "; ".join(x for x in (label, note) if x)))
    for r in store.table(session_id, "suggestions").itertuples():
        rows.append(("check-in suggestions", r.t, r.t, r.text + (f" [{r.response}]" if isinstance(r.response, str) else "")))
    for kind, s0, s1, _ in store.segments(session_id):
        rows.append((kind, s0, s1 if s1 is not None else s0, kind))
    df = pd.DataFrame(rows, columns=["tier", "begin", "end", "annotation"])
    df[["begin", "end"]] = df[["begin", "end"]].astype(float).round(3)
    return df.sort_values(["tier", "begin"], kind="stable").reset_index(drop=True)


def write_tiers(store: SessionStore, session_id: int, path: str | Path) -> Path:
    path = Path(path)
    tiers(store, session_id).to_csv(path, sep="\t", index=False)
    return path


def bundle(store: SessionStore, session_id: int, fmt: str) -> bytes:
    """A zip of every table of the session as CSV or Parquet (for a download button)."""
    with tempfile.TemporaryDirectory() as d:
        paths = store.export(session_id, d, fmt)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for p in paths:
                z.write(p, arcname=f"session-{session_id}/{p.name}")
        return buf.getvalue()
