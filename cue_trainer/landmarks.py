"""Landmark detection: MediaPipe Pose (full model) and FaceMesh (refined, with irises) on the CPU.

Owns: ``Landmarks`` (the typed result), the landmark index names, and ``LandmarkDetector``.
This is the only module that imports mediapipe, and it does so lazily so that importing the
names and types stays cheap. Imports: frames.
"""
from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from concurrent.futures import ThreadPoolExecutor
from enum import IntEnum
from operator import attrgetter

import numpy as np

from cue_trainer.frames import Frame

logger = logging.getLogger(__name__)

POSE_POINTS = 33
FACE_POINTS = 478  # 468 mesh points + 2 × 5 iris points (refine_landmarks=True)


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
    """

    t: float
    image_size: tuple[int, int]
    pose: np.ndarray = field(default_factory=lambda: np.empty((0, 4), np.float32))
    face: np.ndarray = field(default_factory=lambda: np.empty((0, 3), np.float32))

    def __post_init__(self) -> None:
        if self.pose.shape not in ((POSE_POINTS, 4), (0, 4)):
            raise ValueError(
                f"pose must be a np.ndarray with shape ({POSE_POINTS}, 4) or (0, 4), but got shape {self.pose.shape}"
            )
        if self.face.shape not in ((FACE_POINTS, 3), (0, 3)):
            raise ValueError(
                f"face must be a np.ndarray with shape ({FACE_POINTS}, 3) or (0, 3), but got shape {self.face.shape}"
            )
        w, h = self.image_size
        if w <= 0 or h <= 0:
            raise ValueError(f"image_size must be positive (width, height), but got {self.image_size}")

    @classmethod
    def empty(cls, t: float, image_size: tuple[int, int]) -> Landmarks:
        """No person in the frame."""
        return cls(t=t, image_size=image_size)

    @classmethod
    def from_mediapipe(cls, t: float, image_size: tuple[int, int], pose_result, face_result) -> Landmarks:
        """Build from the results of ``mediapipe.solutions`` Pose and FaceMesh ``process`` calls."""
        pose = np.empty((0, 4), np.float32)
        face = np.empty((0, 3), np.float32)
        if pose_result is not None and pose_result.pose_landmarks is not None:
            pose = _as_array(pose_result.pose_landmarks.landmark, _XYZV)
        if face_result is not None and face_result.multi_face_landmarks:
            points = face_result.multi_face_landmarks[0].landmark
            if len(points) == FACE_POINTS:  # refine_landmarks off gives 468: no irises, not usable
                face = _as_array(points, _XYZ)
        return cls(t=t, image_size=image_size, pose=pose, face=face)

    @property
    def has_pose(self) -> bool:
        return self.pose.shape[0] == POSE_POINTS

    @property
    def has_face(self) -> bool:
        return self.face.shape[0] == FACE_POINTS

    @property
    def is_empty(self) -> bool:
        return not (self.has_pose or self.has_face)


class LandmarkDetector:
    """MediaPipe Pose (``model_complexity=1``, the model bundled in the wheel) and FaceMesh with
    iris refinement, run on the CPU. Create one per stream and reuse it: the models track across
    frames.

    Args:
        static_images: treat every frame as unrelated (photos) instead of a video stream.
        face: also run FaceMesh (needed for head direction and eye openness).
        min_confidence: detection and tracking confidence for both models.
    """

    def __init__(self, *, static_images: bool = False, face: bool = True, min_confidence: float = 0.5) -> None:
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
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="facemesh")

    def detect(self, frame: Frame) -> Landmarks:
        """Landmarks of the most prominent person in ``frame`` (an empty result if there is none)."""
        rgb = np.ascontiguousarray(frame.rgb)
        if self._face is None:
            return Landmarks.from_mediapipe(frame.t, frame.size, self._pose.process(rgb), None)
        # The two graphs release the GIL while they run: on two cores they overlap.
        face_future = self._pool.submit(self._face.process, rgb)
        pose_result = self._pose.process(rgb)
        face_result = face_future.result()
        return Landmarks.from_mediapipe(frame.t, frame.size, pose_result, face_result)

    def close(self) -> None:
        self._pool.shutdown()
        self._pose.close()
        if self._face is not None:
            self._face.close()

    def __enter__(self) -> LandmarkDetector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
