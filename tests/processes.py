"""Running the project's programs as a person would: in a fresh process, against a given store."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, home: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``cue-trainer`` in a fresh process against the store in ``home``."""
    env = {**os.environ, "CUE_TRAINER_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "cue_trainer", *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO
    )


def run_script(script: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run one of ``pipelines/`` in a fresh process (``script`` relative to the repository)."""
    return subprocess.run([sys.executable, script, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)


def fill_up(folder: Path) -> Path:
    """Write a file into ``folder`` until its disk is full (a small tmpfs); returns the file, whose
    removal makes room again."""
    filler = folder / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:  # no space left
            pass
    return filler
