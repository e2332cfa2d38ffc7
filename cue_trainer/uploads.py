"""Uploads: the temporary folder an uploaded video is analysed in, and the clean-up of those that a
killed process left behind.

Owns: ``UPLOAD_PREFIX``, ``upload_folder`` and ``remove_stale_uploads``. Imports: processes.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
from pathlib import Path

from cue_trainer.processes import process_alive, process_started

UPLOAD_PREFIX = "cue-trainer-upload-"


@contextlib.contextmanager
def upload_folder():
    """A temporary folder for an uploaded video while it is analysed, deleted afterwards. Its name
    carries this process's id and start time, so that a later run can remove it if this process is
    killed before it could (``remove_stale_uploads``)."""
    prefix = f"{UPLOAD_PREFIX}{os.getpid()}-{process_started(os.getpid()) or 0}-"
    with tempfile.TemporaryDirectory(prefix=prefix) as d:
        yield Path(d)


def remove_stale_uploads(folder: str | os.PathLike | None = None) -> list[Path]:
    """Delete upload folders left by processes that no longer run (killed during an analysis);
    returns what was removed."""
    removed = []
    for d in Path(folder or tempfile.gettempdir()).glob(f"{UPLOAD_PREFIX}*"):
        try:
            pid, started = d.name[len(UPLOAD_PREFIX):].split("-")[:2]
            alive = process_alive(int(pid), socket.gethostname(), None if started == "0" else started)
        except ValueError:
            continue  # not one of ours after all
        if d.is_dir() and not alive:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed
