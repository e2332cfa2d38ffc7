"""Features: real photos, hand-built landmarks, geometry properties, missing data."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cue_trainer.features import ABSENCE_CODE, FEATURES, INDEX, FeatureExtractor, frame_features
from cue_trainer.frames import Frame
from tests.builders import SIZE, UPRIGHT, face_from, pose_from
from cue_trainer.detector import LandmarkDetector
from cue_trainer.landmarks import ABSENCES, FACE_POINTS, POSE_POINTS, Landmarks

ASPECT = SIZE[0] / SIZE[1]


@pytest.fixture(scope="module")
def astronaut_features(astronaut):
    with LandmarkDetector(static_images=True) as d:
        lm = d.detect(Frame(0.0, astronaut))
    return frame_features(lm)


@pytest.mark.parametrize(
    "name, low, high",
    [
        ("present", 1.0, 1.0),
        ("body_scale", 0.25, 0.6),  # shoulders span a third to a half of the frame
        ("nose_y", 0.15, 0.35),
        ("shoulder_y", 0.4, 0.6),
        ("shoulder_tilt_deg", -15, 15),  # sitting upright
        ("ear_shoulder", 0.4, 1.0),
        ("head_yaw_deg", -20, 20),  # roughly facing the camera
        ("head_pitch_deg", -20, 25),
        ("eye_openness", 0.2, 0.5),  # eyes open
    ],
)
def test_astronaut_features_are_plausible(astronaut_features, name, low, high):
    assert low <= astronaut_features[INDEX[name]] <= high


def test_astronaut_hands_are_not_reliable_so_hand_face_is_nan(astronaut_features):
    # The hands are at the photo's bottom edge with low visibility: unknown, not guessed.
    assert math.isnan(astronaut_features[INDEX["hand_face_gap"]])


def test_empty_landmarks_give_not_present_and_nan():
    values = frame_features(Landmarks.empty(0.0, SIZE))
    assert values[INDEX["present"]] == 0.0 and values[INDEX["others_in_view"]] == 0.0
    assert np.isnan(np.delete(values, [INDEX["present"], INDEX["others_in_view"]])).all()


def test_someone_else_in_view_is_counted_while_the_partner_is_not_described():
    values = frame_features(Landmarks.empty(0.0, SIZE, others=1))
    assert values[INDEX["present"]] == 0.0 and values[INDEX["others_in_view"]] == 1.0


def test_why_the_partner_is_not_in_view_is_a_code_and_a_chosen_partner_is_0():
    codes = [frame_features(Landmarks.empty(0.0, SIZE, others=1, absence=why))[INDEX["partner_absence"]]
             for why in ABSENCES]
    assert codes == [ABSENCE_CODE[why] for why in ABSENCES] == [1.0, 2.0, 3.0]
    assert frame_features(Landmarks(0.0, SIZE, face=face_from()))[INDEX["partner_absence"]] == 0.0
    with pytest.raises(ValueError, match="absence must be one of"):
        Landmarks.empty(0.0, SIZE, absence="away")


def test_body_ratios_in_shoulder_widths_and_no_hand_gap_without_a_face():
    values = frame_features(Landmarks(0.0, SIZE, pose=pose_from(UPRIGHT)))
    sw = 0.24 * ASPECT
    assert math.isnan(values[INDEX["hand_face_gap"]])  # measured to the face's outline: needs the face
    assert values[INDEX["ear_shoulder"]] == pytest.approx(0.24 / sw)
    assert values[INDEX["body_scale"]] == pytest.approx(sw)


def _transform(points, angle_deg, scale, dx, dy):
    """Rotate, scale and shift points in an undistorted frame (x in image heights)."""
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    out = {}
    for p, (x, y) in points.items():
        x0, y0 = (x - 0.5) * ASPECT, y - 0.5
        out[p] = ((scale * (c * x0 - s * y0)) / ASPECT + 0.5 + dx, scale * (s * x0 + c * y0) + 0.5 + dy)
    return out


@settings(max_examples=200, deadline=None)
@given(
    angle=st.floats(-80, 80),
    scale=st.floats(0.3, 1.5),
    dx=st.floats(-0.1, 0.1),
    dy=st.floats(-0.1, 0.1),
)
def test_body_ratios_do_not_change_with_camera_distance_rotation_or_position(angle, scale, dx, dy):
    base = frame_features(Landmarks(0.0, SIZE, pose=pose_from(UPRIGHT)))
    moved = frame_features(Landmarks(0.0, SIZE, pose=pose_from(_transform(UPRIGHT, angle, scale, dx, dy))))
    for name in ("ear_shoulder",):
        assert moved[INDEX[name]] == pytest.approx(base[INDEX[name]], rel=1e-4, abs=1e-4)
    assert moved[INDEX["body_scale"]] == pytest.approx(scale * base[INDEX["body_scale"]], rel=1e-4)
    assert moved[INDEX["shoulder_tilt_deg"]] == pytest.approx(base[INDEX["shoulder_tilt_deg"]] + angle, abs=1e-3)


@settings(max_examples=300, deadline=None)
@given(
    pose=st.one_of(
        st.just(np.empty((0, 4), np.float32)),
        st.lists(
            st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=POSE_POINTS * 4, max_size=POSE_POINTS * 4
        ).map(lambda v: np.array(v, np.float32).reshape(POSE_POINTS, 4)),
    ),
    nan_face=st.booleans(),
    have_face=st.booleans(),
)
def test_missing_or_nan_landmarks_never_raise(pose, nan_face, have_face):
    face = np.empty((0, 3), np.float32)
    if have_face:
        face = np.random.default_rng(0).random((FACE_POINTS, 3)).astype(np.float32)
        if nan_face:
            face[::7] = np.nan
    extractor = FeatureExtractor()
    for t in (0.0, 0.1):
        ff = extractor.step(Landmarks(t, SIZE, pose=pose, face=face))
        assert ff.values.shape == (len(FEATURES),)
        assert ff["present"] in (0.0, 1.0)
        assert not np.isinf(ff.values).any()


def test_windowed_features_are_causal():
    """A frame's motion depends only on frames up to it: appending the future changes nothing."""
    rng = np.random.default_rng(1)
    stream = []
    for i in range(60):
        jitter = {p: (x + rng.normal(0, 0.01), y + rng.normal(0, 0.01)) for p, (x, y) in UPRIGHT.items()}
        stream.append(Landmarks(i / 10, SIZE, pose=pose_from(jitter)))
    ex = FeatureExtractor()
    short = [ex.step(lm) for lm in stream[:30]]
    ex = FeatureExtractor()
    full = [ex.step(lm) for lm in stream]
    np.testing.assert_array_equal(np.array([f.values for f in short]), np.array([f.values for f in full[:30]]))
    motion = np.array([f["motion"] for f in full])
    assert np.isnan(motion[:10]).all()  # less than half a 3 s window of history
    assert np.isfinite(motion[20:]).all() and (motion[20:] > 0).all()


def test_still_person_has_near_zero_motion_and_moving_one_does_not():
    still, moving = FeatureExtractor(), FeatureExtractor()
    for i in range(40):
        t = i / 10
        still_ff = still.step(Landmarks(t, SIZE, pose=pose_from(UPRIGHT)))
        shifted = {p: (x + 0.02 * math.sin(i), y) for p, (x, y) in UPRIGHT.items()}
        moving_ff = moving.step(Landmarks(t, SIZE, pose=pose_from(shifted)))
    assert still_ff["motion"] == 0.0
    assert moving_ff["motion"] > 0.2  # shoulder widths per second
