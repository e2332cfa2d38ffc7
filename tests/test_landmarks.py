"""Real MediaPipe models on real photos."""
import numpy as np
import pytest

from cue_trainer.frames import Frame
from cue_trainer.landmarks import FACE_POINTS, POSE_POINTS, LandmarkDetector, Landmarks, PoseLandmark


@pytest.fixture(scope="module")
def detector():
    with LandmarkDetector(static_images=True) as d:
        yield d


def test_pose_and_face_found_on_the_astronaut(detector, astronaut):
    lm = detector.detect(Frame(0.0, astronaut))
    assert lm.pose.shape == (POSE_POINTS, 4)
    assert lm.face.shape == (FACE_POINTS, 3)
    assert lm.image_size == (512, 512)
    # Head above shoulders, shoulders on either side of the nose, all clearly visible.
    nose, ls, rs = lm.pose[PoseLandmark.NOSE], lm.pose[PoseLandmark.LEFT_SHOULDER], lm.pose[PoseLandmark.RIGHT_SHOULDER]
    assert nose[1] < ls[1] and nose[1] < rs[1]
    assert rs[0] < nose[0] < ls[0]
    assert min(nose[3], ls[3], rs[3]) > 0.9
    # The face mesh sits around the pose's nose.
    assert np.hypot(*(lm.face[1, :2] - nose[:2])) < 0.05


def test_a_photo_without_a_person_gives_an_empty_result(detector, no_person):
    lm = detector.detect(Frame(0.0, np.ascontiguousarray(no_person)))
    assert lm.is_empty
    assert lm.pose.shape == (0, 4) and lm.face.shape == (0, 3)


def test_landmark_names_match_mediapipe():
    import mediapipe as mp

    assert {p.name: p.value for p in PoseLandmark} == {p.name: p.value for p in mp.solutions.pose.PoseLandmark}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"pose": np.zeros((17, 4), np.float32)}, r"pose must be .* \(33, 4\) .* got shape \(17, 4\)"),  # wrong count
        ({"face": np.zeros((468, 3), np.float32)}, r"face must be .* got shape \(468, 3\)"),  # mesh without iris
        ({"image_size": (0, 480)}, r"image_size must be positive"),
    ],
)
def test_landmarks_reject_wrong_shapes(kwargs, message):
    args = {"t": 0.0, "image_size": (640, 480), **kwargs}
    with pytest.raises(ValueError, match=message):
        Landmarks(**args)
