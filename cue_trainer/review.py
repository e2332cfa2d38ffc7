"""Review of a stored session: timeline rows, per-cue summary, suggestion outcomes, tier file,
download bundles.

Owns: turning a ``Recording`` into the tables the Review page, the CLI and the notebooks show and
export, and its ``moments`` (each episode, false-alarm mark and suggestion, missed ones first). Imports: catalogue, clock, cues, export, frames, records, profiles, recording, scoring, store. Never streamlit.
"""
from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from typing import Literal, get_args
from pathlib import Path

import numpy as np
import pandas as pd

from cue_trainer import InputError
from cue_trainer.catalogue import BY_ID, CUE_IDS
from cue_trainer.clock import format_clock
from cue_trainer.cues import CUE_INDEX, runs
from cue_trainer.export import export_session
from cue_trainer.frames import BROWSER_CODECS, video_codec
from cue_trainer.profiles import Profile
from cue_trainer.records import RESPONSE_TEXT, CueEvent, Suggestion
from cue_trainer.recording import Recording
from cue_trainer.scoring import SCORE_TOLERANCE_S, CueScore, judge
from cue_trainer.store import SessionInfo, SessionStore

#: Most points per cue line in the timeline; longer sessions are thinned evenly for the chart.
MAX_POINTS = 1500

#: Every kind of timeline row, in legend order, with the words the legend shows.
TIMELINE_KINDS: dict[str, str] = {
    "signal": "signal",
    "threshold": "threshold",
    "episode": "episode (app)",
    "mark": "your mark",
    "suggestion": "suggestion",
    "calibration": "calibration",
    "pause": "pause",
    "cant_see": "can't see",
    "others": "another person in view",
}


def others_note(rec: Recording) -> str | None:
    """One sentence on the stretches in which someone besides the partner was in view (None if
    there were none): they are shaded on the timeline, and only the partner was described."""
    spans = rec.others_in_view
    if not spans:
        return None
    total = sum(s1 - s0 for s0, s1 in spans)
    when = ", ".join(f"{format_clock(s0)}–{format_clock(s1)}" for s0, s1 in spans[:3]) + (" …" if len(spans) > 3 else "")
    return (f"Another person was in view for {total:.0f} s ({when}); the timeline shades it. Only the partner "
            "was described.")


#: Why the partner was not in view, as the Review says it.
ABSENCE_TEXT = {
    "nobody": "nobody was in view",
    "someone_else": "only someone else was in view",
    "lost": "people were in view, but none could be told to be the partner",
}


def absence_note(rec: Recording, profile: Profile | None = None) -> str | None:
    """One sentence on the "Not in view" episodes and why the partner was not in view in each
    (None when there were none)."""
    episodes = [e for e in rec.events_under(profile) if e.cue == "out_of_view"]
    if not episodes:
        return None
    parts = []
    for e in episodes[:3]:
        why = rec.absence_during(e.start_s, e.end_s)
        parts.append(f"{format_clock(e.start_s)}–{format_clock(e.end_s)}" + (f": {ABSENCE_TEXT[why]}" if why else ""))
    more = f" and {len(episodes) - 3} more" if len(episodes) > 3 else ""
    return (f"The partner was not in view {len(episodes)} time{'s' if len(episodes) > 1 else ''} ("
            + "; ".join(parts) + f"{more}). Nothing was described then.")


def summary(events: list[CueEvent]) -> pd.DataFrame:
    """Per cue: episodes, total and longest duration (seconds), in catalogue order."""
    rows = []
    for cue in CUE_IDS:
        durations = [e.end_s - e.start_s for e in events if e.cue == cue]
        if durations:
            rows.append({"cue": BY_ID[cue].label, "episodes": len(durations), "total (s)": round(sum(durations), 1),
                         "longest (s)": round(max(durations), 1)})
    return pd.DataFrame(rows, columns=["cue", "episodes", "total (s)", "longest (s)"])


def score_table(scores: list[CueScore]) -> pd.DataFrame:
    """The noticing score as a narrow table (fits a phone): cue, noticed ("3 of 5"), false alarms,
    not scored (only when some marks were), median delay; indexed by the short cue name."""
    rows = [{"cue": r.short, "noticed": f"{r.hits} of {r.episodes}", "false alarms": r.false_alarms,
             "not scored": r.not_scored,
             "delay (s)": "–" if np.isnan(r.median_delay_s) else f"{r.median_delay_s:+.1f}"} for r in scores]
    df = pd.DataFrame(rows).set_index("cue")
    return df if df["not scored"].any() else df.drop(columns="not scored")


def outcome(rec: Recording, s: Suggestion) -> str:
    """What became of a suggestion, in words: answered, unanswered, or never shown (Quiz mode)."""
    if rec.info.mode == "quiz":
        return RESPONSE_TEXT["hidden"]
    return RESPONSE_TEXT[s.response]


def shown_cues(profile: Profile) -> list[str]:
    """The cues a review draws: those that can be suggested and are enabled."""
    return [c for c in CUE_IDS if BY_ID[c].suggests and profile.cues[c].enabled]


