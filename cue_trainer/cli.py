"""The ``cue-trainer`` command line: process videos into sessions, list, show, export, delete.

Owns: its commands and their terminal output (``commands`` has what the pipelines share with it).
Imports: catalogue, clock, commands, export, features, frames, profiles, progress, recording, review,
scoring, store and videos (most of them lazily, per command); never streamlit.
Errors a person can cause print one sentence on stderr and exit with 2; no traceback.
"""
from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import textwrap
from pathlib import Path

from cue_trainer import InputError, __version__
from cue_trainer.catalogue import BY_ID
from cue_trainer.clock import format_clock, local_time
from cue_trainer.commands import (EXIT_INTERRUPTED, EXIT_OK, ArgumentParser, calibration_seconds, guarded,
                                  port_number, positive_float, session_number)

def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog="cue-trainer",
        description="Notice nonverbal cues relative to a person's own baseline, and ask instead of assuming. "
        "Sessions are stored locally (set CUE_TRAINER_HOME to choose where).",
    )
    p.add_argument("--version", action="version", version=f"cue-trainer {__version__}")
    p.add_argument("--home", help="data directory (default: $CUE_TRAINER_HOME or the user's data dir)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)

    pr = sub.add_parser("process", help="analyse a recorded video into a session")
    pr.add_argument("video", help="video file (anything OpenCV reads: mp4, avi, mkv, webm, …)")
    pr.add_argument("--profile", help="profile TOML with thresholds (default: the shipped defaults)")
    pr.add_argument("--fps", type=positive_float, default=10.0, help="analysis rate, frames per second (default 10)")
    pr.add_argument(
        "--calibration-s", type=calibration_seconds, default=None,
        help="baseline window, seconds from when the person is first in view, 3 to 600 (default: the profile's, 20)",
    )
    pr.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    ss = sub.add_parser("sessions", help="list, show, export or delete stored sessions")
    ssub = ss.add_subparsers(dest="action", required=True, parser_class=ArgumentParser)
    ls = ssub.add_parser("list", help="every session, newest first")
    ls.add_argument("--json", action="store_true", help="print a JSON list of objects")
    sh = ssub.add_parser("show", help="one session: baseline, cue episodes, suggestions")
    sh.add_argument("id", type=session_number)
    ex = ssub.add_parser("export", help="write one file per table (features, events, marks, suggestions, …)")
    ex.add_argument("id", type=session_number)
    ex.add_argument("--format", choices=("csv", "parquet", "tsv"), default="csv",
                    help="csv or parquet: one file per table; tsv: one tier file (tier, begin, end, annotation)")
    ex.add_argument("--out", required=True, help="folder to write into (created if missing)")
    ex.add_argument("--with-video", action="store_true",
                    help="also copy the session's own video (a live recording or a kept upload), if it has one")
    sc = ssub.add_parser("score", help="the noticing score: the practitioner's marks against the episodes")
    sc.add_argument("id", type=session_number)
    sc.add_argument("--profile", help="re-score under another profile (replays the recorded features)")
    sc.add_argument("--tolerance-s", type=positive_float, default=None, help="hit window around an episode, seconds (default 5)")
    mo = ssub.add_parser("moments", help="the moments to look at again: missed changes first, then noticed ones, "
                         "marks that matched nothing, suggestions")
    mo.add_argument("id", type=session_number)
    mo.add_argument("--json", action="store_true", help="one JSON list instead of text")
    de = ssub.add_parser("delete", help="remove a session and everything recorded for it")
    de.add_argument("id", type=session_number)
    tr = ssub.add_parser("trend", help="the noticing score across practised sessions, oldest first, and per cue")
    tr.add_argument("--practitioner", help="only this practitioner's sessions")
    tr.add_argument("--json", action="store_true", help="print JSON: the sessions and the per-cue totals")

    ap = sub.add_parser("app", help="start the app in the browser of this computer (http://localhost:PORT)")
    ap.add_argument("--port", type=port_number, default=8501, help="the port to serve on (default 8501)")
    ap.add_argument("--home", default=argparse.SUPPRESS,
                    help="data directory (default: $CUE_TRAINER_HOME or the user's data dir)")
    ap.add_argument("--open", action="store_true", help="open the app in the default browser once it runs")

    pf = sub.add_parser("profile", help="print the default profile, with what each cue measures")
    pfs = pf.add_subparsers(dest="action", required=True, parser_class=ArgumentParser)
    pfs.add_parser("default", help="the default profile as TOML: save it under <data dir>/profiles/NAME.toml and edit")
    return p


def _store(args):
    from cue_trainer.store import SessionStore

    store = SessionStore(args.home)
    damage = store.damage()
    if damage is not None:
        print(damage, file=sys.stderr)
    return store


def _episode_table(events, suggestions) -> str:
    """Cue label, start–end and the suggestion offered for that episode (if any)."""
    by_time = {(s.cue, s.t): s for s in suggestions}
    rows = []
    for e in sorted(events, key=lambda e: (e.start_s, e.cue)):
        s = by_time.get((e.cue, e.confirmed_s))
        if s is not None:
            text = f'"{s.text}"'
        elif BY_ID[e.cue].suggests:
            text = "(no suggestion: too soon after the last one)"
        else:
            text = "(a state, never a suggestion)"
        rows.append((BY_ID[e.cue].label, f"{format_clock(e.start_s)}–{format_clock(e.end_s)}", text))
    if not rows:
        return "No cue episodes were detected."
    w0 = max(len("Cue"), *(len(r[0]) for r in rows))
    w1 = max(len("When"), *(len(r[1]) for r in rows))
    lines = [f"{'Cue':<{w0}}  {'When':<{w1}}  Check-in suggestion"]
    indent = " " * (w0 + w1 + 4)
    for label, when, text in rows:
        wrapped = textwrap.wrap(text, width=max(40, 110 - len(indent))) or [""]
        lines.append(f"{label:<{w0}}  {when:<{w1}}  {wrapped[0]}")
        lines.extend(indent + more for more in wrapped[1:])
    return "\n".join(lines)


def cmd_process(args) -> int:
    from tqdm import tqdm

    from cue_trainer.frames import VideoFileSource
    from cue_trainer.profiles import load_profile
    from cue_trainer.recording import Recording
    from cue_trainer.videos import process_video

    profile = load_profile(args.profile)
    VideoFileSource(args.video)  # fail on a bad file before loading models or touching the store
    store = _store(args)
    bar = tqdm(total=None, unit="frame", desc="Analysing", disable=True if args.no_progress else None, leave=False)

    def progress(done: int, expected: int | None) -> None:
        if expected is not None and bar.total != expected:
            bar.total = expected
        bar.update(done - bar.n)

    try:
        result = process_video(
            args.video, store=store, profile=profile, fps=args.fps, calibration_s=args.calibration_s, progress=progress
        )
    except KeyboardInterrupt as e:
        bar.close()
        session_id = getattr(e, "session_id", None)  # the session this run created, never "the newest"
        print(f"Stopped; session {session_id} is kept as incomplete." if session_id is not None else
              "Stopped before anything was stored.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        bar.close()
    speed = result.duration_s / result.elapsed_s if result.elapsed_s > 0 else float("inf")
    print(
        f"Session {result.session_id}: {args.video}, {format_clock(result.duration_s)} analysed at {args.fps:g} fps "
        f"in {format_clock(result.elapsed_s)} ({speed:.1f}× real time), {result.frames} frames."
    )
    if result.note:
        print(result.note + (" (--calibration-s)" if "shorter baseline" in result.note else ""))
    framing = Recording.load(store, result.session_id).framing()
    for line in framing.notes() if framing is not None else []:
        print(textwrap.fill(line, width=100))
    print()
    print(_episode_table(result.events, result.suggestions))
    print()
    print("These are coarse, observable changes relative to the start of the video, not feelings or diagnoses.")
    print(f"Review it with: cue-trainer sessions show {result.session_id}")
    return EXIT_OK


def cmd_list(args) -> int:
    sessions = _store(args).sessions()
    if args.json:
        print(json.dumps([s.as_dict() for s in sessions], indent=2))
        return EXIT_OK
    if not sessions:
        print("No sessions yet. Create one with: cue-trainer process VIDEO")
        return EXIT_OK
    header = f"{'id':>4}  {'started':<16}  {'status':<10}  {'length':>8}  {'events':>6}  source"
    print(header)
    for s in sessions:
        source = s.source_path if s.source == "video" else "live" + (f" ({s.partner})" if s.partner else "")
        print(f"{s.id:>4}  {local_time(s.started_at):<16}  {s.status:<10}  {format_clock(s.duration_s):>8}  "
              f"{s.events:>6}  {source}")
    return EXIT_OK


def cmd_show(args) -> int:
    from cue_trainer.features import FEATURE_DOCS, FEATURES
    from cue_trainer.recording import Recording
    from cue_trainer.review import own_video_size, summary

    store = _store(args)
    rec = Recording.load(store, args.id)
    info = rec.info
    about = " · ".join(x for x in (info.kind, info.people, info.source_path) if x)
    print(f"Session {info.id} ({info.status}), started {local_time(info.started_at)}: {about}")
    print(f"Length {format_clock(info.duration_s)}, {info.frames} analysed frames.")
    if info.attempt:
        print(f"Practice on the video of session {info.practised_on}"
              + (" (the video's time was moved while practising)" if info.seeked else "")
              + f"; scored against its episodes{' and its hand labels' if rec.labels else ''}.")
    if info.note:
        print(info.note)
    try:
        own = store.own_video(info)
    except InputError as e:
        print(e)
    else:
        if own is not None:
            print(f"Video copy: {own} ({own_video_size(store, info)}); deleted with the session.")
    if rec.stretches:
        b = rec.stretches[-1].baseline
        print("\nBaseline (median of the calibration window):")
        for name in FEATURES:
            if name in ("present", "speed") or not b.n_valid_[FEATURES.index(name)]:
                continue
            print(f"  {name:<18} {b[name]:>9.3f}   {FEATURE_DOCS[name]}")
    table = summary(rec.events)
    if len(table):
        print("\nPer cue")
        print(format_table(table.to_dict("records")))
    print()
    print(_episode_table(rec.events, rec.suggestions))
    if rec.marks:
        print(f"\nPractitioner marks: {len(rec.marks)}")
        for m in rec.marks:
            label = BY_ID[m.cue].label if m.cue in BY_ID else "note"
            print(f"  {format_clock(m.t)}  {label}" + (f": {m.note}" if m.note else ""))
    return EXIT_OK


def cmd_score(args) -> int:
    from cue_trainer.profiles import load_profile
    from cue_trainer.recording import NOT_PRACTISED, Recording
    from cue_trainer.scoring import RULES, SCORE_TOLERANCE_S, headline

    rec = Recording.load(_store(args), args.id)
    if not rec.practised:
        print(NOT_PRACTISED)
        return EXIT_OK
    profile = load_profile(args.profile) if args.profile else None
    tolerance = args.tolerance_s or SCORE_TOLERANCE_S
    scores = rec.score(profile, tolerance)
    labelled = rec.score_against_labels(tolerance) if rec.info.attempt else None
    if labelled is not None:
        print("Against the app")
    print(format_table([r.as_row() for r in scores]))
    print()
    print(textwrap.fill(headline(scores[-1]), width=100))
    if labelled is not None:
        print("\nAgainst careful labels")
        print(format_table([r.as_row() for r in labelled]))
        print()
        print(textwrap.fill(headline(labelled[-1]), width=100))
    print(textwrap.fill(RULES.format(tol=tolerance), width=100))
    return EXIT_OK


def cmd_moments(args) -> int:
    from cue_trainer.recording import Recording
    from cue_trainer.review import moments

    found = moments(Recording.load(_store(args), args.id))
    if args.json:
        print(json.dumps([m.as_dict() for m in found], indent=2))
        return EXIT_OK
    if not found:
        print("No moments: the app counted no changes, and there are no marks or suggestions.")
    for m in found:
        print(f"{format_clock(m.t):>8}  {m.kind:<11}  {m.text}")
    return EXIT_OK


def format_table(rows: list[dict]) -> str:
    """Rows of equal keys as aligned text columns (numbers right-aligned, None as "–")."""
    if not rows:
        return ""
    cells = [[("–" if v is None else str(v)) for v in r.values()] for r in rows]
    heads = list(rows[0])
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    numeric = [all(isinstance(r[h], (int, float)) or r[h] is None for r in rows) for h in heads]
    fmt = lambda vals: "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(vals, widths, numeric))  # noqa: E731
    return "\n".join([fmt(heads)] + [fmt(c) for c in cells]).rstrip()


def _refuse_overwrite(paths: list[Path]) -> None:
    """An export never replaces a file that is already there (another session's, most likely)."""
    there = [p for p in paths if p.exists()]
    if there:
        raise InputError(f"{there[0]} is already there (an earlier export?); nothing was written. Export into an "
                         "empty folder, for example --out export-session-N, or remove the old files first.")


def cmd_export(args) -> int:
    out = Path(args.out)
    if args.format == "tsv":
        from cue_trainer.recording import Recording
        from cue_trainer.review import write_tiers

        rec = Recording.load(_store(args), args.id)
        _refuse_overwrite([out / "tiers.tsv"])
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"The folder {args.out} cannot be created ({e.strerror}).") from None
        path = write_tiers(rec, out / "tiers.tsv")
        print(f"Wrote {path}")
        return EXIT_OK
    from cue_trainer.export import export_session
    from cue_trainer.store import TABLES

    store = _store(args)
    video = None
    if args.with_video:  # checked before anything is written
        video = store.own_video(store.session(args.id))
        if video is None or not video.is_file():
            raise InputError(f"Session {args.id} has no video of its own to export "
                             f"({'its copy is missing' if video is not None else 'none was recorded or kept'}); "
                             "nothing was written.")
    _refuse_overwrite([out / f"{t}.{args.format}" for t in TABLES] + ([out / video.name] if video else []))
    paths = export_session(store, args.id, args.out, args.format)
    if video is not None:
        paths.append(Path(shutil.copyfile(video, out / video.name)))
    print(f"Wrote {len(paths)} files to {args.out}: " + ", ".join(p.name for p in paths))
    return EXIT_OK


def cmd_trend(args) -> int:
    from cue_trainer.progress import by_group, first_and_latest, per_cue, trend

    scores = trend(_store(args), args.practitioner)
    groups = by_group(scores)
    if args.json:
        print(json.dumps({"sessions": [{**s.as_dict(), "group": s.group} for s in scores],
                          "per_cue": {g: per_cue(mine).round(3).to_dict("records") for g, mine in groups.items()},
                          "first_and_latest": [{"practised_on": a.practised_on, "first": a.session_id,
                                                "latest": b.session_id} for a, b in first_and_latest(scores)]},
                         indent=2))
        return EXIT_OK
    if not scores:
        who = f" by {args.practitioner}" if args.practitioner else ""
        print(f"No practised sessions{who} yet. Practise in the app (cue-trainer app), then come back.")
        return EXIT_OK
    # Live Coach shows the answers as they happen, live Quiz does not, a video can be tried again:
    # each has its own table.
    for group, mine in groups.items():
        print(f"{group.capitalize()}: {len(mine)} session{'s' if len(mine) != 1 else ''}")
        print(format_table([
            {"id": s.session_id, "started": local_time(s.started_at), "practitioner": s.practitioner or "–",
             **({"video of": f"#{s.practised_on}", "mode": s.kind.rsplit(' · ', 1)[-1]} if s.practised_on else {}),
             "length": format_clock(s.duration_s), "noticed": f"{s.noticed} of {s.changes}",
             **({"against labels": "–" if s.against_labels is None else f"{s.against_labels[1]} of {s.against_labels[0]}"}
                if s.practised_on else {}),
             "false alarms / 10 min": round(s.false_alarms_per_10_min, 1)}
            for s in mine
        ]))
        cues = per_cue(mine)
        if len(cues):
            print(f"\nPer cue, {group}")
            print(format_table([{**r, "noticed share": f"{100 * r['noticed share']:.0f} %"}
                                for r in cues.to_dict("records")]))
        print()
    pairs = first_and_latest(scores)
    if pairs:
        print("Videos practised more than once: the first and the latest attempt")
        print(format_table([
            {"video of": f"#{a.practised_on}", "first": f"#{a.session_id} {local_time(a.started_at)}",
             "noticed first": f"{a.noticed} of {a.changes}", "latest": f"#{b.session_id} {local_time(b.started_at)}",
             "noticed latest": f"{b.noticed} of {b.changes}"}
            for a, b in pairs
        ]))
    return EXIT_OK


def cmd_profile_default(args) -> int:
    from cue_trainer.profiles import commented_default

    print(commented_default(), end="")
    return EXIT_OK


def cmd_delete(args) -> int:
    store = _store(args)
    info = store.session(args.id)
    refused = store.delete_session(args.id)
    print(f"Deleted session {info.id} ({info.frames} frames, {info.events} events) and everything recorded with it.")
    if refused:
        print(refused)
    return EXIT_OK


def main(argv: list[str] | None = None, *, app=None) -> int:
    """Run one command; ``app`` is how ``cue-trainer app`` starts the app (``app.launch.run``, given
    by ``__main__``: the app sits above the command line)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "app":
        if app is None:
            parser.error("the app starts from the cue-trainer command (python -m cue_trainer app)")
        return guarded(lambda a: app(a.port, home=a.home, open_browser=a.open), args)
    handler = cmd_process if args.command == "process" else {
        "list": cmd_list, "show": cmd_show, "export": cmd_export, "delete": cmd_delete, "score": cmd_score, "moments": cmd_moments,
        "trend": cmd_trend, "default": cmd_profile_default,
    }[args.action]
    try:
        return guarded(handler, args)
    except KeyboardInterrupt:  # before anything was stored (process handles its own)
        print("Stopped.", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
