"""Shared fixtures: real photos, synthetic clips made from them, a real store in a temp folder, and
stores of processed clips analysed once per test run."""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from skimage import data

from tests.clips import CLIPS, write_mp4


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return data.astronaut()


@pytest.fixture(scope="session")
def no_person() -> np.ndarray:
    """A real photo with no person in it (a cup of coffee)."""
    return data.coffee()


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def clip(clip_dir):
    """Path of a named synthetic clip (10 fps, 640×480 mp4), written once per test run."""

    def make(name: str) -> Path:
        path = clip_dir / f"{name}.mp4"
        if not path.exists():
            write_mp4(path, CLIPS[name], fps=10.0)
        return path

    return make


@pytest.fixture
def home(tmp_path) -> Path:
    """An empty data directory for the store."""
    return tmp_path / "home"


@pytest.fixture(scope="session")
def stored(clip, tmp_path_factory):
    """``stored(*names, into=folder) -> folder``: a data folder holding the named synthetic clips
    processed as ``cue-trainer process CLIP --calibration-s 5`` does (default profile, 10 frames/s),
    sessions 1, 2, … in the order named. Each set is analysed once per test run, shared by the
    xdist workers under a file lock, and copied for each caller, so a test may write to its copy."""
    from cue_trainer.profiles import default_profile
    from cue_trainer.store import SessionStore
    from cue_trainer.videos import process_video

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own

    def make(*names: str, into: Path) -> Path:
        template = shared / ("stored-" + "-".join(names))
        with open(template.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (template / ".complete").exists():
                shutil.rmtree(template, ignore_errors=True)
                store = SessionStore(template)
                for name in names:
                    process_video(clip(name), store=store, profile=default_profile(), calibration_s=5.0)
                store.close()
                (template / ".complete").touch()
        shutil.copytree(template, into, ignore=shutil.ignore_patterns(".complete"))
        return into

    return make


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a small tmpfs: ``mount(size, readonly=False)`` returns its folder; unmounted after."""
    mounted = []

    def mount(size: str, readonly: bool = False) -> Path:
        d = tmp_path / f"mnt{len(mounted)}"
        d.mkdir()
        opts = f"size={size}" + (",ro" if readonly else "")
        subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(d)], check=True)
        mounted.append(d)
        return d

    yield mount
    for d in mounted:
        subprocess.run(["umount", "-l", str(d)], check=False)


@pytest.fixture(scope="session")
def long_clip(clip_dir) -> Path:
    """A 60 s clip: long enough to act on a `process` while it runs."""
    path = clip_dir / "long.mp4"
    if not path.exists():
        write_mp4(path, [(60.0, {})], fps=10.0)
    return path


#: The longest test files (seconds each, summed over their tests, in a full run here): started
#: first, so that with ``pytest -n`` (whole files per worker) no long file starts late and leaves
#: the other core idle at the end. In a full run on 2 workers the last 1.5 minutes ran at 40-70 %
#: idle when files were taken in alphabetical order.
LONGEST_FIRST = ("test_practice_browser", "test_cluster", "test_cli", "test_videos", "test_batch",
                 "test_review_browser", "test_eval", "test_video_practice_browser", "test_replay_browser")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: each file keeps its order
