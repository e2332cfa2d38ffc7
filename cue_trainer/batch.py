"""Batch processing: a folder of videos into sessions, in parallel across CPU cores.

Owns: ``find_videos`` and ``process_many``. Imports: profiles, store, videos. Each worker
process has its own detector and store connection (SQLite WAL serialises their short writes).
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cue_trainer import InputError
from cue_trainer.profiles import Profile, parse_profile
from cue_trainer.store import SessionStore
from cue_trainer.videos import VIDEO_SUFFIXES, process_video


@dataclass(frozen=True)
class BatchItem:
    """What happened to one video: processed into ``session_id``, skipped (already in the store),
    or failed with a one-sentence ``error``."""

    video: str
    status: str  # "processed", "skipped" or "failed"
    session_id: int | None = None
    error: str | None = None


def find_videos(folder: str | os.PathLike) -> list[Path]:
    """Video files directly in ``folder`` (by extension), sorted by name.

    Raises:
        InputError: the folder does not exist or holds no video.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"There is no folder at {folder}.")
    videos = sorted(p.resolve() for p in folder.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
    if not videos:
        raise InputError(f"There are no videos ({', '.join(VIDEO_SUFFIXES)}) in {folder}.")
    return videos


def _one(video: str, home: str, profile_toml: str, fps: float | None, calibration_s: float | None) -> BatchItem:
    store = SessionStore(home)
    try:
        profile = parse_profile(profile_toml, origin="the batch profile")
        r = process_video(video, store=store, profile=profile, fps=fps, calibration_s=calibration_s)
        return BatchItem(video, "processed", r.session_id)
    except InputError as e:
        return BatchItem(video, "failed", error=str(e))
    finally:
        store.close()


def process_many(
    videos: list[Path],
    *,
    home: str | os.PathLike,
    profile: Profile,
    fps: float | None = 10.0,
    calibration_s: float | None = None,
    workers: int | None = None,
    on_done: Callable[[BatchItem], None] | None = None,
) -> list[BatchItem]:
    """Process videos into sessions in ``home``'s store, skipping videos it already holds as
    complete sessions (matched by absolute path). ``workers`` processes in parallel (default: the
    number of CPU cores; 1 runs in this process). Results come back in the order of ``videos``."""
    store = SessionStore(home)
    done = {s.source_path for s in store.sessions() if s.source == "video" and s.status == "complete"}
    store.close()
    results: dict[str, BatchItem] = {}

    def record(item: BatchItem) -> None:
        results[item.video] = item
        if on_done:
            on_done(item)

    todo = []
    for v in map(str, videos):
        if v in done:
            record(BatchItem(v, "skipped"))
        else:
            todo.append(v)
    args = (str(home), profile.to_toml(), fps, calibration_s)
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        for v in todo:
            record(_one(v, *args))
    else:
        tries: dict[str, int] = {}
        while todo:
            todo = _pool_round(todo, args, workers, record, tries)
    return [results[str(v)] for v in videos]


def _pool_round(todo: list[str], args: tuple, workers: int, record, tries: dict[str, int]) -> list[str]:
    """Process ``todo`` on a pool of worker processes; returns the videos to try again in a new pool.

    A worker that dies (killed, out of memory) breaks the whole pool: every video still in it is
    tried once more in a fresh pool; one that was in a broken pool twice is reported as failed.
    """
    # "spawn": forking a process that already runs MediaPipe's threads crashes the children.
    spawn = multiprocessing.get_context("spawn")
    again = []
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=spawn) as pool:
        futures = {pool.submit(_one, v, *args): v for v in todo}
        for f in as_completed(futures):
            video = futures[f]
            try:
                record(f.result())
            except BrokenProcessPool:
                tries[video] = tries.get(video, 0) + 1
                if tries[video] < 2:
                    again.append(video)
                else:
                    record(BatchItem(video, "failed", error=f"The worker analysing {video} stopped unexpectedly, twice; "
                                                            "it may be too large for this computer's memory."))
    return again
