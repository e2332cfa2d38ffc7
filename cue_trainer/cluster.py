"""The Ray engine: many videos, and the chunks of long ones, on the workers of a Ray cluster.

Owns: ``connect``, ``ChunkPlan``, ``ChunkWorker`` (a Ray actor with one landmark detector for its life),
``process_many_on_ray`` and ``ray_starmap`` (the tuning sweep's tasks). Imports: batch, detector,
frames, profiles, store, videos. The only module that imports Ray, and only when it is asked
to: Ray is the optional ``cluster`` extra.

How a video becomes a session here, and why it is the session one process makes:

- The driver asks a worker how long each video is, and cuts it into chunks of ``CHUNK_S`` seconds
  of video by frame time (``frames.chunk_index``).
- A worker reads only its chunk (a seek) and returns everyone its detector found in each frame
  (``Detections``: plain arrays). Its models restart at the chunk's first frame. One process does
  exactly the same at the same frames (``LandmarkDetector.detections``), and a restarted model
  gives what a new one gives, so a chunk's detections are the same wherever it ran.
- The driver stitches each video's chunks in time order into a ``SessionWriter``: choosing and
  smoothing the partner, the features' look-back windows, the baseline, the cues' hysteresis and
  minimum durations all run there, over the whole video, as in one process. No state that looks
  back in time is cut at a chunk's edge, so no overlap between chunks is needed at all.
- The driver is the only process that writes the store: one SQLite writer, no locking, and what
  it has written stays when a worker dies. A dead worker is restarted by Ray and its chunk tried
  once more; a chunk that stops a worker twice fails its video alone.
"""
from __future__ import annotations

import collections
import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cue_trainer import InputError
from cue_trainer.batch import BatchItem, Ledger
from cue_trainer.frames import VideoFileSource, chunk_index
from cue_trainer.profiles import Profile
from cue_trainer.store import SessionStore
from cue_trainer.videos import CHUNK_S, SessionWriter

logger = logging.getLogger(__name__)

INSTALL_HINT = ("--engine ray needs Ray, which is not installed here; install it with "
                "pip install -e '.[cluster]' (or pip install 'cue-trainer[cluster]').")
#: How long to wait for a cluster's address to answer at all.
CONNECT_TIMEOUT_S = 5.0
#: Chunks queued per worker: one running, one waiting, so that no worker idles between chunks.
QUEUED_PER_WORKER = 2


#: A cluster of this machine alone keeps to this machine: Ray binds its servers (GCS, raylet,
#: workers, the driver) to 127.0.0.1 only where it believes there is no cluster to join, which it
#: believes on Windows and macOS; this says so on Linux too. Read when Ray is imported.
LOCAL_ONLY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}
#: Ray's head always runs its usage-statistics module, which asks three clouds' metadata addresses
#: (169.254.169.254, metadata.google.internal) which cloud it is on, even with usage statistics
#: off. Its processes are started with HTTP going to a closed port on this machine, so that those
#: requests fail here instead of leaving it; ``ChunkWorker`` gives its readers the person's own
#: proxy settings back (a video may be an https:// address).
DEAD_PROXY = "http://127.0.0.1:9"
PROXY_KEYS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY", "all_proxy",
              "ALL_PROXY")


@contextlib.contextmanager
def _environment(values: dict[str, str | None]):
    """``os.environ`` with ``values`` set (None: removed) inside the block, as before after it."""
    before = {k: os.environ.get(k) for k in values}
    _apply(values)
    try:
        yield
    finally:
        _apply(before)


def _apply(values: dict[str, str | None]) -> None:
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _ray():
    try:
        import ray
    except ImportError:
        raise InputError(INSTALL_HINT) from None
    return ray


