"""Batch processing of a folder: skipping what is stored, and parallel workers that give the same
sessions as a serial run."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cue_trainer import InputError
from cue_trainer.batch import find_videos, process_many
from cue_trainer.profiles import default_profile
from cue_trainer.store import SessionStore
from tests.clips import write_mp4
from tests.processes import REPO, analysing, loaded, one_sentence, run_script

pytestmark = pytest.mark.slow


def test_a_device_is_not_called_a_missing_folder():
    """Issue 21, item 17: process_folder.py /dev/null said "There is no folder"."""
    with pytest.raises(InputError, match=r"^/dev/null is neither a folder, a video nor a list of videos"):
        find_videos("/dev/null")


def test_find_videos_takes_videos_by_suffix_and_refuses_a_missing_folder(tmp_path):
    for name in ("b.MP4", "a.webm", "notes.txt", "c.mkv"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub.mp4").mkdir()  # a folder named like a video is not one
    assert [p.name for p in find_videos(tmp_path)] == ["a.webm", "b.MP4", "c.mkv"]
    with pytest.raises(InputError, match=r"There is no folder at .*nope"):
        find_videos(tmp_path / "nope")


def test_find_videos_takes_a_glob_a_list_file_or_one_video(tmp_path):
    for rel in ("a/x.mp4", "a/y.webm", "a/b/z.mkv", "a/notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    names = lambda paths: [p.relative_to(tmp_path).as_posix() for p in paths]  # noqa: E731
    assert names(find_videos(f"{tmp_path}/a/*")) == ["a/x.mp4", "a/y.webm"]
    assert names(find_videos(f"{tmp_path}/a/**/*.m*")) == ["a/b/z.mkv", "a/x.mp4"]
    listed = tmp_path / "a" / "list.txt"
    listed.write_text("# to do\nb/z.mkv\n\n  x.mp4  \n/elsewhere/missing.mp4\n")
    # Relative to the list's folder, in the list's order; a missing one is reported when processed.
    assert [str(p) for p in find_videos(listed)] == [str(tmp_path / "a/b/z.mkv"), str(tmp_path / "a/x.mp4"),
                                                     "/elsewhere/missing.mp4"]
    assert names(find_videos(tmp_path / "a" / "x.mp4")) == ["a/x.mp4"]
    with pytest.raises(InputError, match=r"^No video matches .*/a/\*\.mov\.$"):
        find_videos(f"{tmp_path}/a/*.mov")
    (tmp_path / "empty.txt").write_text("# nothing yet\n")
    with pytest.raises(InputError, match=r"^The list .*empty.txt names no video\.$"):
        find_videos(tmp_path / "empty.txt")
    (tmp_path / "photo.bin").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\xff\xfe")
    with pytest.raises(InputError, match=r"is neither a folder, a video nor a list of videos"):
        find_videos(tmp_path / "photo.bin")


def test_a_broken_video_fails_alone_and_the_others_go_on(clip, tmp_path):
    folder = tmp_path / "videos"
    folder.mkdir()
    (folder / "good.mp4").write_bytes(clip("steady").read_bytes())
    (folder / "broken.mp4").write_text("not a video")
    items = process_many(find_videos(folder), home=tmp_path / "home", profile=default_profile(), calibration_s=5.0,
                         workers=1)
    by_name = {item.video.rsplit("/", 1)[-1]: item for item in items}
    assert by_name["good.mp4"].status == "processed" and by_name["good.mp4"].session_id is not None
    assert by_name["broken.mp4"].status == "failed" and "broken.mp4" in by_name["broken.mp4"].error
    assert [s.source_path for s in SessionStore(tmp_path / "home").sessions()] == [by_name["good.mp4"].video]


def test_parallel_batch_gives_the_same_sessions_as_serial(clip, tmp_path):
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("moves_down", "steady"):
        (folder / f"{name}.mp4").write_bytes(clip(name).read_bytes())
    serial_store = SessionStore(tmp_path / "serial")
    first = process_many(find_videos(folder), home=serial_store.home, profile=default_profile(), calibration_s=5.0,
                         workers=1)
    assert [r.status for r in first] == ["processed", "processed"]
    (folder / "leans_back.mp4").write_bytes(clip("leans_back").read_bytes())
    videos = find_videos(folder)
    parallel_home = tmp_path / "parallel"
    # As a person runs it: the pipeline in its own process (a pytest process that has run
    # Streamlit's AppTest has a __main__ that spawned workers cannot re-import).
    ran = run_script("pipelines/process_folder.py", str(folder), "--workers", "2", "--calibration-s", "5",
                     "--home", str(parallel_home))
    assert ran.returncode == 0, ran.stderr
    assert [line.split()[0] for line in ran.stdout.splitlines()] == ["processed"] * 3
    serial = process_many(videos, home=serial_store.home, profile=default_profile(), calibration_s=5.0, workers=1)
    assert [r.status for r in serial] == ["processed", "skipped", "skipped"]  # only the new video
    parallel_store = SessionStore(parallel_home)
    by_video = lambda store: {s.source_path: s.id for s in store.sessions()}  # noqa: E731
    a, b = by_video(serial_store), by_video(parallel_store)
    assert set(a) == set(b) == {str(v) for v in videos}
    for video in a:
        assert serial_store.events(a[video]) == parallel_store.events(b[video])
        ta, Xa = serial_store.features(a[video])
        tb, Xb = parallel_store.features(b[video])
        np.testing.assert_array_equal(ta, tb)
        np.testing.assert_allclose(Xa, Xb, equal_nan=True)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--calibration-s", "0"], r"'0' must be from 3 to 600 seconds"),  # crashed the batch before
        (["--calibration-s", "-5"], r"'-5' must be from 3 to 600 seconds"),
        (["--workers", "-3"], r"'-3' must be 1 or more"),  # a ValueError traceback before
        (["--fps", "nan"], r"must be a finite number greater than 0"),
    ],
)
def test_process_folder_validates_its_arguments_like_the_cli(tmp_path, args, message):
    out = run_script("pipelines/process_folder.py", str(tmp_path), "--home", str(tmp_path / "home"), *args)
    one_sentence(out, message)
    assert not (tmp_path / "home").exists()


@pytest.mark.slow
@pytest.mark.parametrize("when", ["loading", "analysing"])  # while the modules load; while both workers analyse
def test_ctrl_c_stops_a_folder_batch_with_one_sentence_and_its_sessions_incomplete(tmp_path, long_clip, when):
    # A terminal sends Ctrl-C to the whole process group: the batch and its worker processes. A
    # worker that was still importing printed a traceback; now the workers leave Ctrl-C to the batch.
    videos = tmp_path / "videos"
    videos.mkdir()
    for name in ("a.mp4", "b.mp4"):
        (videos / name).write_bytes(long_clip.read_bytes())
    home = tmp_path / "home"
    proc = subprocess.Popen([sys.executable, "pipelines/process_folder.py", str(videos), "--home", str(home),
                             "--workers", "2"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    if when == "loading":  # the press lands while the batch loads its modules and starts its workers
        deadline = time.monotonic() + 120
        while not loaded(proc.pid, "numpy") and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    else:  # waited for, not timed: on a loaded machine the models take longer to load
        deadline = time.monotonic() + 300
        while not analysing(home, 2) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert analysing(home, 2), "the two workers never both analysed"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    said = [line for line in err.splitlines() if line.strip() and not line.startswith("Processing:")]
    assert len(said) == 1 and re.fullmatch(r"process_folder: Stopped(; the videos finished are stored, and running "
                                           r"the same command again processes the rest)?\.", said[0]), err
    sessions = SessionStore(home).sessions() if home.exists() else []
    # Each ended by its worker ("interrupted"), not left open by a killed one, and none as if whole.
    assert all((s.status, s.note) == ("incomplete", "Processing was interrupted.") for s in sessions), sessions
    if when == "analysing":
        assert len(sessions) == 2, err  # both were being analysed


def test_an_empty_folder_is_one_sentence(tmp_path):
    out = run_script("pipelines/process_folder.py", str(tmp_path), "--home", str(tmp_path / "home"))
    one_sentence(out, r"There are no videos \(\.mp4, .*\) in ")


@pytest.mark.slow
def test_a_video_processed_by_relative_path_is_not_processed_again(clip, tmp_path):
    folder = tmp_path / "videos"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(clip("steady").read_bytes())
    home = tmp_path / "home"
    ran = subprocess.run([sys.executable, "-m", "cue_trainer", "process", "a.mp4", "--calibration-s", "5"],
                         cwd=folder, env={**os.environ, "CUE_TRAINER_HOME": str(home)}, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    out = run_script("pipelines/process_folder.py", str(folder), "--home", str(home), "--calibration-s", "5")
    assert out.returncode == 0 and out.stdout.split()[0] == "skipped", out.stdout


def recording(home: Path) -> int:
    """How many sessions of the store in ``home`` are being recorded now."""
    with SessionStore(home) as store:
        return sum(s.status == "recording" for s in store.sessions())


@pytest.mark.slow
def test_a_killed_worker_does_not_abort_the_batch(clip_dir, tmp_path):
    # 20 s each: the kill comes as soon as both workers analyse (a condition), well inside that.
    clip = clip_dir / "twenty.mp4"
    if not clip.exists():
        write_mp4(clip, [(20.0, {})], fps=10.0)
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.mp4").write_bytes(clip.read_bytes())
    proc = subprocess.Popen([sys.executable, "pipelines/process_folder.py", str(folder), "--workers", "2",
                             "--calibration-s", "5", "--home", str(tmp_path / "home")], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Once both workers are analysing (their sessions are in the store), one of them is killed.
    home = tmp_path / "home"
    deadline = time.monotonic() + 300
    while not (home.exists() and recording(home) == 2):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"the workers never both analysed: {out}{err}")
        time.sleep(0.2)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    workers = [int(c) for c in children
               if "spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes().decode(errors="replace")]
    assert workers, "no worker process found"
    os.kill(workers[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=600)
    assert "Traceback" not in err and "BrokenProcessPool" not in err, err
    rows = [line.split() for line in out.splitlines()]
    assert sorted(r[1].rsplit("/", 1)[1] for r in rows) == ["a.mp4", "b.mp4", "c.mp4"]  # each reported
    sessions = SessionStore(tmp_path / "home").sessions()
    assert sorted(Path(s.source_path).name for s in sessions if s.status == "complete") == ["a.mp4", "b.mp4", "c.mp4"]
    # Issue 21, item 13: one session per video; the partial ones the broken pool left are gone.
    assert len(sessions) == 3, [(s.id, s.source_path, s.status) for s in sessions]
