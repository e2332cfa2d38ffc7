"""Real MediaPipe models on real photos."""
import hashlib

import numpy as np
import pytest

from cue_trainer.frames import Frame
from cue_trainer.detector import (FACE_MODEL, HAND_MODEL, MODELS_DIR, POSE_MODEL, LandmarkDetector, ModelError,
                                  read_model)
from cue_trainer.landmarks import BLENDSHAPES, FACE_POINTS, POSE_POINTS, Landmarks, PoseLandmark


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
    from mediapipe.tasks.python.vision.pose_landmarker import PoseLandmark as Tasks

    assert {p.name: p.value for p in PoseLandmark} == {p.name: p.value for p in Tasks}


def test_the_face_model_gives_the_blendshapes_in_the_order_we_name_them(astronaut):
    from mediapipe import Image, ImageFormat
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.FaceLandmarkerOptions(base_options=BaseOptions(model_asset_buffer=read_model(FACE_MODEL)),
                                           output_face_blendshapes=True)
    with vision.FaceLandmarker.create_from_options(options) as face:
        result = face.detect(Image(image_format=ImageFormat.SRGB, data=np.ascontiguousarray(astronaut)))
    assert tuple(c.category_name for c in result.face_blendshapes[0]) == BLENDSHAPES


def test_the_astronaut_looks_at_the_camera_with_open_eyes_in_the_blendshapes(detector, astronaut):
    lm = detector.detect(Frame(0.0, astronaut))
    shapes = dict(zip(BLENDSHAPES, lm.blendshapes))
    assert shapes["eyeBlinkLeft"] < 0.3 and shapes["eyeBlinkRight"] < 0.3
    assert lm.others == 0


# --- the shipped models ------------------------------------------------------------------------


@pytest.mark.parametrize("model", [POSE_MODEL, FACE_MODEL, HAND_MODEL], ids=lambda m: m.file)
def test_each_shipped_model_has_its_published_size_and_sha256(model):
    data = model.path.read_bytes()
    assert len(data) == model.size
    assert hashlib.sha256(data).hexdigest() == model.sha256
    notice = (MODELS_DIR / "NOTICE").read_text()
    assert model.file in notice and model.sha256 in notice and f"{model.size:,}" in notice
    assert "Apache License, Version 2.0" in notice


@pytest.mark.slow
def test_the_wheel_carries_the_models_and_their_notice(tmp_path):
    """What a user installs: the built wheel holds both models, byte for byte, and the NOTICE."""
    import shutil
    import subprocess
    import sys
    import zipfile

    # Built from a copy, so that setuptools' build/ folder does not land in the checkout.
    repo, src = MODELS_DIR.parents[1], tmp_path / "src"
    shutil.copytree(repo / "cue_trainer", src / "cue_trainer", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repo / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = tmp_path.glob("cue_trainer-*.whl")
    with zipfile.ZipFile(wheel) as z:
        for model in (POSE_MODEL, FACE_MODEL, HAND_MODEL):
            assert hashlib.sha256(z.read(f"cue_trainer/models/{model.file}")).hexdigest() == model.sha256
        assert "Apache License, Version 2.0" in z.read("cue_trainer/models/NOTICE").decode()


def test_a_damaged_model_file_is_one_sentence_naming_it(tmp_path, monkeypatch):
    import cue_trainer.detector as detector

    bad = tmp_path / POSE_MODEL.file
    bad.write_bytes(POSE_MODEL.path.read_bytes()[:-1] + b"x")
    monkeypatch.setattr(detector, "MODELS_DIR", tmp_path)
    with pytest.raises(ModelError) as e:
        LandmarkDetector()
    assert str(e.value) == (f"The model file {bad} is not the one cue-trainer ships (its size or checksum differs); "
                            "reinstall cue-trainer.")
    bad.unlink()
    with pytest.raises(ModelError, match=r"^The model file .* cannot be read \(No such file or directory\); "
                                         r"reinstall cue-trainer\.$"):
        LandmarkDetector()


def test_loading_and_running_the_models_opens_no_network_connection(astronaut, monkeypatch):
    """Every way of opening a connection raises while the models load and run: nothing is fetched."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"a network connection was attempted: {args!r}")

    for name in ("connect", "connect_ex", "sendto", "bind"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    with LandmarkDetector() as d:
        lm = d.detect(Frame(0.0, np.ascontiguousarray(astronaut)))
    assert lm.has_pose and lm.has_face


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
