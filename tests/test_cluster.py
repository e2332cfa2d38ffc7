"""Many videos on a Ray cluster (``--engine ray``): chunks read exactly, models that restart as new
ones, sessions equal to this machine's, a killed worker, a corrupt file, reruns, tuning sweeps.

The cluster is a real local Ray cluster of 2 CPUs that the module starts with ``ray start --head``
and stops afterwards; this process is its driver, as ``process_folder.py --engine ray`` is.
"""
from __future__ import annotations

import http.server
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from cue_trainer.batch import find_videos, process_many
from cue_trainer.features import FEATURES
from cue_trainer.frames import Frame, VideoFileSource, chunk_index
from cue_trainer.detector import LandmarkDetector
from cue_trainer.profiles import default_profile
from cue_trainer.records import Label
from cue_trainer.recording import Recording
from cue_trainer.store import SessionStore
from cue_trainer.tuning import sweep
from tests.clips import CHANGE_S, CLIPS, SWAYING_PAIR, frames, write_mp4, write_webm
from tests.processes import REPO, run_script

pytestmark = pytest.mark.slow

#: Short chunks, so that the 12-16 s test clips are cut in 3-4 (the default is 60 s).
CHUNK_S = 4.0


def _same_frames(a: list[Frame], b: list[Frame]) -> bool:
    return len(a) == len(b) and all(x.t == y.t and np.array_equal(x.rgb, y.rgb) for x, y in zip(a, b))


