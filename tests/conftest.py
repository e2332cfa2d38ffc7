"""Shared fixtures: real photos, synthetic clips made from them, a real store in a temp folder."""
from __future__ import annotations

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
