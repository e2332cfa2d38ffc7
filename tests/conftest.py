"""Shared fixtures: real photos, synthetic clips made from them, a real store in a temp folder."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

sys.path.insert(0, str(Path(__file__).parent))  # tests/clips.py

from clips import write_mp4  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

#: The synthetic clips used across tests: a steady stretch, then a change at CHANGE_S.
CHANGE_S = 8.0
CLIPS: dict[str, list[tuple[float, dict]]] = {
    "steady": [(16.0, {})],
    "moves_down": [(CHANGE_S, {}), (8.0, {"dy": 0.2})],
    "leans_back": [(CHANGE_S, {}), (8.0, {"scale": 0.7})],
    "lies_down": [(CHANGE_S, {}), (8.0, {"angle": 35.0})],
    "goes_dark": [(CHANGE_S, {}), (6.0, {"dark": True})],
}


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


def run_cli(*args: str, home: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``cue-trainer`` as a person would, in a fresh process, against the store in ``home``."""
    env = {**os.environ, "CUE_TRAINER_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "cue_trainer", *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO
    )


def bgr(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
