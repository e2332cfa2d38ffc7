"""The read model of a stored session (cue_trainer/recording.py): its practice stretches, and
what a damaged or unfinished segment leaves of them."""
from __future__ import annotations

import math

import numpy as np

from cue_trainer.baseline import Baseline
from cue_trainer.features import FEATURES
from cue_trainer.records import Segment
from cue_trainer.recording import spans, stretches_of


def baseline_json(level: float) -> str:
    X = np.full((30, len(FEATURES)), level) + np.random.default_rng(0).normal(0, 0.01, (30, len(FEATURES)))
    return Baseline().fit(X).to_json()


def bounds(stretches) -> list[tuple[float, float]]:
    return [(s.start_s, s.end_s) for s in stretches]


def test_a_calibration_starts_a_stretch_that_runs_to_the_end():
    (s,) = stretches_of([Segment("calibration", 0.0, 5.0, baseline_json(1.0))])
    assert (s.start_s, s.end_s) == (5.0, math.inf)
    assert np.allclose(s.baseline.center_, 1.0, atol=0.05)


def test_a_pause_splits_the_stretch_and_a_recalibration_brings_its_own_baseline():
    segments = [Segment("calibration", 0.0, 5.0, baseline_json(1.0)), Segment("pause", 10.0, 14.0),
                Segment("calibration", 20.0, 25.0, baseline_json(2.0))]
    stretches = stretches_of(segments)
    assert bounds(stretches) == [(5.0, 10.0), (14.0, 20.0), (25.0, math.inf)]
    assert stretches[1].baseline is stretches[0].baseline  # after the pause: the same baseline
    assert np.allclose(stretches[2].baseline.center_, 2.0, atol=0.05)


def test_nothing_is_a_stretch_before_a_baseline_or_after_an_unfinished_pause():
    assert stretches_of([]) == []
    assert stretches_of([Segment("pause", 1.0, 2.0)]) == []  # a pause before any calibration
    assert stretches_of([Segment("calibration", 0.0, None, None)]) == []  # the session ended while calibrating
    segments = [Segment("calibration", 0.0, 5.0, baseline_json(1.0)), Segment("pause", 10.0, None)]
    assert bounds(stretches_of(segments)) == [(5.0, 10.0)]  # it ended paused


def test_a_damaged_baseline_leaves_only_its_own_stretch_unscored(caplog):
    segments = [Segment("calibration", 0.0, 5.0, "{not json"), Segment("pause", 10.0, 12.0),
                Segment("calibration", 20.0, 25.0, baseline_json(2.0))]
    assert bounds(stretches_of(segments)) == [(25.0, math.inf)]
    assert "not scored" in caplog.text


def test_spans_end_where_the_state_changes_or_at_the_last_frame():
    t = np.arange(10) * 0.5
    mask = np.array([0, 1, 1, 0, 0, 1, 1, 1, 0, 1], bool)
    assert spans(t, mask) == [(0.5, 1.5), (2.5, 4.0), (4.5, 4.5)]
    assert spans(t, np.zeros(10, bool)) == []
