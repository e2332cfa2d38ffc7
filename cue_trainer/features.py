"""Features: named per-frame measurements computed from landmarks, NaN where they are not reliable.

Owns: the feature names, ``FeatureFrame`` and ``FeatureExtractor`` (per-frame features plus
causal windowed ones). Imports: landmarks.

Positions are in image heights (x is scaled by the aspect ratio so both axes share one unit);
sizes and distances between body parts are divided by the shoulder width, so they do not change
with the camera's resolution or the person's distance. Angles are in degrees.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from cue_trainer.landmarks import FaceLandmark as F
from cue_trainer.landmarks import Landmarks
from cue_trainer.landmarks import PoseLandmark as P

#: Every feature, in storage order. See ``FEATURE_DOCS`` for meaning and units.
FEATURES: tuple[str, ...] = (
    "present",
    "body_scale",
    "nose_y",
    "shoulder_y",
    "shoulder_tilt_deg",
    "ear_shoulder",
    "hand_face",
    "head_yaw_deg",
    "head_pitch_deg",
    "eye_openness",
    "speed",
    "motion",
    "eye_openness_avg",
)

FEATURE_DOCS: dict[str, str] = {
    "present": "1 when a person is in view (face, or nose and both shoulders), else 0",
    "body_scale": "shoulder width in image heights (smaller = further from the camera)",
    "nose_y": "nose height in the frame, image heights from the top (larger = lower)",
    "shoulder_y": "shoulder midpoint height in the frame, image heights from the top",
    "shoulder_tilt_deg": "angle of the shoulder line from horizontal, degrees",
    "ear_shoulder": "ear-to-shoulder gap across the shoulder line, shoulder widths (smaller = shoulders drawn up)",
    "hand_face": "closest visible hand point to the nose, shoulder widths",
    "head_yaw_deg": "head turn left/right from the face mesh, degrees (0 = facing the camera)",
    "head_pitch_deg": "head tilt up/down from the face mesh, degrees (larger = more down)",
    "eye_openness": "eyelid gap over eye width, mean of both eyes (about 0.3 open, under 0.1 closed)",
    "speed": "upper-body movement since the previous frame, shoulder widths per second",
    "motion": "mean of speed over the last few seconds (causal window)",
    "eye_openness_avg": "mean of eye_openness over the last few seconds (causal window)",
}

INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURES)}

#: A pose landmark counts when MediaPipe's visibility is at least this ...
MIN_VISIBILITY = 0.5
#: ... and it lies inside the picture, give or take this share of its size.
IN_FRAME_MARGIN = 0.02

_MOVING_POINTS = (P.NOSE, P.LEFT_SHOULDER, P.RIGHT_SHOULDER, P.LEFT_ELBOW, P.RIGHT_ELBOW, P.LEFT_WRIST, P.RIGHT_WRIST)
_HAND_POINTS = (
    P.LEFT_WRIST, P.RIGHT_WRIST, P.LEFT_INDEX, P.RIGHT_INDEX, P.LEFT_PINKY, P.RIGHT_PINKY, P.LEFT_THUMB, P.RIGHT_THUMB,
)


@dataclass(frozen=True)
class FeatureFrame:
    """The features of one frame.

    Attributes:
        t: session clock, seconds.
        values: (len(FEATURES),) float64 in ``FEATURES`` order; NaN = not reliable in this frame.
    """

    t: float
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.values.shape != (len(FEATURES),):
            raise ValueError(f"values must have shape ({len(FEATURES)},), but got shape {self.values.shape}")

    def __getitem__(self, name: str) -> float:
        return float(self.values[INDEX[name]])

    def as_dict(self) -> dict[str, float]:
        return {"t": self.t, **{name: float(v) for name, v in zip(FEATURES, self.values)}}


def _angle_deg(dy: float, dx: float) -> float:
    return math.degrees(math.atan2(dy, dx))


def frame_features(lm: Landmarks) -> np.ndarray:
    """The per-frame features of ``lm`` (the windowed ones are NaN here).

    Returns a (len(FEATURES),) float64 array; never raises on missing or NaN landmarks.
    """
    out = np.full(len(FEATURES), np.nan)
    w, h = lm.image_size
    aspect = w / h
    body = lm.has_pose and np.all(np.isfinite(lm.pose))
    pose_xy = lm.pose[:, :2].astype(np.float64) * (aspect, 1.0) if body else None
    # MediaPipe also places points it cannot see, outside the picture, often with a high
    # visibility (shoulders below a close-up of the face, hands out of shot): only points inside
    # the frame count as seen.
    seen = (lm.pose[:, 3] >= MIN_VISIBILITY) & np.all((lm.pose[:, :2] >= -IN_FRAME_MARGIN)
                                                      & (lm.pose[:, :2] <= 1 + IN_FRAME_MARGIN), axis=1) if body else None
    shoulders_seen = body and seen[P.LEFT_SHOULDER] and seen[P.RIGHT_SHOULDER]
    face = lm.has_face and np.all(np.isfinite(lm.face))

    out[INDEX["present"]] = 1.0 if (face or (shoulders_seen and seen[P.NOSE])) else 0.0

    if shoulders_seen:
        ls, rs = pose_xy[P.LEFT_SHOULDER], pose_xy[P.RIGHT_SHOULDER]
        scale = float(np.hypot(*(ls - rs)))
        if scale > 1e-3:
            mid = (ls + rs) / 2
            out[INDEX["body_scale"]] = scale
            out[INDEX["shoulder_y"]] = mid[1]
            # Person's left shoulder is on the image's right: the line runs from rs to ls.
            out[INDEX["shoulder_tilt_deg"]] = _angle_deg(ls[1] - rs[1], ls[0] - rs[0])
            if seen[P.NOSE]:
                out[INDEX["nose_y"]] = pose_xy[P.NOSE, 1]
            # Measured across the shoulder line (not straight up) so that a tilted body or camera
            # does not read as raised shoulders.
            up = np.array([(ls - rs)[1], -(ls - rs)[0]]) / scale
            gaps = [
                float(np.dot(pose_xy[ear] - pose_xy[sh], up))
                for ear, sh in ((P.LEFT_EAR, P.LEFT_SHOULDER), (P.RIGHT_EAR, P.RIGHT_SHOULDER))
                if seen[ear]
            ]
            if gaps:
                out[INDEX["ear_shoulder"]] = float(np.mean(gaps)) / scale
            hands = [i for i in _HAND_POINTS if seen[i]]
            if hands and seen[P.NOSE]:
                d = np.hypot(*(pose_xy[hands] - pose_xy[P.NOSE]).T)
                out[INDEX["hand_face"]] = float(d.min()) / scale

    if face:
        fx = lm.face.astype(np.float64) * (aspect, 1.0, aspect)
        v = fx[F.LEFT_CHEEK] - fx[F.RIGHT_CHEEK]
        out[INDEX["head_yaw_deg"]] = _angle_deg(v[2], v[0])
        v = fx[F.CHIN] - fx[F.FOREHEAD]
        out[INDEX["head_pitch_deg"]] = _angle_deg(v[2], v[1])
        ratios = []
        for up, low, a, b in (
            (F.RIGHT_EYE_UPPER, F.RIGHT_EYE_LOWER, F.RIGHT_EYE_OUTER, F.RIGHT_EYE_INNER),
            (F.LEFT_EYE_UPPER, F.LEFT_EYE_LOWER, F.LEFT_EYE_INNER, F.LEFT_EYE_OUTER),
        ):
            width = np.hypot(*(fx[a, :2] - fx[b, :2]))
            if width > 1e-4:
                ratios.append(np.hypot(*(fx[up, :2] - fx[low, :2])) / width)
        if ratios:
            out[INDEX["eye_openness"]] = float(np.mean(ratios))
    return out


class _CausalMean:
    """Mean of the values seen in the last ``window_s`` seconds, NaN while too few are valid."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self.items: deque[tuple[float, float]] = deque()

    def push(self, t: float, value: float) -> float:
        self.items.append((t, value))
        while self.items and self.items[0][0] <= t - self.window_s:
            self.items.popleft()
        span = t - self.items[0][0]
        valid = [v for _, v in self.items if not math.isnan(v)]
        # Enough history (half a window) and at least half the samples usable, else not reliable.
        if span < self.window_s / 2 or 2 * len(valid) < len(self.items):
            return math.nan
        return sum(valid) / len(valid)


