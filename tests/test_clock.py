"""The session clock as people read it (cue_trainer/clock.py)."""
from __future__ import annotations

import math
import os
import time

import pytest

from cue_trainer.clock import format_clock, local_time


@pytest.mark.parametrize("t, shown", [
    (0.0, "00:00"),
    (59.999, "00:59"),  # fractions are cut, never rounded up to the next second
    (30 * (1 / 15), "00:02"),  # 1.9999999 after 30 frames at 1/15 s reads as 00:02
    (61.5, "01:01"),
    (3599.9, "59:59"),
    (3600.0, "1:00:00"),
    (3725.0, "1:02:05"),
    (36_000.0, "10:00:00"),  # a 10-hour video
    (-0.4, "00:00"),  # a clock never reads negative
    (None, "--:--"),
    (math.nan, "--:--"),
    (math.inf, "--:--"),
])
def test_format_clock(t, shown):
    assert format_clock(t) == shown


def test_local_time_is_this_computers_time_to_the_minute(monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    try:
        assert local_time("2026-07-01T23:30:59+00:00") == "2026-07-02 11:30"  # NZST, UTC+12
        assert local_time("2026-01-01T23:30:00+00:00") == "2026-01-02 12:30"  # NZDT, UTC+13
        assert local_time(None) == local_time("") == ""
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert "TZ" not in os.environ
