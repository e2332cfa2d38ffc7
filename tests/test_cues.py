"""Cue engine: the rule on hand-built streams, streaming == batch, gating on missing data."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cue_trainer.baseline import Baseline
from cue_trainer.catalogue import BY_ID, CUE_IDS
from cue_trainer.cues import CUE_INDEX, CueEngine, CueEvent, cue_signals, detect_events
from cue_trainer.features import FEATURES, INDEX, FeatureFrame
from cue_trainer.profiles import default_profile, fitting_hysteresis

PROFILE = default_profile()


def baseline(**centres) -> Baseline:
    """A fitted baseline with the given centres (others NaN)."""
    b = Baseline()
    b.center_ = np.full(len(FEATURES), np.nan)
    for name, v in centres.items():
        b.center_[INDEX[name]] = v
    b.scale_ = np.zeros(len(FEATURES))
    b.n_valid_ = np.full(len(FEATURES), 100)
    b.n_frames_ = 100
    return b


def stream(**columns) -> tuple[np.ndarray, np.ndarray]:
    """(t, X) at 10 fps from per-feature lists; present = 1 unless given."""
    n = len(next(iter(columns.values())))
    X = np.full((n, len(FEATURES)), np.nan)
    X[:, INDEX["present"]] = 1.0
    for name, values in columns.items():
        X[:, INDEX[name]] = values
    return np.arange(n) / 10.0, X


def run_streaming(t, X, b, profile=PROFILE):
    engine = CueEngine(profile, b)
    events, confirmed = [], []
    for ti, row in zip(t, X):
        u = engine.step(FeatureFrame(float(ti), row))
        events.extend(u.ended)
        confirmed.extend((c, u.t) for c in u.confirmed)
    return events + engine.finish(), confirmed


HEAD = baseline(nose_y=0.3, shoulder_y=0.5, body_scale=0.4)
# Signal of slumped_posture: mean drop of nose and shoulders in shoulder widths (0.4 here).


def slump(drops_sw):
    d = np.array(drops_sw) * 0.4
    return stream(nose_y=0.3 + d, shoulder_y=0.5 + d, body_scale=np.full(len(d), 0.4))


@pytest.mark.parametrize(
    "drops, expected",
    [
        # 4 s over the threshold (0.25) after 2 s steady: one episode, confirmed after 3 s.
        ([0.0] * 20 + [0.4] * 40 + [0.0] * 20, [("slumped_posture", 2.0, 6.0, 5.0, 0.4)]),
        # Only 2 s over: shorter than min_duration_s (3 s), dropped.
        ([0.0] * 20 + [0.4] * 20 + [0.0] * 20, []),
        # Dips to 0.2 (inside the hysteresis band 0.17..0.25) do not end it.
        ([0.0] * 10 + ([0.4] * 10 + [0.2] * 10) * 3 + [0.0] * 10, [("slumped_posture", 1.0, 7.0, 4.0, 0.4)]),
        # A drop below 0.17 for 0.1 s, shorter than the bridge (1 s): one change, one episode.
        ([0.0] * 10 + [0.4] * 35 + [0.1] + [0.4] * 10 + [0.0] * 5, [("slumped_posture", 1.0, 5.6, 4.0, 0.4)]),
        # Two short rises 0.5 s apart make one episode long enough to count, confirmed after the dip.
        ([0.0] * 10 + [0.4] * 20 + [0.0] * 5 + [0.4] * 20 + [0.0] * 5, [("slumped_posture", 1.0, 5.5, 4.0, 0.4)]),
        # A drop for 1.5 s (longer than the bridge) ends it; the second part is too short on its own.
        ([0.0] * 10 + [0.4] * 35 + [0.1] * 15 + [0.4] * 10 + [0.0] * 5, [("slumped_posture", 1.0, 4.5, 4.0, 0.4)]),
        # Still on at the end of the stream: closed at the last frame.
        ([0.0] * 10 + [0.5] * 40, [("slumped_posture", 1.0, 4.9, 4.0, 0.5)]),
    ],
)
def test_threshold_hysteresis_and_min_duration(drops, expected):
    t, X = slump(drops)
    events = detect_events(t, X, HEAD, PROFILE)
    got = [(e.cue, round(e.start_s, 6), round(e.end_s, 6), round(e.confirmed_s, 6), round(e.peak, 6)) for e in events]
    assert got == expected
    assert run_streaming(t, X, HEAD)[0] == events


def test_nan_ends_an_episode_and_is_unknown_with_a_reason():
    t, X = slump([0.0] * 10 + [0.4] * 40 + [0.0] * 10)
    X[45:, INDEX["nose_y"]] = np.nan  # the head leaves the picture but the person is there
    events = detect_events(t, X, HEAD, PROFILE)
    assert [(e.cue, e.start_s, e.end_s, e.confirmed_s) for e in events] == [("slumped_posture", 1.0, 4.5, 4.0)]
    engine = CueEngine(PROFILE, HEAD)
    states = [engine.step(FeatureFrame(float(ti), row)).states["slumped_posture"] for ti, row in zip(t, X)]
    assert states[-1].status == "unknown"
    assert states[-1].reason == "can't see head and shoulders"


def test_below_direction_cue_fires_when_the_hand_comes_close():
    t, X = stream(hand_face_gap=[1.5] * 10 + [0.0] * 20 + [1.5] * 10)
    events = detect_events(t, X, baseline(), PROFILE)
    assert [(e.cue, e.start_s, e.end_s, e.peak) for e in events] == [("face_touching", 1.0, 3.0, 0.0)]


def test_missing_baseline_value_makes_the_cue_unknown_with_that_reason():
    engine = CueEngine(PROFILE, baseline())  # nothing calibrated
    u = engine.step(FeatureFrame(0.0, stream(nose_y=[0.3])[1][0]))
    assert u.states["slumped_posture"].status == "unknown"
    assert "no baseline" in u.states["slumped_posture"].reason


def test_features_with_nothing_measured_produce_no_cue():
    """A person in view but every feature NaN: nothing can be asserted, so no events at all."""
    t, X = stream(nose_y=[np.nan] * 300)
    b = baseline(**{n: 0.5 for n in FEATURES})
    assert detect_events(t, X, b, PROFILE) == []
    assert np.isnan(np.delete(cue_signals(X, b.center_), CUE_INDEX["out_of_view"], axis=1)).all()


def test_nobody_in_view_is_out_of_view_and_nothing_else():
    t, X = stream(present=[1.0] * 10 + [0.0] * 40 + [1.0] * 10)
    events = detect_events(t, X, baseline(**{n: 0.5 for n in FEATURES}), PROFILE)
    assert [(e.cue, e.start_s, e.end_s) for e in events] == [("out_of_view", 1.0, 5.0)]


# -- streaming == batch ------------------------------------------------------------------------

_value = st.one_of(st.floats(-3, 3), st.just(math.nan))


@st.composite
def feature_streams(draw):
    n = draw(st.integers(1, 120))
    steps = draw(st.lists(st.floats(0.01, 0.5), min_size=n, max_size=n))
    t = np.cumsum(steps)
    # Piecewise-constant runs make crossings and long episodes likely; NaN runs test gating.
    X = np.empty((n, len(FEATURES)))
    for j in range(len(FEATURES)):
        i = 0
        while i < n:
            run = draw(st.integers(1, 30))
            X[i : i + run, j] = draw(_value)
            i += run
    X[:, INDEX["present"]] = np.where(np.isnan(X[:, INDEX["present"]]) | (X[:, INDEX["present"]] > -2), 1.0, 0.0)
    centre = np.array([draw(st.one_of(st.floats(0.05, 1), st.just(math.nan))) for _ in FEATURES])
    return t, X, centre


@st.composite
def profiles(draw):
    p = PROFILE
    for cue in CUE_IDS:
        lo, hi = BY_ID[cue].threshold_range
        threshold = draw(st.floats(lo, hi))
        p = p.with_cue(
            cue,
            threshold=threshold,
            # A hysteresis the profile check accepts (under the threshold of a cue that fires above it).
            hysteresis=fitting_hysteresis(cue, threshold, draw(st.floats(0, hi / 2))),
            min_duration_s=draw(st.sampled_from([0.0, 0.3, 1.0, 3.0])),
            bridge_s=draw(st.sampled_from([0.0, 0.25, 1.0, 1.5])),
            enabled=draw(st.booleans()) or cue == "slumped_posture",
        )
    return p


@settings(max_examples=150, deadline=None)
@given(data=feature_streams(), profile=profiles())
def test_streaming_and_batch_give_identical_events(data, profile):
    t, X, centre = data
    b = baseline()
    b.center_ = centre
    streamed, confirmed = run_streaming(t, X, b, profile)
    batch = detect_events(t, X, b, profile)
    assert streamed == batch
    # The streaming engine confirms each episode exactly when the batch event says it was confirmed.
    assert sorted(confirmed) == sorted((e.cue, e.confirmed_s) for e in batch)
    for e in batch:
        assert isinstance(e, CueEvent) and e.start_s <= e.confirmed_s <= e.end_s
