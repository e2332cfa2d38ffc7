"""Tune cue thresholds on stored sessions and write a profile the app loads.

    .venv/bin/python pipelines/tune.py --sessions 3 4 --cues slumped_posture leaning_back \\
        --thresholds 0.05:1.0:100 --min-durations 1 2 3 --rule best_f1

For each cue: replay the recorded features under every threshold × minimum duration, score the
episodes against the sessions' hand labels (or, without labels, the practitioner's marks) with
event-level precision, recall and F1, pick the operating point by the rule, and write a profile
whose header says which sessions and rule produced it. Prints each cue's table of settings.
With ``--engine ray [--address ...]`` the sessions × minimum durations are spread over a Ray
cluster (pip install -e '.[cluster]'); the results are the same as on this machine.
"""
import argparse
import datetime as dt
import sys
from pathlib import Path

from cue_trainer.commands import ArgumentParser, guarded, positive_float, session_number, stopped_while_loading

with stopped_while_loading("tune"):
    import numpy as np

    from cue_trainer import InputError
    from cue_trainer.catalogue import BY_ID
    from cue_trainer.profiles import load_profile
    from cue_trainer.recording import Recording
    from cue_trainer.scoring import LABEL_TOLERANCE_S, SCORE_TOLERANCE_S
    from cue_trainer.store import SessionStore
    from cue_trainer.tuning import choose, sweep, truth_of, tuned_profile


#: At most this many thresholds per cue: each is a replay of every session.
MAX_THRESHOLDS = 1000


def thresholds_arg(text: str) -> list[float]:
    """'a:b:n' (n evenly spaced values) or 'x,y,z'; never empty, never more than ``MAX_THRESHOLDS``,
    every value a finite number."""
    try:
        if ":" in text:
            a, b, n = text.split(":")
            a, b, n = float(a), float(b), int(n)
            if not 1 <= n <= MAX_THRESHOLDS:
                raise argparse.ArgumentTypeError(f"{text!r} asks for {n} thresholds; give 1 to {MAX_THRESHOLDS}")
            values = list(np.linspace(a, b, n))
        else:
            values = [float(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither start:stop:count nor a comma-separated list") from None
    if len(values) > MAX_THRESHOLDS:
        raise argparse.ArgumentTypeError(f"{text!r} lists {len(values)} thresholds; give at most {MAX_THRESHOLDS}")
    if not values or not all(np.isfinite(values)):
        raise argparse.ArgumentTypeError(f"{text!r} gives no usable thresholds (each must be a finite number)")
    return values


def name_arg(text: str) -> str:
    """A plain profile name: it becomes a file name under <home>/profiles/."""
    if not text or text != Path(text).name or text.startswith(".") or "/" in text or "\\" in text:
        raise argparse.ArgumentTypeError(f"{text!r} must be a plain name (letters, digits, - or _), not a path")
    return text


def run(args) -> int:
    store = SessionStore(args.home)
    for sid in args.sessions:
        store.session(sid)
    unknown = [c for c in args.cues if c not in BY_ID]
    if unknown:
        raise InputError(f"{unknown[0]} is not a cue; known cues are {', '.join(BY_ID)}.")
    profile = load_profile(args.profile)
    recordings = [Recording.load(store, sid) for sid in args.sessions]
    starmap = None
    if args.engine == "ray":
        from functools import partial

        from cue_trainer.cluster import connect, ray_starmap

        connect(args.address)  # before the sweep: an unreachable cluster is one sentence, nothing written
        starmap = partial(ray_starmap, address=args.address)
    truths = [truth_of(r, args.truth) for r in recordings]
    lines = []
    for cue in args.cues:
        if not any(c == cue for _, true in truths for c, _, _ in true):
            raise InputError(f"The sessions hold no {args.truth if args.truth != 'auto' else 'labels or marks'} "
                             f"of {cue}, so there is nothing to tune it against; no profile was written.")
        lo, hi = BY_ID[cue].threshold_range
        grid = args.thresholds or list(np.linspace(lo, hi, 100))
        try:
            results = sweep(recordings, cue, grid, args.min_durations or [None], profile=profile, truth=args.truth,
                            tolerance_s=args.tolerance_s, starmap=starmap)
            point = choose(results, args.rule)
        except ValueError as e:
            raise InputError(f"For {cue}, {e}; no profile was written.") from None
        if point.f1 == 0:
            raise InputError(f"For {cue}, no setting detects any true episode (F1 is 0 everywhere); "
                             "no profile was written.")
        profile = tuned_profile(profile, cue, point, name=args.name)
        lines.append(f"{cue}: threshold {point.threshold:.4g}, min_duration_s {point.min_duration_s:g} "
                     f"(precision {point.precision:.2f}, recall {point.recall:.2f}, F1 {point.f1:.2f}; "
                     f"{int(point.tp)} hits, {int(point.fp)} false alarms, {int(point.fn)} missed)")
        print(f"== {cue} ({len(results)} settings)")
        print(results.sort_values("f1", ascending=False).head(args.show).to_string(index=False))
    kinds = sorted({kind for kind, _ in truths})
    tolerance = (f"{args.tolerance_s:g} s" if args.tolerance_s is not None else
                 f"{LABEL_TOLERANCE_S:g} s for labels, {SCORE_TOLERANCE_S:g} s for marks")
    header = "\n".join([
        f"Tuned by pipelines/tune.py on {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"sessions: {', '.join(map(str, args.sessions))} (truth: {', '.join(kinds)}; tolerance {tolerance})",
        f"rule: {args.rule}",
        *lines,
    ])
    out = Path(args.out) if args.out else store.home / "profiles" / f"{args.name}.toml"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        profile.save(out, header=header)
    except OSError as e:
        raise InputError(f"The profile cannot be written to {out} ({e.strerror}).") from None
    load_profile(out)  # what the app will do: refuse anything invalid now, not later
    print("\n" + header)
    print(f"\nWrote {out}")
    return 0


def main(argv=None) -> int:
    p = ArgumentParser(prog="tune", description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=session_number, nargs="+", required=True)
    p.add_argument("--cues", nargs="+", required=True)
    p.add_argument("--thresholds", type=thresholds_arg, default=None,
                   help="start:stop:count or a list (default: 100 values over the cue's allowed range)")
    p.add_argument("--min-durations", type=positive_float, nargs="+", default=None, help="seconds (default: the profile's)")
    p.add_argument("--truth", choices=("auto", "labels", "marks"), default="auto")
    p.add_argument("--rule", default="best_f1", help="best_f1, or recall>=X for the most precise with that recall")
    p.add_argument("--tolerance-s", type=positive_float, default=None,
                   help=f"match window, seconds (default: {LABEL_TOLERANCE_S:g} against labels, "
                        f"{SCORE_TOLERANCE_S:g} against marks, as the Review's score)")
    p.add_argument("--profile", default=None, help="profile to start from (default: the shipped one)")
    p.add_argument("--name", type=name_arg, default="tuned", help="profile name (and file name under <home>/profiles/)")
    p.add_argument("--out", default=None, help="where to write the profile")
    p.add_argument("--show", type=int, default=5, help="rows of each cue's table to print")
    p.add_engine_arguments(local="this process")
    p.add_argument("--home", default=None, help="data directory (default: $CUE_TRAINER_HOME or the user's)")
    args = p.parse_args(argv)
    if args.engine != "ray" and args.address is not None:
        p.error("--address goes with --engine ray")
    return guarded(run, args, prog="tune", stopped="Stopped; no profile was written.")


if __name__ == "__main__":
    sys.exit(main())
