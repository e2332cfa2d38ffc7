"""Landmark detection: MediaPipe Pose (full model), FaceMesh (refined, with irises) and Hands (lite)
on the CPU.

Owns: ``Landmarks`` (the typed result), the landmark index names, ``LandmarkDetector`` and
``quiet_native_stderr``. This is the only module that imports mediapipe, and it does so lazily so
that importing the names and types stays cheap. Imports: frames.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from concurrent.futures import ThreadPoolExecutor
from enum import IntEnum
from operator import attrgetter

import numpy as np

from cue_trainer.frames import Frame

logger = logging.getLogger(__name__)

#: What MediaPipe's C++ side (absl, TFLite) prints straight to file descriptor 2 when its graphs
#: start or first see a person: notices, not errors. Nothing else is held back.
NATIVE_NOISE = re.compile(
    r"Created TensorFlow Lite XNNPACK delegate"
    r"|All log messages before absl::InitializeLog\(\) is called"
    r"|inference_feedback_manager\.cc:\d+\] Feedback manager requires a model with a single signature"
    r"|landmark_projection_calculator\.cc:\d+\] Using NORM_RECT without IMAGE_DIMENSIONS"
)
_quiet_lock = threading.Lock()
_quiet_depth = 0
_quiet_saved: int | None = None
_quiet_file = None


@contextlib.contextmanager
def quiet_native_stderr():
    """Hold back MediaPipe's C++ start-up notices (``NATIVE_NOISE``) while the block runs.

    The C++ side writes to file descriptor 2 directly, below Python. While any block is inside,
    descriptor 2 points to a temporary file; when the last one leaves, it is restored and every
    line captured that is not a known notice — a real error, or another thread's output — is
    written to the real stderr. Nests and is safe across threads (one redirection for all).
    """
    global _quiet_depth, _quiet_saved, _quiet_file
    with _quiet_lock:
        if _quiet_depth == 0:
            sys.stderr.flush()
            if _quiet_file is None:
                _quiet_file = tempfile.TemporaryFile()
            _quiet_saved = os.dup(2)
            os.dup2(_quiet_file.fileno(), 2)
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                sys.stderr.flush()
                os.dup2(_quiet_saved, 2)
                os.close(_quiet_saved)
                _quiet_file.seek(0)
                captured = _quiet_file.read().decode("utf-8", "replace")
                _quiet_file.seek(0)
                _quiet_file.truncate()
                kept = [line for line in captured.splitlines(keepends=True) if line.strip() and not NATIVE_NOISE.search(line)]
                if kept:
                    os.write(2, "".join(kept).encode())


POSE_POINTS = 33
FACE_POINTS = 478  # 468 mesh points + 2 × 5 iris points (refine_landmarks=True)
HAND_POINTS = 21
MAX_HANDS = 2
HAND_CONFIDENCE = 0.7
HANDS_TRACK_EVERY = 2
HANDS_SEARCH_EVERY = 5


class PoseLandmark(IntEnum):
    """MediaPipe Pose landmark indices (the same numbers as ``mediapipe.solutions.pose.PoseLandmark``).

    "Left" and "right" are the person's own, so LEFT_SHOULDER is on the image's right for a
    person facing the camera.
    """

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


class FaceLandmark(IntEnum):
    """The FaceMesh points the features use (canonical face model indices).

    "Right"/"left" are the person's own, as with PoseLandmark.
    """

    NOSE_TIP = 1
    FOREHEAD = 10
    CHIN = 152
    RIGHT_CHEEK = 234  # right edge of the face oval
    LEFT_CHEEK = 454
    RIGHT_EYE_OUTER = 33
    RIGHT_EYE_INNER = 133
    RIGHT_EYE_UPPER = 159
    RIGHT_EYE_LOWER = 145
    LEFT_EYE_INNER = 362
    LEFT_EYE_OUTER = 263
    LEFT_EYE_UPPER = 386
    LEFT_EYE_LOWER = 374
    RIGHT_IRIS = 468
    LEFT_IRIS = 473


#: The face mesh's outline (forehead, temples, cheeks, jaw, chin), in order around the face.
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)

_XYZ = attrgetter("x", "y", "z")
_XYZV = attrgetter("x", "y", "z", "visibility")


def _as_array(points, getter: attrgetter) -> np.ndarray:
    """Protobuf landmarks as float32 (n, k); C-level getters, as this runs on every frame."""
    width = 4 if getter is _XYZV else 3
    flat = np.fromiter(itertools.chain.from_iterable(map(getter, points)), np.float32, count=len(points) * width)
    return flat.reshape(-1, width)


@dataclass(frozen=True)
class Landmarks:
    """Pose and face landmarks of (at most) one person in one frame.

    Attributes:
        t: session clock, seconds.
        image_size: (width, height) in pixels of the analysed frame.
        pose: (33, 4) float32 of x, y (normalised to image width/height), z (MediaPipe's relative
            depth, in the x scale) and visibility (0..1); shape (0, 4) when no body was found.
        face: (478, 3) float32 of x, y (normalised) and z; shape (0, 3) when no face was found.
        hands: (k, 21, 3) float32 of x, y (normalised) and z for the k (0-2) hands found.
    """

    t: float
    image_size: tuple[int, int]
    pose: np.ndarray = field(default_factory=lambda: np.empty((0, 4), np.float32))
    face: np.ndarray = field(default_factory=lambda: np.empty((0, 3), np.float32))
    hands: np.ndarray = field(default_factory=lambda: np.empty((0, HAND_POINTS, 3), np.float32))

    def __post_init__(self) -> None:
        if self.pose.shape not in ((POSE_POINTS, 4), (0, 4)):
            raise ValueError(
                f"pose must be a np.ndarray with shape ({POSE_POINTS}, 4) or (0, 4), but got shape {self.pose.shape}"
            )
        if self.face.shape not in ((FACE_POINTS, 3), (0, 3)):
            raise ValueError(
                f"face must be a np.ndarray with shape ({FACE_POINTS}, 3) or (0, 3), but got shape {self.face.shape}"
            )
        if self.hands.ndim != 3 or self.hands.shape[1:] != (HAND_POINTS, 3) or self.hands.shape[0] > MAX_HANDS:
            raise ValueError(
                f"hands must be a np.ndarray with shape (k <= {MAX_HANDS}, {HAND_POINTS}, 3), but got shape {self.hands.shape}"
            )
        w, h = self.image_size
        if w <= 0 or h <= 0:
            raise ValueError(f"image_size must be positive (width, height), but got {self.image_size}")

    @classmethod
    def empty(cls, t: float, image_size: tuple[int, int]) -> Landmarks:
        """No person in the frame."""
        return cls(t=t, image_size=image_size)

    @classmethod
    def from_mediapipe(cls, t: float, image_size: tuple[int, int], pose_result, face_result, hands_result=None) -> Landmarks:
        """Build from the results of ``mediapipe.solutions`` Pose, FaceMesh and Hands ``process`` calls."""
        pose = np.empty((0, 4), np.float32)
        face = np.empty((0, 3), np.float32)
        if pose_result is not None and pose_result.pose_landmarks is not None:
            pose = _as_array(pose_result.pose_landmarks.landmark, _XYZV)
        if face_result is not None and face_result.multi_face_landmarks:
            points = face_result.multi_face_landmarks[0].landmark
            if len(points) == FACE_POINTS:  # refine_landmarks off gives 468: no irises, not usable
                face = _as_array(points, _XYZ)
        hands = np.empty((0, HAND_POINTS, 3), np.float32)
        if hands_result is not None and hands_result.multi_hand_landmarks:
            found = [_as_array(h.landmark, _XYZ) for h in hands_result.multi_hand_landmarks[:MAX_HANDS]]
            found = [h for h in found if h.shape == (HAND_POINTS, 3)]
            if found:
                hands = np.stack(found)
        return cls(t=t, image_size=image_size, pose=pose, face=face, hands=hands)

    @property
    def has_pose(self) -> bool:
        return self.pose.shape[0] == POSE_POINTS

    @property
    def has_face(self) -> bool:
        return self.face.shape[0] == FACE_POINTS

    @property
    def has_hands(self) -> bool:
        return self.hands.shape[0] > 0

    @property
    def is_empty(self) -> bool:
        return not (self.has_pose or self.has_face)


class LandmarkDetector:
    """MediaPipe Pose (``model_complexity=1``, the model bundled in the wheel), FaceMesh with
    iris refinement and Hands (``model_complexity=0``, bundled), run on the CPU. Create one per
    stream and reuse it: the models track across frames.

    Args:
        static_images: treat every frame as unrelated (photos) instead of a video stream.
        face: also run FaceMesh (needed for head direction, gaze, eye openness and hands at the face).
        hands: also run Hands (needed for a hand at the face when the body model cannot see the
            hand, as in a head-and-shoulders close-up); only with ``face``.
        min_confidence: detection and tracking confidence for the models.
    """

    def __init__(self, *, static_images: bool = False, face: bool = True, hands: bool = True,
                 min_confidence: float = 0.5) -> None:
        # The graphs start their threads in the constructor and print their notices from there, a
        # little later; hold them back from now until the models have seen a person (or 10 s).
        self._start_quiet = contextlib.ExitStack()
        self._start_quiet.enter_context(quiet_native_stderr())
        self._quiet_until = time.monotonic() + 10.0
        self._create(static_images, face, hands and face, min_confidence)
        self._frames = 0
        self._static = static_images  # photos are unrelated to each other: every one is searched
        self._next_hands = 1
        self._last_hands = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="facemesh")

    def _create(self, static_images: bool, face: bool, hands: bool, min_confidence: float) -> None:
        import mediapipe as mp  # heavy (~1 s); only this module imports it

        self._pose = mp.solutions.pose.Pose(
            static_image_mode=static_images,
            model_complexity=1,  # 0 and 2 are downloaded at run time, which cannot work offline
            smooth_landmarks=True,
            min_detection_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
        )
        self._face = (
            mp.solutions.face_mesh.FaceMesh(
                static_image_mode=static_images,
                max_num_faces=1,
                refine_landmarks=True,
                min_detection_confidence=min_confidence,
                min_tracking_confidence=min_confidence,
            )
            if face
            else None
        )
        self._hands = (
            mp.solutions.hands.Hands(
                static_image_mode=static_images,
                max_num_hands=MAX_HANDS,
                model_complexity=0,  # the lite model: half the time of the full one, and enough near the face
                # At 0.5 the palm detector finds "hands" in shirts and sweaters under the chin (two
                # false hand-at-face episodes on the calm evaluation clips); real ones score 0.8-0.98.
                min_detection_confidence=max(min_confidence, HAND_CONFIDENCE),
                min_tracking_confidence=max(min_confidence, HAND_CONFIDENCE),
            )
            if hands
            else None
        )

    def detect(self, frame: Frame) -> Landmarks:
        """Landmarks of the most prominent person in ``frame`` (an empty result if there is none)."""
        # The graphs print more notices when they first see a person.
        with quiet_native_stderr():
            lm = self._detect(frame)
        if (lm.has_pose and lm.has_face) or time.monotonic() > self._quiet_until:
            self._start_quiet.close()
        return lm

    def _detect(self, frame: Frame) -> Landmarks:
        rgb = np.ascontiguousarray(frame.rgb)
        if self._face is None:
            return Landmarks.from_mediapipe(frame.t, frame.size, self._pose.process(rgb), None)
        # The graphs release the GIL while they run: on two cores the face mesh overlaps the body
        # and hand models.
        face_future = self._pool.submit(self._face.process, rgb)
        pose_result = self._pose.process(rgb)
        # Hands cost half as much as the other two models together, most of it in the search for a
        # palm while no hand is in view: they run on every other frame while they follow a hand, on
        # every fifth while they look for one. The frames between repeat the last result.
        self._frames += 1
        if self._hands is not None and self._frames >= self._next_hands:
            self._last_hands = self._hands.process(rgb)
            found = bool(self._last_hands.multi_hand_landmarks)
            self._next_hands = self._frames + (1 if self._static else HANDS_TRACK_EVERY if found else HANDS_SEARCH_EVERY)
        face_result = face_future.result()
        return Landmarks.from_mediapipe(frame.t, frame.size, pose_result, face_result, self._last_hands)

    def close(self) -> None:
        self._start_quiet.close()
        self._pool.shutdown()
        self._pose.close()
        for graph in (self._face, self._hands):
            if graph is not None:
                graph.close()

    def __enter__(self) -> LandmarkDetector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
