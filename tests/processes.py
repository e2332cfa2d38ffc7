"""Running the project's programs as a person would: in a fresh process, against a given store."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


def one_sentence(out: subprocess.CompletedProcess, pattern: str) -> None:
    """Exit status 2, one line on stderr matching ``pattern``, no traceback."""
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert re.search(pattern, lines[0]), lines[0]


def loaded(pid: int, library: str) -> bool:
    """Whether process ``pid`` has a shared library whose path contains ``library`` mapped."""
    try:
        return library in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def analysing(home: Path, n: int) -> bool:
    """Whether ``n`` sessions of the store in ``home`` have frames stored (their processes are analysing)."""
    from cue_trainer.store import SessionStore

    try:
        return sum(s.frames > 0 for s in SessionStore(home).sessions()) >= n
    except Exception:  # the store is still being created
        return False
