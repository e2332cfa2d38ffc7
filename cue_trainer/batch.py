"""Batch processing: many videos into sessions, in parallel across this machine's CPU cores (the
``local`` engine; ``cluster`` is the Ray engine).

Owns: ``find_videos`` (a folder, a list file or a glob), ``stored_videos``, ``BatchItem``,
``Ledger`` (each video's outcome, both engines) and ``process_many``. Imports: frames, profiles, store, videos. Each worker process has its own detector and
store connection (SQLite WAL serialises their short writes).
"""
from __future__ import annotations

import glob
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cue_trainer import InputError
from cue_trainer.frames import is_url
from cue_trainer.profiles import Profile, parse_profile
from cue_trainer.store import SessionStore
from cue_trainer.videos import CHUNK_S, VIDEO_SUFFIXES, process_video


@dataclass(frozen=True)
class BatchItem:
    """What happened to one video: processed into ``session_id``, skipped (already in the store),
    or failed with a one-sentence ``error``."""

    video: str
    status: str  # "processed", "skipped" or "failed"
    session_id: int | None = None
    error: str | None = None
    duration_s: float = 0.0  # seconds of video analysed


def stored_videos(home: str | os.PathLike) -> set[str]:
    """The videos ``home``'s store holds as complete sessions (by the name recorded: the absolute
    path): a batch skips them."""
    store = SessionStore(home)
    try:
        return {s.source_path for s in store.sessions() if s.source == "video" and s.status == "complete"}
    finally:
        store.close()


class Ledger:
    """What happened to each video of a batch, on either engine: the videos the store in ``home``
    holds as complete sessions are recorded as skipped at once, the rest are ``todo``; ``record``
    notes an outcome (and calls ``on_done``); ``items`` lists them in the order of ``videos``."""

    def __init__(self, videos: list[Path | str], home: str | os.PathLike,
                 on_done: Callable[[BatchItem], None] | None = None) -> None:
        self.order = [str(v) for v in videos]
        self.on_done = on_done
        self.results: dict[str, BatchItem] = {}
        done = stored_videos(home)
        self.todo = [v for v in self.order if v not in done]
        for v in self.order:
            if v in done:
                self.record(BatchItem(v, "skipped"))

    def record(self, item: BatchItem) -> None:
        self.results[item.video] = item
        if self.on_done:
            self.on_done(item)

    def items(self) -> list[BatchItem]:
        return [self.results[v] for v in self.order]


