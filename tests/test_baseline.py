"""Baseline: robust centre, gating of features seen too rarely, persistence."""
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from cue_trainer.baseline import Baseline
from cue_trainer.features import FEATURES, INDEX


def calibration(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = np.full((n, len(FEATURES)), np.nan)
    X[:, INDEX["present"]] = 1.0
    X[:, INDEX["nose_y"]] = 0.30 + rng.normal(0, 0.005, n)
    X[:, INDEX["eye_openness"]] = 0.30 + rng.normal(0, 0.01, n)
    return X


def test_a_few_odd_seconds_do_not_move_the_centre():
    X = calibration()
    X[:40, INDEX["nose_y"]] = 0.60  # 20 % of the window: leaning down to pick something up
    b = Baseline().fit(X)
    assert b["nose_y"] == pytest.approx(0.30, abs=0.005)
    naive = np.nanmean(X[:, INDEX["nose_y"]])
    assert abs(naive - 0.30) > 0.05  # the mean would have moved


def test_features_measured_too_rarely_have_no_centre():
    X = calibration()
    X[:, INDEX["hand_face_gap"]] = np.nan
    X[:10, INDEX["hand_face_gap"]] = 0.4  # seen in 5 % of the frames
    b = Baseline(min_valid_share=0.3).fit(X)
    assert np.isnan(b["hand_face_gap"])
    assert b.n_valid_[INDEX["hand_face_gap"]] == 10
    assert np.isnan(b["head_yaw_deg"])  # never measured


def test_json_round_trip_is_exact():
    b = Baseline().fit(calibration())
    again = Baseline.from_json(b.to_json())
    np.testing.assert_array_equal(again.center_, b.center_)
    np.testing.assert_array_equal(again.scale_, b.scale_)
    np.testing.assert_array_equal(again.transform(calibration(seed=1)), b.transform(calibration(seed=1)))


def test_use_before_fit_and_bad_shapes_raise():
    with pytest.raises(NotFittedError):
        Baseline().transform(calibration())
    with pytest.raises(ValueError, match=rf"X must have shape \(n_frames, {len(FEATURES)}\), but got shape \(5, 3\)"):
        Baseline().fit(np.zeros((5, 3)))