def timeline(rec: Recording, profile: Profile | None = None) -> pd.DataFrame:
    """Long-form rows for the timeline chart, one ``kind`` per layer (``TIMELINE_KINDS``).

    Columns: kind, cue (short label), unit, start, end (seconds; equal for points), value,
    threshold, text, run (signal rows: lines are drawn within a run, so a gap stays a gap).
    ``profile`` re-scores: its thresholds and the episodes a replay under it gives.
    """
    used = profile or rec.profile
    shown = shown_cues(used)
    rows: list[dict] = []
    run_id = 0
    for t, S in rec.signals():
        for cue in shown:
            spec, values = BY_ID[cue], S[:, CUE_INDEX[cue]]
            thr = used.cues[cue].threshold
            for i, j in zip(*runs(np.isfinite(values))):
                step = max(1, len(t) // MAX_POINTS)
                idx = np.unique(np.r_[np.arange(i, j, step), j - 1])  # thinned, keeping the run's last point
                rows += [{"kind": "signal", "cue": spec.short, "unit": spec.unit, "start": t[k], "end": t[k],
                          "value": values[k], "threshold": thr, "run": run_id} for k in idx]
                run_id += 1
    for cue in shown:
        spec = BY_ID[cue]
        rows += [{"kind": "cant_see", "cue": spec.short, "unit": spec.unit, "start": s0, "end": s1,
                  "text": f"can't see {spec.needs}"} for s0, s1 in rec.unseen[cue]]
    for e in rec.events_under(profile):
        if e.cue in shown:
            spec = BY_ID[e.cue]
            rows.append({"kind": "episode", "cue": spec.short, "unit": spec.unit, "start": e.start_s, "end": e.end_s,
                         "value": e.peak, "text": f"{spec.short}: {format_clock(e.start_s)}–{format_clock(e.end_s)}"})
    labels = [BY_ID[c].short for c in shown]
    for m in rec.marks:
        targets = [BY_ID[m.cue].short] if m.cue in shown else labels
        text = BY_ID[m.cue].short if m.cue in BY_ID else f"note: {m.note}"
        rows += [{"kind": "mark", "cue": c, "start": m.t, "end": m.t, "text": text} for c in targets]
    for s in rec.suggestions:
        if s.cue in shown:
            rows.append({"kind": "suggestion", "cue": BY_ID[s.cue].short, "start": s.t, "end": s.t,
                         "text": f"{s.text} ({outcome(rec, s)})"})
    for seg in rec.segments:
        end = seg.end_s if seg.end_s is not None else rec.duration_s
        rows += [{"kind": seg.kind, "cue": c, "start": seg.start_s, "end": end, "text": seg.kind} for c in labels]
    for s0, s1 in rec.others_in_view:
        rows += [{"kind": "others", "cue": c, "start": s0, "end": s1,
                  "text": "another person in view (only the partner is described)"} for c in labels]
    return pd.DataFrame(rows, columns=["kind", "cue", "unit", "start", "end", "value", "threshold", "text", "run"])


def tiers(rec: Recording) -> pd.DataFrame:
    """The session as annotation tiers (tier, begin, end, annotation), times in seconds, for tools
    such as ELAN that import tab-separated tiers."""
    rows = [(f"cue: {BY_ID[e.cue].short}", e.start_s, e.end_s, BY_ID[e.cue].label) for e in rec.events]
    for m in rec.marks:
        label = BY_ID[m.cue].label if m.cue in BY_ID else ""
        rows.append(("practitioner marks", m.t, m.t, "; ".join(x for x in (label, m.note or "") if x)))
    for s in rec.suggestions:
        rows.append(("check-in suggestions", s.t, s.t, f"{s.text} [{outcome(rec, s)}]"))
    for seg in rec.segments:
        rows.append((seg.kind, seg.start_s, seg.end_s if seg.end_s is not None else seg.start_s, seg.kind))
    df = pd.DataFrame(rows, columns=["tier", "begin", "end", "annotation"])
    df[["begin", "end"]] = df[["begin", "end"]].astype(float).round(3)
    return df.sort_values(["tier", "begin"], kind="stable").reset_index(drop=True)


def tier_text(rec: Recording) -> str:
    """The tier file's text (tab-separated, with a header row)."""
    return tiers(rec).to_csv(sep="\t", index=False)


def write_tiers(rec: Recording, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(tier_text(rec), encoding="utf-8")
    return path


def bundle(store: SessionStore, session_id: int, fmt: str) -> bytes:
    """A zip of every table of the session as CSV or Parquet (for a download button)."""
    with tempfile.TemporaryDirectory() as d:
        paths = export_session(store, session_id, d, fmt)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for p in paths:
                z.write(p, arcname=f"session-{session_id}/{p.name}")
        return buf.getvalue()


#: Moment kinds, in the order the list shows them (missed first: they teach the most).
MomentKind = Literal["missed", "noticed", "false alarm", "not scored", "suggestion", "change"]
MOMENT_KINDS: tuple[MomentKind, ...] = get_args(MomentKind)

#: How long before a moment the replay starts, seconds.
LEAD_S = 3.0


@dataclass(frozen=True)
class Moment:
    """A moment to look at again.

    Attributes:
        t: when it began (an episode's start, a mark's or a suggestion's time), session seconds.
        end_s: when it ended (``t`` for points).
        kind: one of ``MOMENT_KINDS``.
        cue: the cue id.
        text: one line saying what happened.
    """

    t: float
    end_s: float
    kind: MomentKind
    cue: str
    text: str

    @property
    def play_from_s(self) -> float:
        """Where a replay of this moment starts: ``LEAD_S`` before it (not before 0)."""
        return max(0.0, self.t - LEAD_S)

    def as_dict(self) -> dict:
        """For scripts: the cue's id (``cue``) and its short label (``cue_label``)."""
        return {**asdict(self), "cue": str(self.cue) if self.cue else None,
                "cue_label": BY_ID[self.cue].short if self.cue in BY_ID else None, "play_from_s": self.play_from_s}


def moments(rec: Recording, profile: Profile | None = None, tolerance_s: float = SCORE_TOLERANCE_S) -> list[Moment]:
    """The session's moments under the scoring rules (``profile`` re-scores): missed episodes first,
    then noticed episodes, false-alarm and not-scored marks and suggestions, each group in time order
    (in a session nobody practised on, each episode is a "change", neither noticed nor missed).
    A second mark on an episode already noticed is not a moment of its own."""
    out = []
    for e in rec.events_under(profile):  # after an attempt stopped: not the practitioner's to notice
        if e.start_s > rec.watched_until:
            out.append(Moment(e.start_s, e.end_s, "change", e.cue,
                              f"{BY_ID[e.cue].short} {format_clock(e.start_s)}–{format_clock(e.end_s)} (after you stopped)"))
    for j in judge(rec.scored_events(profile), rec.marks, pauses=rec.unscored, unseen=rec.unseen,
                   tolerance_s=tolerance_s):
        short = BY_ID[j.cue].short
        span = f"{format_clock(j.start_s)}–{format_clock(j.end_s)}"
        if j.kind == "episode" and not rec.practised:  # nobody watched: a change, not a miss
            out.append(Moment(j.start_s, j.end_s, "change", j.cue, f"{short} {span}"))
        elif j.kind == "episode" and j.outcome == "missed":
            out.append(Moment(j.start_s, j.end_s, "missed", j.cue, f"{short} {span}: not marked"))
        elif j.kind == "episode":
            delay = j.mark_s - j.start_s
            when = f"{delay:.1f} s after it began" if delay >= 0 else f"{-delay:.1f} s before the app's threshold"
            out.append(Moment(j.start_s, j.end_s, "noticed", j.cue, f"{short} {span}: marked {when}"))
        elif j.outcome == "false alarm":
            out.append(Moment(j.start_s, j.end_s, "false alarm", j.cue,
                              f"Your mark “{short}” at {format_clock(j.start_s)}: no change found near it"))
        elif j.outcome == "not scored":
            out.append(Moment(j.start_s, j.end_s, "not scored", j.cue,
                              f"Your mark “{short}” at {format_clock(j.start_s)}: not scored, the app couldn't see "
                              f"{BY_ID[j.cue].needs} then"))
    for sug in rec.suggestions:
        out.append(Moment(sug.t, sug.t, "suggestion", sug.cue,
                          f"Suggestion at {format_clock(sug.t)}: “{sug.text}” ({outcome(rec, sug)})"))
    return sorted(out, key=lambda m: (m.kind != "missed", m.t))


def own_video_size(store: SessionStore, info: SessionInfo) -> str:
    """The session's own video (a live recording or a kept upload) as people read it: its size
    ("1.2 MB"), "missing" when the file is gone, "" when it has none."""
    try:
        own = store.own_video(info)
    except InputError:
        return "not used (outside the data folder)"
    if own is None:
        return ""
    return f"{own.stat().st_size / 1e6:.1f} MB" if own.is_file() else "missing"


def review_video(store: SessionStore, info: SessionInfo) -> tuple[Path | None, str]:
    """The video to play beside a session's timeline, or None and one sentence saying why there is
    none ("" when there is nothing to say: a live session that was not recorded). An attempt plays
    the video it practised on."""
    if info.attempt:
        try:
            info = store.session(info.practised_on)
        except InputError:
            return None, f"The session this attempt practised on ({info.practised_on}) has been deleted."
    try:
        own = store.own_video(info)
    except InputError as e:
        return None, str(e)
    if own is not None:
        path, where = own, "This session's video copy"
    elif info.source == "video" and info.source_path:
        path, where = Path(info.source_path), f"The video {info.source_path}"
        if not path.is_absolute():  # an upload's name: the upload was deleted after the analysis
            return None, ("The uploaded video was not kept (tick “Keep a copy of the uploaded video for the Review” when you process one); "
                          "the Review works without it.")
    else:
        return None, ""
    if not path.is_file():
        return None, f"{where} has moved or been deleted; the Review works without it."
    codec = video_codec(path)
    if codec is None:
        return None, f"{where} cannot be opened; the Review works without it."
    if codec not in BROWSER_CODECS:
        return None, f"{where} is in a format ({codec}) that browsers can't play; the Review works without it."
    return path, ""
