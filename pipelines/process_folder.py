"""Process many videos into sessions: on this machine's cores, or on a Ray cluster.

    .venv/bin/python pipelines/process_folder.py VIDEOS [--workers 2] [--fps 10] [--calibration-s 20]
    .venv/bin/python pipelines/process_folder.py VIDEOS --engine ray [--address auto|HOST:6379|ray://HOST:10001]

VIDEOS is a folder, a glob ('videos/**/*.mp4', quoted) or a list file (one path per line).
Videos already in the store as complete sessions (same absolute path) are skipped, so a run that
was stopped can be started again. With ``--engine ray`` the videos must be readable at the same
path on every machine of the cluster; the store is written by this process alone.
"""
import sys
import time

from cue_trainer.commands import (ArgumentParser, calibration_seconds, guarded, positive_float, positive_int,
                                  stopped_while_loading)

with stopped_while_loading("process_folder"):
    from tqdm import tqdm

    from cue_trainer.batch import BatchItem, find_videos, process_many
    from cue_trainer.profiles import load_profile
    from cue_trainer.store import default_home
    from cue_trainer.videos import CHUNK_S


class Progress:
    """One progress bar: videos done, hours of video analysed, and how many times real time."""

    def __init__(self, videos: int) -> None:
        self.bar = tqdm(total=videos, unit="video", desc="Processing", dynamic_ncols=True)
        self.seconds = 0.0
        self.started = time.perf_counter()
        self.chunked = False

    def add_seconds(self, seconds: float) -> None:
        self.chunked = True
        self.seconds += seconds
        self._show()

    def video_done(self, item: BatchItem) -> None:
        if not self.chunked:
            self.seconds += item.duration_s
        self.bar.n += 1
        self._show()

    def _show(self) -> None:
        elapsed = time.perf_counter() - self.started
        rate = f"{self.seconds / elapsed:.1f}x real time" if elapsed > 0 and self.seconds else "starting"
        amount = f"{self.seconds / 3600:.2f} h" if self.seconds >= 3600 else f"{self.seconds / 60:.1f} min"
        self.bar.set_postfix_str(f"{amount} of video, {rate}", refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def run(args) -> int:
    videos = find_videos(args.videos)
    profile = load_profile(args.profile)
    home = args.home or default_home()
    progress = Progress(len(videos))
    try:
        if args.engine == "ray":
            from cue_trainer.cluster import process_many_on_ray

            results = process_many_on_ray(videos, home=home, profile=profile, fps=args.fps,
                                          calibration_s=args.calibration_s, chunk_s=args.chunk_s, address=args.address,
                                          workers=args.workers, on_done=progress.video_done,
                                          on_seconds=progress.add_seconds)
        else:
            results = process_many(videos, home=home, profile=profile, fps=args.fps, calibration_s=args.calibration_s,
                                   chunk_s=args.chunk_s, workers=args.workers, on_done=progress.video_done)
    finally:
        progress.close()
    for r in results:
        detail = f"session {r.session_id}" if r.status == "processed" else (r.error or "already in the store")
        print(f"{r.status:<9}  {r.video}  {detail}")
    return 2 if any(r.status == "failed" for r in results) else 0


def main(argv=None) -> int:
    p = ArgumentParser(prog="process_folder", description=__doc__.splitlines()[0])
    p.add_argument("videos", help="a folder, a glob pattern or a list file of video paths")
    p.add_engine_arguments(local="processes on this machine")
    # The same validators as cue-trainer process: a bad value is one sentence before anything runs.
    p.add_argument("--workers", type=positive_int, default=None,
                   help="parallel detectors (default: this machine's cores, or the cluster's CPUs)")
    p.add_argument("--fps", type=positive_float, default=10.0, help="analysis rate, frames per second")
    p.add_argument("--calibration-s", type=calibration_seconds, default=None,
                   help="baseline window, 3 to 600 s (default: the profile's)")
    p.add_argument("--chunk-s", type=positive_float, default=CHUNK_S,
                   help=f"seconds of video per chunk: the models restart at each, on either engine, and with "
                        f"--engine ray each is one task (default {CHUNK_S:g})")
    p.add_argument("--profile", default=None)
    p.add_argument("--home", default=None, help="data directory (default: $CUE_TRAINER_HOME or the user's)")
    args = p.parse_args(argv)
    if args.engine != "ray" and args.address is not None:
        p.error("--address goes with --engine ray")
    return guarded(run, args, prog="process_folder", stopped="Stopped; the videos finished are stored, and running "
                                                             "the same command again processes the rest.")


if __name__ == "__main__":
    sys.exit(main())