@pytest.mark.parametrize("writer", [write_mp4, write_webm], ids=["mp4", "webm"])
@pytest.mark.parametrize("fps", [10.0, 4.0, 3.0, None])
def test_chunks_are_exactly_the_frames_of_the_whole_video(tmp_path, writer, fps):
    # 15 fps source: at 4 fps the analysed frames fall between source frames, so the seek must
    # land on the frame the whole-video reading picks, not on the chunk's start time.
    path = writer(tmp_path / ("moves." + writer.__name__.split("_")[1]), CLIPS["moves_down"], fps=15.0)
    source = VideoFileSource(path, fps=fps)
    whole = list(source)
    n = chunk_index(whole[-1].t, CHUNK_S) + 1
    assert n == 4
    chunks = [list(source.chunk(k, CHUNK_S)) for k in range(n)]
    assert all(chunks) and all(chunk_index(f.t, CHUNK_S) == k for k, c in enumerate(chunks) for f in c)
    assert _same_frames(whole, [f for c in chunks for f in c])
    assert _same_frames(whole[len(whole) // 2:], [f for f in source.chunk(2, CHUNK_S, to_end=True)])


def _flat(found) -> list[np.ndarray]:
    return [np.concatenate([a.ravel() for a in (*d.poses, *d.faces, *d.hands)] or [np.zeros(0)]) for d in found]


def _two_bodies(found) -> int:
    return sum(len(d.poses) == 2 for d in found)


def test_restarted_models_find_exactly_what_new_models_find():
    """Two people in view: the models follow both from frame to frame, so without the restart the
    second half would not match a new detector; with it, every value is the same, bit for bit."""
    video = [Frame(i / 10, rgb) for i, rgb in enumerate(frames(SWAYING_PAIR, 10.0))][:60]
    with LandmarkDetector() as one:
        found = list(one.detections(video, chunk_s=3.0))
        whole = _flat(found)
    with LandmarkDetector() as one:
        unbroken = _flat(one.detections(video))
    with LandmarkDetector() as fresh:
        second = _flat(fresh.detections(video[30:], chunk_s=3.0))
    assert _two_bodies(found) >= 40  # the models follow two people in most frames
    assert len(second) == 30 and all(np.array_equal(a, b) for a, b in zip(whole[30:], second))
    assert not all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(unbroken[30:], second))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_cli() -> str:
    return str(Path(sys.executable).with_name("ray"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The address of a Ray cluster of 2 CPUs on this machine; this process connects to it as a
    driver when a test first needs it (``cluster.connect``, which imports Ray)."""
    port = _free_port()
    temp = Path("/tmp") / f"ray-ct-{os.getpid()}"  # short: Ray's socket paths must fit 107 bytes
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    started = subprocess.run(
        [_ray_cli(), "start", "--head", "--num-cpus=2", f"--port={port}", "--include-dashboard=false",
         f"--temp-dir={temp}", "--disable-usage-stats"], capture_output=True, text=True, env=env, timeout=180)
    assert started.returncode == 0, started.stdout + started.stderr
    address = f"127.0.0.1:{port}"
    try:
        yield address
    finally:
        import ray

        ray.shutdown()
        _stop_cluster(temp)
        shutil.rmtree(temp, ignore_errors=True)


def _stop_cluster(temp: Path) -> None:
    """Stop this module's cluster only (``ray stop`` would stop every Ray cluster of the user): the
    processes started with its temp dir, and everything they started."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                table[int(entry.name)] = (ppid, (entry / "cmdline").read_bytes())
            except (OSError, ValueError, IndexError):
                continue
    ours = {pid for pid, (_, cmd) in table.items() if str(temp).encode() in cmd}
    while True:
        more = {pid for pid, (ppid, _) in table.items() if ppid in ours} - ours
        if not more:
            break
        ours |= more
    # The raylet and the workers end on SIGTERM at once; the GCS server and the autoscaler's monitor
    # did not within 12 s, so they get SIGKILL after 2 s (the temp dir goes with them).
    for sig, wait_s in ((signal.SIGTERM, 2), (signal.SIGKILL, 10)):
        for pid in ours:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and any(_alive(pid) for pid in ours):
            time.sleep(0.2)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs: a zombie that nobody reaps has ended (its parent,
    ``ray start``, exited; here nobody reaps orphans, and waiting for them took 10 s per stop)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.fixture(scope="module")
def folder(clip, tmp_path_factory):
    """Three clips (one of two people swaying: the case where the models' restarts matter) and a
    corrupt file."""
    folder = tmp_path_factory.mktemp("videos")
    for name in ("moves_down", "steady"):
        shutil.copy(clip(name), folder / f"{name}.mp4")
    write_mp4(folder / "pair.mp4", SWAYING_PAIR, fps=10.0)
    (folder / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    return folder


def _chunk_workers() -> list[int]:
    """Process ids of the Ray workers that hold a detector (Ray names their processes after the actor)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"ray::ChunkWorker"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.fixture(scope="module")
def on_ray(cluster, folder, tmp_path_factory):
    """The folder processed on the cluster in chunks of 4 s, with one of the workers holding a
    detector killed after the first chunk is stitched (mid-run): (home, results, seconds per chunk,
    the killed process ids). The tests below compare this run with a local one, so a lost or
    doubled chunk after the kill shows as a difference."""
    from cue_trainer.cluster import process_many_on_ray

    home = tmp_path_factory.mktemp("ray-home")
    seconds: list[float] = []
    killed: list[int] = []

    def on_seconds(chunk_s: float) -> None:
        seconds.append(chunk_s)
        if not killed:
            pids = _chunk_workers()
            assert pids, "no Ray worker holding a detector was found"
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    results = process_many_on_ray(find_videos(folder), home=home, profile=default_profile(), calibration_s=5.0,
                                  chunk_s=CHUNK_S, address=cluster, on_seconds=on_seconds)
    return home, results, seconds, killed


def _sessions(home) -> dict[str, int]:
    return {s.source_path: s.id for s in SessionStore(home).sessions()}


def test_ray_sessions_equal_local_sessions_including_chunked_clips(on_ray, folder, tmp_path):
    home, results, seconds, _ = on_ray
    by_name = {Path(r.video).name: r for r in results}
    assert {n: r.status for n, r in by_name.items()} == {
        "corrupt.mp4": "failed", "moves_down.mp4": "processed", "pair.mp4": "processed", "steady.mp4": "processed"}
    assert by_name["corrupt.mp4"].error.endswith("is not a video this program can read (it may be empty, corrupt or "
                                                 "not a video).") and "\n" not in by_name["corrupt.mp4"].error
    assert len(seconds) == 4 + 4 + 3  # 16, 16 and 12 s of video in chunks of 4 s
    assert sum(seconds) == pytest.approx(16 + 16 + 12, abs=0.01)

    local = tmp_path / "local"
    items = process_many(find_videos(folder), home=local, profile=default_profile(), calibration_s=5.0,
                         chunk_s=CHUNK_S, workers=1)
    assert [i.status for i in items] == [r.status for r in results]
    a, b = _sessions(local), _sessions(home)
    assert set(a) == set(b) == {r.video for r in results if r.status == "processed"}
    sa, sb = SessionStore(local), SessionStore(home)
    episodes = 0
    for video in a:
        assert sa.session(a[video]).status == sb.session(b[video]).status == "complete"
        assert sa.events(a[video]) == sb.events(b[video])
        episodes += len(sa.events(a[video]))
        ta, Xa = sa.features(a[video])
        tb, Xb = sb.features(b[video])
        assert len(ta) > 100
        np.testing.assert_array_equal(ta, tb)
        np.testing.assert_array_equal(Xa, Xb)  # not close: equal, NaN where NaN
    assert episodes >= 1  # moves_down slumps: there is something to agree on
    pair = next(v for v in a if v.endswith("pair.mp4"))
    others = sb.features(b[pair])[1][:, FEATURES.index("others_in_view")]
    assert np.mean(others == 1) > 0.5  # the second person was seen (and only counted) in most frames


def test_a_rerun_skips_what_is_stored(on_ray, cluster, folder):
    from cue_trainer.cluster import process_many_on_ray

    home, first, _, _ = on_ray
    before = _sessions(home)
    again = process_many_on_ray(find_videos(folder), home=home, profile=default_profile(), calibration_s=5.0,
                                chunk_s=CHUNK_S, address=cluster)
    assert {Path(r.video).name: r.status for r in again} == {
        "corrupt.mp4": "failed", "moves_down.mp4": "skipped", "pair.mp4": "skipped", "steady.mp4": "skipped"}
    assert _sessions(home) == before


def test_a_killed_worker_still_ends_with_every_video_stored_once(on_ray):
    home, results, _, killed = on_ray
    assert killed
    assert {Path(r.video).name: r.status for r in results} == {
        "corrupt.mp4": "failed", "moves_down.mp4": "processed", "pair.mp4": "processed", "steady.mp4": "processed"}
    stored = [(s.source_path, s.status) for s in SessionStore(home).sessions()]
    assert sorted(stored) == sorted((r.video, "complete") for r in results if r.status == "processed")


def test_tuning_on_ray_gives_the_local_results(on_ray, cluster):
    from cue_trainer.cluster import ray_starmap

    home, results, _, _ = on_ray
    store = SessionStore(home)
    ids = {Path(r.video).name: r.session_id for r in results if r.status == "processed"}
    store.set_labels(ids["moves_down.mp4"], [Label("slumped_posture", CHANGE_S, 16.0)])
    store.set_labels(ids["steady.mp4"], [])
    store.set_labels(ids["pair.mp4"], [])
    recordings = [Recording.load(store, sid) for sid in ids.values()]
    grid = np.linspace(0.05, 2.0, 40)
    here = sweep(recordings, "slumped_posture", grid, [1.0, 3.0], profile=default_profile(), truth="labels")
    there = sweep(recordings, "slumped_posture", grid, [1.0, 3.0], profile=default_profile(), truth="labels",
                  starmap=lambda fn, calls: ray_starmap(fn, calls, address=cluster))
    assert here.f1.max() == 1.0 and here.f1.min() < 1.0
    assert here.equals(there)


def test_the_pipelines_run_on_the_cluster_as_a_person_runs_them(on_ray, cluster, folder, tmp_path):
    home, results, _, _ = on_ray
    ids = [str(r.session_id) for r in results if r.status == "processed"]
    outs = {}
    for engine in ("local", "ray"):
        outs[engine] = tmp_path / f"{engine}.toml"
        extra = ["--engine", "ray", "--address", cluster] if engine == "ray" else []
        ran = run_script("pipelines/tune.py", "--home", str(home), "--sessions", *ids, "--cues", "slumped_posture",
                         "--thresholds", "0.05:2.0:40", "--min-durations", "1", "3", "--truth", "labels",
                         "--out", str(outs[engine]), *extra)
        assert ran.returncode == 0, ran.stderr
    strip = lambda p: [line for line in p.read_text().splitlines() if not line.startswith("# Tuned by")]  # noqa: E731
    assert strip(outs["local"]) == strip(outs["ray"])

    listed = tmp_path / "videos.txt"
    listed.write_text(f"# two of them\n{folder / 'steady.mp4'}\n\n{folder / 'corrupt.mp4'}\n")
    ran = run_script("pipelines/process_folder.py", str(listed), "--engine", "ray", "--address", cluster,
                     "--calibration-s", "5", "--home", str(tmp_path / "home"))
    assert ran.returncode == 2, ran.stderr  # one video failed
    lines = ran.stdout.splitlines()
    assert lines[0].startswith("processed") and lines[0].split()[1] == str(folder / "steady.mp4")
    assert lines[1].startswith("failed") and "is not a video this program can read" in lines[1]
    assert "of video" in ran.stderr and "real time" in ran.stderr and "2/2" in ran.stderr


class RangeFiles(http.server.SimpleHTTPRequestHandler):
    """A plain file server that answers range requests (as web servers and object stores do), so
    that FFmpeg can seek in a video it reads by address."""

    def end_headers(self):
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def send_head(self):
        wanted = self.headers.get("Range")
        if not wanted:
            return super().send_head()
        try:
            f = open(self.translate_path(self.path), "rb")
        except OSError:
            self.send_error(404)
            return None
        with f:
            size = os.fstat(f.fileno()).st_size
            first, _, last = wanted.removeprefix("bytes=").partition("-")
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
            f.seek(start)
            body = f.read(end - start + 1)
        self.send_response(206)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, *args):
        pass


def test_videos_given_as_addresses_are_read_by_every_worker(cluster, folder, on_ray, tmp_path):
    """A list file of URLs (as from a file server or an object store): the chunked clip read by
    address, seeks and all, gives the session its file gives; an address that answers nothing
    fails alone."""
    from cue_trainer.cluster import process_many_on_ray

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(RangeFiles, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        listed = tmp_path / "urls.txt"
        listed.write_text(f"{base}/pair.mp4\n{base}/missing.mp4\n")
        videos = find_videos(listed)
        assert videos == [f"{base}/pair.mp4", f"{base}/missing.mp4"]
        results = process_many_on_ray(videos, home=tmp_path / "home", profile=default_profile(), calibration_s=5.0,
                                      chunk_s=CHUNK_S, address=cluster)
    finally:
        server.shutdown()
    assert [r.status for r in results] == ["processed", "failed"]
    assert results[1].error == (f"{base}/missing.mp4 could not be opened (check that the address is right and "
                                "that this computer can reach it).")
    by_url, by_file = SessionStore(tmp_path / "home"), SessionStore(on_ray[0])
    (url_session,) = by_url.sessions()
    assert url_session.source_path == f"{base}/pair.mp4" and url_session.status == "complete"
    file_id = _sessions(on_ray[0])[str(folder / "pair.mp4")]
    assert by_url.events(url_session.id) == by_file.events(file_id)
    np.testing.assert_array_equal(by_url.features(url_session.id)[1], by_file.features(file_id)[1])


def test_without_ray_engine_ray_is_one_sentence_on_how_to_install_it(folder):
    code = ("import runpy, sys; sys.modules['ray'] = None; "  # as if Ray were not installed
            f"sys.argv = ['process_folder.py', {str(folder)!r}, '--engine', 'ray']; "
            "runpy.run_path('pipelines/process_folder.py', run_name='__main__')")
    ran = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 2
    err = [line for line in ran.stderr.splitlines() if line.startswith("process_folder:")]
    assert err == ["process_folder: --engine ray needs Ray, which is not installed here; install it with "
                   "pip install -e '.[cluster]' (or pip install 'cue-trainer[cluster]')."]


def test_no_cluster_at_the_address_is_one_sentence(folder, tmp_path):
    ran = run_script("pipelines/process_folder.py", str(folder), "--engine", "ray", "--address",
                     f"127.0.0.1:{_free_port()}", "--home", str(tmp_path / "home"), timeout=300)
    assert ran.returncode == 2
    last = ran.stderr.strip().splitlines()[-1]
    assert last.startswith("process_folder: No Ray cluster could be reached at 127.0.0.1:"), ran.stderr
    assert not (tmp_path / "home").exists() or not SessionStore(tmp_path / "home").sessions()


#: A driver that starts a cluster of this machine alone, runs tasks on it and prints the listening
#: sockets of its own processes (itself and everything it started).
_LOCAL_DRIVER = """
import json, os, re, subprocess
from pathlib import Path
from cue_trainer.cluster import connect, ray_starmap
def power(a, b):
    return a ** b
ray = connect(None, num_cpus=1)
assert ray_starmap(power, [(2, 3), (3, 2)]) == [8, 9]
parents = {}
for entry in Path("/proc").iterdir():
    try:
        parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        pass
ours = {os.getpid()}
while more := {pid for pid, ppid in parents.items() if ppid in ours} - ours:
    ours |= more
lines = subprocess.run(["ss", "-Htlnup"], capture_output=True, text=True).stdout.splitlines()
print(json.dumps([l for l in lines if {int(p) for p in re.findall(r"pid=(\\d+)", l)} & ours]))
ray.shutdown()
"""


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (apt-get install strace; .ci/run does)")
def test_a_cluster_of_this_machine_listens_on_loopback_only_and_asks_nothing_outside(tmp_path):
    """Issue 21, item 4: ``--engine ray`` without ``--address`` starts Ray itself. Every server it
    starts listens on 127.0.0.1, and no process of it connects anywhere but this machine (Ray's
    usage module asks the clouds' metadata addresses otherwise)."""
    import json
    import re

    trace = tmp_path / "connects"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    driver = subprocess.Popen(
        ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace), sys.executable, "-c",
         _LOCAL_DRIVER], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = driver.communicate(timeout=300)
    assert driver.returncode == 0, err
    listening = json.loads(out.strip().splitlines()[-1])
    names = " ".join(listening)
    assert all(name in names for name in ('"gcs_server"', '"raylet"', '"python"')), listening
    local_address = re.compile(r"\s(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]|\[::1\]):\d+\s")
    assert [line for line in listening if not local_address.search(line)] == []
    text = trace.read_text()
    # Addresses a socket connected or sent to (not the netlink query of ss, which names 0.0.0.0).
    targets = (set(re.findall(r'sin_port=htons\(\d+\), sin_addr=inet_addr\("([\d.]+)"\)', text))
               | set(re.findall(r'sin6_port=[^}]*?inet_pton\(AF_INET6, "([^"]+)", &sin6_addr', text)))
    assert targets and all(t.startswith("127.") or t in ("::1", "::ffff:127.0.0.1") for t in targets), targets
    assert "metadata.google.internal" not in text and "169.254.169.254" not in text


def test_ctrl_c_on_the_cluster_ends_with_the_sentence_and_nothing_after_it(cluster, folder, tmp_path):
    """Issue 21, item 16: after the sentence that says what was kept, Ray printed its own lines
    about the tasks the stop cut short ("(raylet) Task ChunkWorker.detect failed … retried")."""
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "pipelines" / "process_folder.py"), str(folder), "--engine", "ray",
         "--address", cluster, "--chunk-s", "4", "--calibration-s", "5", "--home", str(tmp_path / "home")],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 240
    while not any("of video" in line for line in lines) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)  # until a chunk is done: the workers are busy
    assert proc.poll() is None, "process_folder ended before the stop:\n" + "".join(lines)[-4000:]
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=120)
    reader.join(timeout=30)
    text = "".join(lines).replace("\r", "\n")
    assert code == 130, text[-4000:]
    said = [line for line in text.splitlines() if line.strip()]
    assert said[-1] == ("process_folder: Stopped; the videos finished are stored, and running the same command "
                        "again processes the rest."), said[-5:]
    assert "(raylet)" not in text and "Traceback" not in text


def test_the_cluster_s_own_error_messages_go_to_the_log_not_the_terminal(cluster, capsys, caplog):
    """Issue 21, item 16: a raylet that ended printed 24 lines of its state dump in the terminal;
    the failure itself reaches the pipeline as an exception and becomes one sentence."""
    import logging

    from cue_trainer.cluster import connect

    connect(cluster)
    from ray._private import worker

    with caplog.at_level(logging.INFO, logger="cue_trainer.cluster"):
        worker.print_to_stdstream({"lines": ["Raylet is terminated.", "[state-dump] …"], "pid": "raylet",
                                   "is_err": False}, ignore_prefix=False)
    out = capsys.readouterr()
    assert "Raylet is terminated" not in out.out + out.err
    assert any("Raylet is terminated." in r.getMessage() for r in caplog.records)
