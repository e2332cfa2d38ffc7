"""Landmark types and names: what the models found in a frame, as typed arrays.

Owns: ``Landmarks`` (the partner's landmarks in one frame), ``Detections`` (everyone found in one
frame, before the partner is chosen), the pose and face landmark names (``PoseLandmark``,
``FaceLandmark``, ``FACE_OVAL``) and the blendshape names. Imports: nothing of ours, and not
mediapipe; the models run in ``detector``, and their results are read here as plain objects
(``Detections.from_tasks``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

import numpy as np

POSE_POINTS = 33
#: A pose point counts as seen (for placing a person, for a feature, for the overlay) when the
#: model's visibility for it is at least this.
MIN_VISIBILITY = 0.5
FACE_POINTS = 478  # 468 mesh points + 2 × 5 iris points
HAND_POINTS = 21
#: The blendshape scores the face model gives (0..1 each), in its output order. Only the eye shapes
#: are read (see features); none is ever used to name an expression or a feeling.
BLENDSHAPES = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft",
    "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft",
    "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft",
    "jawOpen", "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthFunnel", "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight",
    "mouthPucker", "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft",
    "mouthUpperUpRight", "noseSneerLeft", "noseSneerRight",
)
SHAPE = {name: i for i, name in enumerate(BLENDSHAPES)}



class PoseLandmark(IntEnum):
    """MediaPipe pose landmark indices (the same numbers as the Tasks API's ``PoseLandmark``).

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
    """The face mesh points the features use (canonical face model indices, 478 with the irises).

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

def _points(landmarks, with_visibility: bool) -> np.ndarray:
    """Tasks landmarks (a list of NormalizedLandmark) as float32 (n, 4) or (n, 3)."""
    if with_visibility:
        rows = [(p.x, p.y, p.z, p.visibility if p.visibility is not None else 0.0) for p in landmarks]
        return np.array(rows, np.float32).reshape(-1, 4)
    return np.array([(p.x, p.y, p.z) for p in landmarks], np.float32).reshape(-1, 3)


#: Why a frame has no partner: nobody is in view; only someone else is (everyone in view looks
#: unlike the partner); or the partner is lost (people are in view and none can be told to be them).
Absence = Literal["nobody", "someone_else", "lost"]
ABSENCES: tuple[Absence, ...] = ("nobody", "someone_else", "lost")


@dataclass(frozen=True)
class Landmarks:
    """Pose and face landmarks of the partner in one frame, and how many other people are in view.

    Attributes:
        t: session clock, seconds.
        image_size: (width, height) in pixels of the analysed frame.
        pose: (33, 4) float32 of x, y (normalised to image width/height), z (MediaPipe's relative
            depth, in the x scale) and visibility (0..1); shape (0, 4) when the partner's body was not found.
        face: (478, 3) float32 of x, y (normalised) and z; shape (0, 3) when the partner's face was not found.
        blendshapes: (52,) float32 scores in ``BLENDSHAPES`` order with the face; shape (0,) without it.
        hands: (k, 21, 3) float32 of x, y (normalised) and z for the partner's k (0-2) hands found.
        others: people in view besides the partner (never described, never a cue).
        absence: why the partner is not in this frame (one of ``ABSENCES``; None when they are, or
            when nobody chose: a photo).
    """

    t: float
    image_size: tuple[int, int]
    pose: np.ndarray = field(default_factory=lambda: np.empty((0, 4), np.float32))
    face: np.ndarray = field(default_factory=lambda: np.empty((0, 3), np.float32))
    blendshapes: np.ndarray = field(default_factory=lambda: np.empty(0, np.float32))
    hands: np.ndarray = field(default_factory=lambda: np.empty((0, HAND_POINTS, 3), np.float32))
    others: int = 0
    absence: Absence | None = None

    def __post_init__(self) -> None:
        if self.absence is not None and self.absence not in ABSENCES:
            raise ValueError(f"absence must be one of {ABSENCES} or None, but got {self.absence!r}")
        if self.pose.shape not in ((POSE_POINTS, 4), (0, 4)):
            raise ValueError(
                f"pose must be a np.ndarray with shape ({POSE_POINTS}, 4) or (0, 4), but got shape {self.pose.shape}"
            )
        if self.face.shape not in ((FACE_POINTS, 3), (0, 3)):
            raise ValueError(
                f"face must be a np.ndarray with shape ({FACE_POINTS}, 3) or (0, 3), but got shape {self.face.shape}"
            )
        if self.blendshapes.shape not in ((len(BLENDSHAPES),), (0,)):
            raise ValueError(f"blendshapes must have shape ({len(BLENDSHAPES)},) or (0,), but got shape "
                             f"{self.blendshapes.shape}")
        if self.hands.ndim != 3 or self.hands.shape[1:] != (HAND_POINTS, 3) or self.hands.shape[0] > 2:
            raise ValueError(f"hands must be a np.ndarray with shape (k <= 2, {HAND_POINTS}, 3), but got shape "
                             f"{self.hands.shape}")
        if self.others < 0:
            raise ValueError(f"others must be >= 0, but got {self.others}")
        w, h = self.image_size
        if w <= 0 or h <= 0:
            raise ValueError(f"image_size must be positive (width, height), but got {self.image_size}")

    @classmethod
    def empty(cls, t: float, image_size: tuple[int, int], others: int = 0,
              absence: Absence | None = None) -> Landmarks:
        """The partner is not in the frame (``others`` people may be; ``absence`` says why)."""
        return cls(t=t, image_size=image_size, others=others, absence=absence)

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


@dataclass(frozen=True)
class Detections:
    """Everyone the models found in one frame, before the partner is chosen: what a worker sends
    back for a frame (plain arrays, cheap to pickle). ``partner`` turns it into ``Landmarks``.

    Attributes:
        t, image_size: as in ``Landmarks``.
        poses: (33, 4) arrays, one per body found.
        faces: (478, 3) arrays, one per face found.
        shapes: each face's (52,) blendshape scores, or None.
        hands: (21, 3) arrays, one per hand found.
        thumb: the frame, small (``partner.thumbnail``), for telling people apart by their looks;
            None when not kept.
    """

    t: float
    image_size: tuple[int, int]
    poses: tuple[np.ndarray, ...] = ()
    faces: tuple[np.ndarray, ...] = ()
    shapes: tuple[np.ndarray | None, ...] = ()
    hands: tuple[np.ndarray, ...] = ()
    thumb: np.ndarray | None = None

    @classmethod
    def from_tasks(cls, t: float, image_size: tuple[int, int], pose_result, face_result,
                   hands_result=None, thumb: np.ndarray | None = None) -> Detections:
        """From ``PoseLandmarker``, ``FaceLandmarker`` and ``HandLandmarker`` results (any may be None)."""
        poses = tuple(_points(p, True) for p in (pose_result.pose_landmarks if pose_result is not None else []))
        faces, shapes = [], []
        if face_result is not None:
            blend = face_result.face_blendshapes or [None] * len(face_result.face_landmarks)
            for points, scores in zip(face_result.face_landmarks, blend):
                face = _points(points, False)
                if face.shape != (FACE_POINTS, 3):
                    continue
                faces.append(face)
                shapes.append(np.array([c.score for c in scores], np.float32)
                              if scores is not None and len(scores) == len(BLENDSHAPES) else None)
        hands = tuple(h for h in (_points(p, False) for p in (hands_result.hand_landmarks if hands_result is not None
                                                              else [])) if h.shape == (HAND_POINTS, 3))
        return cls(t, tuple(image_size), poses, tuple(faces), tuple(shapes), hands, thumb)
