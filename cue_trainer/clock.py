"""The session clock as people read it.

Owns: ``format_clock``, the one way a time or a length in seconds is written for people (CLI,
pages, captions), and ``local_time`` for stored timestamps. Imports: nothing of ours.
"""
from __future__ import annotations

import math


def format_clock(t: float | None) -> str:
    """Seconds as mm:ss, or h:mm:ss from an hour on ("--:--" for None or NaN); fractions are cut."""
    if t is None or not math.isfinite(t):
        return "--:--"
    t = int(max(0.0, t) + 1e-6)  # 1.9999999 (30 frames at 1/15 s) reads as 00:02
    h, m, s = t // 3600, t // 60 % 60, t % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def local_time(iso_utc: str | None) -> str:
    """A stored UTC timestamp (ISO 8601) as this computer's local date and time, to the minute."""
    if not iso_utc:
        return ""
    import datetime as dt

    return dt.datetime.fromisoformat(iso_utc).astimezone().strftime("%Y-%m-%d %H:%M")
