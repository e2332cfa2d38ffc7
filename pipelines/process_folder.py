"""Process every video in a folder into sessions, in parallel across CPU cores.

    .venv/bin/python pipelines/process_folder.py VIDEOS/ [--workers 2] [--fps 10] [--calibration-s 20]

Videos already in the store as complete sessions (same absolute path) are skipped.
"""
import sys

from tqdm import tqdm

from cue_trainer.batch import find_videos, process_many
from cue_trainer.cli import ArgumentParser, calibration_seconds, guarded, positive_float, positive_int
from cue_trainer.profiles import load_profile
from cue_trainer.store import default_home


def run(args) -> int:
    videos = find_videos(args.folder)
    profile = load_profile(args.profile)
    home = args.home or default_home()
    with tqdm(total=len(videos), unit="video", desc="Processing") as bar:
        results = process_many(videos, home=home, profile=profile, fps=args.fps, calibration_s=args.calibration_s,
                               workers=args.workers, on_done=lambda item: bar.update(1))
    for r in results:
        detail = f"session {r.session_id}" if r.session_id else (r.error or "already in the store")
        print(f"{r.status:<9}  {r.video}  {detail}")
    return 2 if any(r.status == "failed" for r in results) else 0


def main(argv=None) -> int:
    p = ArgumentParser(prog="process_folder", description=__doc__.splitlines()[0])
    p.add_argument("folder")
    # The same validators as cue-trainer process: a bad value is one sentence before anything runs.
    p.add_argument("--workers", type=positive_int, default=None, help="parallel processes (default: CPU cores)")
    p.add_argument("--fps", type=positive_float, default=10.0, help="analysis rate, frames per second")
    p.add_argument("--calibration-s", type=calibration_seconds, default=None,
                   help="baseline window, 3 to 600 s (default: the profile's)")
    p.add_argument("--profile", default=None)
    p.add_argument("--home", default=None, help="data directory (default: $CUE_TRAINER_HOME or the user's)")
    return guarded(run, p.parse_args(argv), prog="process_folder")


if __name__ == "__main__":
    sys.exit(main())