def connect(address: str | None = None, *, num_cpus: int | None = None):
    """Ray, connected: to the cluster at ``address`` ("auto": the one started on this machine with
    ``ray start``; "host:port" or "ray://host:10001"), or to a new cluster of this machine alone
    (``num_cpus`` of its cores; default all). Returns the ``ray`` module.

    Raises:
        InputError: Ray is not installed, or no cluster answers at ``address``.
    """
    if address and "RAY_AUTH_MODE" not in os.environ and _token_here():
        # A cluster started with ``ray start`` on a machine with a Ray token asks for it; Ray's own
        # client sends it only when told to.
        os.environ["RAY_AUTH_MODE"] = "token"
    if not address:
        os.environ.update(LOCAL_ONLY_ENV)
    ray = _ray()
    if ray.is_initialized():
        return ray
    if address and address != "auto":
        _answers(address)
    # A cluster of this machine alone gets a token of its own; Ray says so on every start.
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
    spawn = {} if address else {**{k: None for k in PROXY_KEYS}, "http_proxy": DEAD_PROXY, "HTTP_PROXY": DEAD_PROXY}
    try:
        with _environment(spawn):  # the processes ray.init starts keep it; this one does not
            ray.init(address=address, num_cpus=None if address else num_cpus, include_dashboard=False,
                     log_to_driver=False, logging_level=logging.WARNING, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = f"at {address}" if address else "on this machine"
        raise InputError(f"No Ray cluster could be reached {where} ({str(e).splitlines()[0].rstrip('.')}).") from None
    _cluster_messages_to_log()
    return ray


def _cluster_messages_to_log() -> None:
    """Ray's driver prints the cluster's own error messages to the terminal (a raylet that ended
    comes with 24 lines of its state dump); each failure that matters reaches the caller as an
    exception and becomes one sentence, so these go to the log instead (``-v`` shows them)."""
    from ray._private import worker

    if getattr(worker.print_to_stdstream, "cue_trainer", False):
        return
    printed = worker.print_to_stdstream

    def to_log(data, ignore_prefix):
        if data.get("pid") == "raylet":
            logger.info("Ray: %s", "\n".join(data.get("lines", [])))
        else:
            printed(data, ignore_prefix)

    to_log.cue_trainer = True
    worker.print_to_stdstream = to_log


def _died(video: str, error: Exception) -> str:
    """What to say when the worker analysing ``video`` died (after its retry)."""
    text = str(error).lower()
    if "node" in text and ("died" in text or "dead" in text or "raylet" in text):
        return (f"The Ray node that was analysing {video} stopped (its raylet ended), so {video} was not finished; "
                "run the same command again when the cluster is back.")
    return (f"The worker analysing {video} stopped unexpectedly, twice (killed, out of memory or crashed: "
            "Ray's logs under /tmp/ray say which).")


def _answers(address: str) -> None:
    """Raises InputError at once when nothing listens at ``address`` (Ray itself keeps retrying
    for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
            return
    except ValueError:
        raise InputError(f"{address} is not a cluster address (auto, HOST:PORT or ray://HOST:PORT).") from None
    except OSError as e:
        raise InputError(f"No Ray cluster could be reached at {address} ({e.strerror or e}).") from None


def _token_here() -> bool:
    """Whether this machine has a Ray authentication token where Ray looks for one."""
    if os.environ.get("RAY_AUTH_TOKEN"):
        return True
    path = os.environ.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token"
    return Path(path).is_file()


class ChunkWorker:
    """One Ray worker: a landmark detector, made on the first chunk and kept for the worker's life."""

    def __init__(self, proxies: dict[str, str | None] | None = None) -> None:
        self.detector = None
        if proxies is not None and os.environ.get("http_proxy") == DEAD_PROXY:
            _apply(proxies)  # the person's own settings, for videos given by address

    def probe(self, video: str, fps: float | None, chunk_s: float) -> ChunkPlan | str:
        """How the video is to be cut, or the one sentence why it cannot be read."""
        try:
            source = VideoFileSource(video, fps=fps)
        except InputError as e:
            return str(e)
        chunks = 1
        if source.frame_count is not None:
            chunks = chunk_index((source.frame_count - 1) / source.native_fps, chunk_s) + 1
        return ChunkPlan(chunks, source.expected_frames, source.duration_s)

    def detect(self, video: str, fps: float | None, k: int, chunk_s: float, last: bool) -> list:
        """Everyone found in each frame of chunk ``k`` (the last chunk reads on to the end)."""
        from cue_trainer.detector import LandmarkDetector

        if self.detector is None:
            self.detector = LandmarkDetector()
        source = VideoFileSource(video, fps=fps)
        frames = source.chunk(k, chunk_s, to_end=last)
        return list(self.detector.detections(frames, chunk_s=chunk_s))


@dataclass(frozen=True)
class ChunkPlan:
    """How a video is cut for the cluster: its chunks, and what its container says (for the session)."""

    chunks: int
    expected_frames: int | None
    duration_s: float | None


class _Video:
    """A video on its way through the cluster: chunks back so far, and its session once chunk 0 is in."""

    def __init__(self, plan: ChunkPlan) -> None:
        self.plan = plan
        self.chunks: dict[int, list] = {}
        self.next = 0
        self.writer: SessionWriter | None = None


def process_many_on_ray(
    videos: list[Path | str],
    *,
    home: str | os.PathLike,
    profile: Profile,
    fps: float | None = 10.0,
    calibration_s: float | None = None,
    chunk_s: float = CHUNK_S,
    address: str | None = None,
    workers: int | None = None,
    on_done: Callable[[BatchItem], None] | None = None,
    on_seconds: Callable[[float], None] | None = None,
) -> list[BatchItem]:
    """Process videos into sessions in ``home``'s store on a Ray cluster, skipping videos the store
    holds as complete sessions. ``workers`` detectors (default: one per CPU of the cluster), each
    one Ray actor. Results come back in the order of ``videos``; ``on_done`` is called as each
    video ends, ``on_seconds`` with the seconds of video of each chunk stitched. The videos must
    be readable at the same path on every node; the store is written by this process only.
    """
    ray = connect(address)
    from ray.exceptions import RayActorError, RayTaskError

    ledger = Ledger(videos, home, on_done)
    record, todo = ledger.record, ledger.todo
    if not todo:
        return ledger.items()
    n = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    # A worker that dies (killed, out of memory, a lost node) is started again, and the chunks it
    # held are tried once more; a chunk that stops a worker twice fails its video.
    remote = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=1)(ChunkWorker)
    proxies = {k: os.environ.get(k) for k in PROXY_KEYS}
    actors = [remote.remote(proxies) for _ in range(n)]
    store = SessionStore(home)
    open_videos: dict[str, _Video] = {}
    try:
        plans = ray.get([actors[i % len(actors)].probe.remote(v, fps, chunk_s) for i, v in enumerate(todo)])
        queue: collections.deque = collections.deque()
        for v, plan in zip(todo, plans):
            if isinstance(plan, str):
                record(BatchItem(v, "failed", error=plan))
                continue
            open_videos[v] = _Video(plan)
            queue.extend((v, k) for k in range(plan.chunks))
        in_flight: dict = {}
        load = {i: 0 for i in range(len(actors))}

        def fail(v: str, message: str) -> None:
            video = open_videos.pop(v)
            if video.writer is not None:
                video.writer.abort(note=message)
            record(BatchItem(v, "failed", video.writer.session_id if video.writer else None, error=message))

        while queue or in_flight:
            while queue:
                i = min(load, key=load.get)
                if load[i] >= QUEUED_PER_WORKER:
                    break
                v, k = queue.popleft()
                if v not in open_videos:
                    continue  # its video failed already
                last = k == open_videos[v].plan.chunks - 1
                in_flight[actors[i].detect.remote(v, fps, k, chunk_s, last)] = (v, k, i)
                load[i] += 1
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            v, k, i = in_flight.pop(ready[0])
            load[i] -= 1
            if v not in open_videos:
                continue
            try:
                found = ray.get(ready[0])
            except RayActorError as e:
                logger.info("Ray worker of %s died: %s", v, e)
                fail(v, _died(v, e))
                continue
            except RayTaskError as e:
                cause = e.cause if isinstance(getattr(e, "cause", None), InputError) else None
                fail(v, str(cause) if cause else f"{v} could not be analysed ({type(e.cause).__name__}: {e.cause}).")
                continue
            video = open_videos[v]
            video.chunks[k] = found
            while video.next in video.chunks:  # stitch in time order
                if video.writer is None:
                    plan = video.plan
                    video.writer = SessionWriter(store, source_path=v, profile=profile, fps=fps,
                                                 calibration_s=calibration_s, expected_frames=plan.expected_frames,
                                                 duration_s=plan.duration_s)
                chunk = video.chunks.pop(video.next)
                for detections in chunk:
                    video.writer.add(detections)
                video.next += 1
                if on_seconds and chunk:
                    on_seconds(chunk[-1].t - chunk[0].t + 1.0 / (fps or 30.0))
            if video.next == video.plan.chunks:
                r = open_videos.pop(v).writer.finish()
                record(BatchItem(v, "processed", r.session_id, duration_s=r.duration_s))
    except BaseException:
        for video in open_videos.values():  # Ctrl-C, or the driver's own fault: sessions begun stay, incomplete
            if video.writer is not None:
                video.writer.abort()
        # Ray's own messages about the tasks the stop cut short ("(raylet) Task … failed … will be
        # retried") would follow the sentence that says what was kept: disconnect first.
        ray.shutdown()
        raise
    finally:
        store.close()
        if ray.is_initialized():
            for actor in actors:
                ray.kill(actor)
    return ledger.items()


def ray_starmap(fn: Callable, arglists: list[tuple], *, address: str | None = None) -> list:
    """``[fn(*args) for args in arglists]``, each call a Ray task. The first argument of the calls
    (for the tuning sweep, a recorded session) goes to the cluster once however many calls share it."""
    ray = connect(address)
    task = ray.remote(num_cpus=1)(fn)
    shared: dict[int, object] = {}
    refs = []
    for first, *rest in arglists:
        if id(first) not in shared:
            shared[id(first)] = ray.put(first)
        refs.append(task.remote(shared[id(first)], *rest))
    return ray.get(refs)
