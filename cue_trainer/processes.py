"""Which process wrote something, and whether it still runs: how a session left "recording" by a
killed process, or an upload folder it left, is told from one still being written.

Owns: ``process_started`` and ``process_alive``. Imports: nothing of ours.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path


def process_started(pid: int) -> str | None:
    """When a process started, as an opaque token (Linux: its start time in clock ticks since boot),
    or None where the system does not say. Together with the id it names one process: ids are reused."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def process_alive(pid: int | None, host: str | None, started: str | None = None) -> bool:
    """Whether the process that owns a session still runs (same host, same id, same start time)."""
    if pid is None or host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return True  # no /proc here: the id alone has to do
    # A zombie (killed, not yet reaped) still answers kill(0); it records nothing any more. A
    # process with another start time is another program that got the same id.
    return fields[0] != "Z" and (started is None or fields[19] == started)
