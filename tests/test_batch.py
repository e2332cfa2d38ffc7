"""Batch processing of a folder: skipping what is stored, and parallel workers that give the same
sessions as a serial run."""
import numpy as np
import pytest

from cue_trainer import InputError
from cue_trainer.batch import find_videos, process_many
from cue_trainer.profiles import default_profile
from cue_trainer.store import SessionStore
from tests.processes import run_script

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
