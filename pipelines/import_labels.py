"""Import hand labels (true cue episodes) for a session, replacing any it had.

    .venv/bin/python pipelines/import_labels.py SESSION_ID labels.tsv   # tier file: tier, begin, end, annotation
    .venv/bin/python pipelines/import_labels.py SESSION_ID labels.csv   # CSV: cue, start_s, end_s
"""
import sys

from cue_trainer.commands import ArgumentParser, guarded, session_number
from cue_trainer.labels import read_labels
from cue_trainer.store import SessionStore


def run(args) -> int:
    store = SessionStore(args.home)
    info = store.session(args.session)
    labels = read_labels(args.file, session_end_s=info.duration_s)
    n = store.set_labels(args.session, labels)
    print(f"Session {args.session}: {n} labelled episodes from {args.file}.")
    return 0


def main(argv=None) -> int:
    p = ArgumentParser(prog="import_labels", description=__doc__.splitlines()[0])
    p.add_argument("session", type=session_number)
    p.add_argument("file")
    p.add_argument("--home", default=None, help="data directory (default: $CUE_TRAINER_HOME or the user's)")
    return guarded(run, p.parse_args(argv), prog="import_labels")


if __name__ == "__main__":
    sys.exit(main())