def find_videos(where: str | os.PathLike) -> list[Path | str]:
    """The videos to process, as absolute paths:

    - a folder: the video files directly in it (by extension), sorted by name;
    - a glob pattern (``*``, ``?``, ``[``; ``**`` for sub-folders): the video files it matches, sorted;
    - a list file (any other file): one path per line, relative to the list's folder, or an address
      (``https://…``, kept as it is); blank lines and lines starting with ``#`` are skipped. Listed
      videos are taken as they are: one that is missing is reported when it is processed, and the
      rest go on;
    - a single video file.

    Raises:
        InputError: nothing there, or no video in it.
    """
    text = os.fspath(where)
    path = Path(text)
    if path.is_dir():
        videos = sorted(p.resolve() for p in path.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
        if not videos:
            raise InputError(f"There are no videos ({', '.join(VIDEO_SUFFIXES)}) in {path}.")
        return videos
    if path.is_file():
        if path.suffix.lower() in VIDEO_SUFFIXES:
            return [path.resolve()]
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            raise InputError(f"{path} is neither a folder, a video nor a list of videos (one path per line).") from None
        entries = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
        videos = [e if is_url(e) else (path.parent / e).resolve() for e in entries]
        if not videos:
            raise InputError(f"The list {path} names no video.")
        return videos
    if any(c in text for c in "*?["):
        videos = sorted(Path(p).resolve() for p in glob.glob(text, recursive=True)
                        if Path(p).is_file() and Path(p).suffix.lower() in VIDEO_SUFFIXES)
        if not videos:
            raise InputError(f"No video matches {text}.")
        return videos
    if path.exists():  # a device such as /dev/null, a pipe, a socket
        raise InputError(f"{path} is neither a folder, a video nor a list of videos (one path per line).")
    raise InputError(f"There is no folder at {path}.")


#: In a pool's worker process: set by the parent on Ctrl-C (``_pool_round``); None in the parent.
_STOP = None


def _worker_start(stop) -> None:
    """Each pool process starts with Ctrl-C held back (the parent blocks it while it starts them);
    here the process ignores it for good — a press is the parent's, which sets ``stop`` — and
    drops one that came while it started, before it could be half-way through an import."""
    global _STOP
    _STOP = stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _one(video: str, home: str, profile_toml: str, fps: float | None, calibration_s: float | None,
         chunk_s: float | None) -> BatchItem:
    store = SessionStore(home)
    try:
        profile = parse_profile(profile_toml, origin="the batch profile")
        r = process_video(video, store=store, profile=profile, fps=fps, calibration_s=calibration_s, chunk_s=chunk_s,
                          stop=_STOP.is_set if _STOP is not None else None)
        return BatchItem(video, "processed", r.session_id, duration_s=r.duration_s)
    except InputError as e:
        return BatchItem(video, "failed", error=str(e))
    finally:
        store.close()


def process_many(
    videos: list[Path | str],
    *,
    home: str | os.PathLike,
    profile: Profile,
    fps: float | None = 10.0,
    calibration_s: float | None = None,
    chunk_s: float | None = CHUNK_S,
    workers: int | None = None,
    on_done: Callable[[BatchItem], None] | None = None,
) -> list[BatchItem]:
    """Process videos into sessions in ``home``'s store, skipping videos it already holds as
    complete sessions (matched by absolute path). ``workers`` processes in parallel (default: the
    number of CPU cores; 1 runs in this process), a video each. ``chunk_s``: where the models
    restart (see ``process_video``). Results come back in the order of ``videos``."""
    ledger = Ledger(videos, home, on_done)
    todo = ledger.todo
    args = (str(home), profile.to_toml(), fps, calibration_s, chunk_s)
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        for v in todo:
            ledger.record(_one(v, *args))
    else:
        tries: dict[str, int] = {}
        first = _last_session_id(home) + 1
        while todo:
            todo = _pool_round(todo, args, workers, ledger.record, tries)
            _drop_partial(home, first, todo)
    return ledger.items()


def _last_session_id(home: str | os.PathLike) -> int:
    store = SessionStore(home)
    try:
        return max((s.id for s in store.sessions()), default=0)
    finally:
        store.close()


def _drop_partial(home: str | os.PathLike, first_id: int, videos: list[str]) -> None:
    """Remove the sessions this batch began (ids from ``first_id``) of ``videos`` that a broken pool
    left incomplete: each is analysed again from its start, and one video is one session."""
    wanted = set(videos)
    store = SessionStore(home)
    try:
        for s in store.sessions():
            if s.id >= first_id and s.source_path in wanted and s.status == "incomplete" and not s.attempt:
                store.delete_session(s.id)
    finally:
        store.close()


def _pool_round(todo: list[str], args: tuple, workers: int, record, tries: dict[str, int]) -> list[str]:
    """Process ``todo`` on a pool of worker processes; returns the videos to try again in a new pool.

    A worker that dies (killed, out of memory) breaks the whole pool: every video still in it is
    tried once more in a fresh pool (the partial sessions it left are removed first); one that was in
    a broken pool twice is reported as failed.
    """
    # "spawn": forking a process that already runs MediaPipe's threads crashes the children.
    spawn = multiprocessing.get_context("spawn")
    again = []
    stop = spawn.Event()
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=spawn,
                             initializer=_worker_start, initargs=(stop,)) as pool:
        # Ctrl-C is this process's alone: the workers, started as the videos are submitted, inherit
        # it blocked and then ignore it, and stop at their frame's end when told to. A press while
        # they start waits here until they have started.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            futures = {pool.submit(_one, v, *args): v for v in todo}
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        try:
            for f in as_completed(futures):
                video = futures[f]
                try:
                    record(f.result())
                except BrokenProcessPool:
                    tries[video] = tries.get(video, 0) + 1
                    if tries[video] < 2:
                        again.append(video)
                    else:
                        record(BatchItem(video, "failed", error=f"The worker analysing {video} stopped unexpectedly, "
                                                                "twice; it may be too large for this computer's memory."))
        except KeyboardInterrupt:
            stop.set()  # each open session is ended as incomplete
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return again