class FeatureExtractor:
    """Turns a stream of ``Landmarks`` into ``FeatureFrame``s, including causal windowed features.

    Args:
        motion_window_s: window of the ``motion`` feature (mean speed), seconds.
        eye_window_s: window of ``eye_openness_avg``, seconds.

    State is bounded by the windows; call ``reset()`` when the stream pauses so that movement is
    not measured across the gap.
    """

    def __init__(self, *, motion_window_s: float = 3.0, eye_window_s: float = 2.0) -> None:
        self.motion_window_s = motion_window_s
        self.eye_window_s = eye_window_s
        self.reset()

    def reset(self) -> None:
        self._prev: tuple[float, np.ndarray, np.ndarray] | None = None
        self._motion = _CausalMean(self.motion_window_s)
        self._eyes = _CausalMean(self.eye_window_s)

    def _speed(self, lm: Landmarks, scale: float) -> float:
        if not lm.has_pose or not math.isfinite(scale):
            self._prev = None
            return math.nan
        w, h = lm.image_size
        xy = lm.pose[_MOVING_POINTS, :2].astype(np.float64) * (w / h, 1.0)
        seen = lm.pose[_MOVING_POINTS, 3] >= MIN_VISIBILITY
        prev, self._prev = self._prev, (lm.t, xy, seen)
        if prev is None:
            return math.nan
        t0, xy0, seen0 = prev
        both = seen & seen0 & np.all(np.isfinite(xy), axis=1) & np.all(np.isfinite(xy0), axis=1)
        dt = lm.t - t0
        if both.sum() < 2 or dt <= 0:
            return math.nan
        return float(np.hypot(*(xy[both] - xy0[both]).T).mean()) / scale / dt

    def step(self, lm: Landmarks) -> FeatureFrame:
        """Features of the next frame; frames must arrive in time order."""
        values = frame_features(lm)
        speed = self._speed(lm, values[INDEX["body_scale"]])
        values[INDEX["speed"]] = speed
        values[INDEX["motion"]] = self._motion.push(lm.t, speed)
        values[INDEX["eye_openness_avg"]] = self._eyes.push(lm.t, values[INDEX["eye_openness"]])
        return FeatureFrame(lm.t, values)
