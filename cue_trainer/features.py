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

from cue_trainer.landmarks import ABSENCES, FACE_OVAL, MIN_VISIBILITY, SHAPE, Landmarks
from cue_trainer.landmarks import FaceLandmark as F
from cue_trainer.landmarks import PoseLandmark as P

#: Every feature, in storage order. See ``FEATURE_DOCS`` for meaning and units.
FEATURES: tuple[str, ...] = (
    "present",
    "body_scale",
    "nose_y",
    "shoulder_y",
    "shoulder_tilt_deg",
    "ear_shoulder",
    "hand_face_gap",
    "head_yaw_deg",
    "head_pitch_deg",
    "eye_openness",
    "speed",
    "motion",
    "eye_openness_avg",
    "face_scale",
    "gaze_yaw_deg",
    "eyes_closed_share",
    "others_in_view",
    "eye_blink",
    "eyes_side",
    "partner_absence",
)

#: ``partner_absence``'s codes: 0 while the partner is chosen, else why they are not
#: (``landmarks.ABSENCES``, numbered from 1).
ABSENCE_CODE: dict[str, float] = {name: float(k) for k, name in enumerate(ABSENCES, start=1)}

FEATURE_DOCS: dict[str, str] = {
    "present": "1 when a person is in view (face, or nose and both shoulders), else 0",
    "body_scale": "shoulder width in image heights (smaller = further from the camera)",
    "nose_y": "nose height in the frame, image heights from the top (larger = lower)",
    "shoulder_y": "shoulder midpoint height in the frame, image heights from the top",
    "shoulder_tilt_deg": "angle of the shoulder line from horizontal, degrees",
    "ear_shoulder": "ear-to-shoulder gap across the shoulder line, shoulder widths (smaller = shoulders drawn up)",
    "hand_face_gap": "gap between the closest visible hand point and the outline of the face, face widths "
    "(0 = on or over the face)",
    "head_yaw_deg": "head turn left/right from the face mesh, degrees (0 = facing the camera)",
    "head_pitch_deg": "head tilt up/down from the face mesh, degrees (larger = more down)",
    "eye_openness": "eyelid gap over eye width, mean of both eyes (about 0.3 open, under 0.1 closed)",
    "speed": "upper-body movement since the previous frame, shoulder widths per second",
    "motion": "mean of speed over the last few seconds (causal window)",
    "eye_openness_avg": "mean of eye_openness over the last few seconds (causal window)",
    "face_scale": "face width (cheek to cheek, in 3-D so that turning the head does not change it), image heights",
    # Read by people (`sessions show`): plain words; the constants behind them are in the code.
    "gaze_yaw_deg": "where the eyes point left or right: the head's turn plus the eyes' steady turn within the "
    "head, degrees (0 = toward the camera)",
    "eyes_closed_share": "share of the last 1.5 s with the eyes at least half closed compared with their usual "
    "openness (eyes lowered to look down count as open)",
    "others_in_view": "people in view besides the partner (0 = only the partner, or nobody); never a cue",
    "eye_blink": "the face model's eye-blink shapes, mean of both eyes (0 open .. 1 closed)",
    "eyes_side": "the face model's eye-look shapes: the eyes' turn toward the image's right (+) or left (-), "
    "-1..1",
    "partner_absence": "why the partner is not in the frame: 0 = they are, 1 = nobody in view, 2 = only someone "
    "else in view, 3 = lost (people in view, none told to be the partner); never a cue",
}

INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURES)}

#: A pose landmark counts when MediaPipe's visibility is at least ``MIN_VISIBILITY`` and it lies inside the picture, give or take this share of its size (the Tasks pose model
#: places shoulders cut by the bottom edge up to 3 % below it; legacy Pose placed them on it).
IN_FRAME_MARGIN = 0.05

_MOVING_POINTS = (P.NOSE, P.LEFT_SHOULDER, P.RIGHT_SHOULDER, P.LEFT_ELBOW, P.RIGHT_ELBOW, P.LEFT_WRIST, P.RIGHT_WRIST)
_HAND_POINTS = (
    P.LEFT_WRIST, P.RIGHT_WRIST, P.LEFT_INDEX, P.RIGHT_INDEX, P.LEFT_PINKY, P.RIGHT_PINKY, P.LEFT_THUMB, P.RIGHT_THUMB,
)

#: Degrees of gaze per unit of the face model's eye-look shapes (``eyes_side``: -1..1). Calibrated
#: on the evaluation clips cap12 and cap13, where the man turns his head while his eyes stay on the
#: camera: the eyes turn against the head so that head yaw plus this gain times ``eyes_side`` stays
#: constant. The two clips give 23 and 26 on their own; with it the gaze varies by 2.1-2.5 degrees
#: (std) where head yaw alone varies by 3.5-4.0. The iris landmarks of the same model did worse
#: (3.0-3.4: the two irises of the Tasks face mesh sit 0.2 half eye widths apart).
GAZE_GAIN_DEG = 25.0
#: With the eyes this closed (``eye_blink``), the look shapes do not say where the eyes point: the
#: gaze is not measured (the cue falls back to the head alone).
GAZE_BLINK_LIMIT = 0.5
#: PERCLOS: the eyes count as closed in a frame when they are at least this much less open than
#: usual. The face mesh never reads fully closed eyes as a zero gap (closed eyes read 45-95 %
#: closed on the evaluation clips, blinks at their deepest 80 %), so the classic 80 % would miss
#: real closures in low-resolution video.
CLOSED_FRACTION = 0.5
#: ... over this window, seconds: a blink (0.1-0.4 s) fills at most a quarter of it.
PERCLOS_WINDOW_S = 1.5
#: "Usual openness": this percentile of eye_openness over the last REFERENCE_WINDOW_S seconds.
REFERENCE_PERCENTILE = 80.0
REFERENCE_WINDOW_S = 60.0
#: Lids lowered to look down are not closing eyes: a frame whose head is pitched down at least this
#: much more than usual (the median pitch of the reference window) counts as open for PERCLOS.
#: (On the dev clips the face model's eye-look-down shapes read as high in every blink, 0.6-0.85,
#: as in a look down, so they cannot tell the two apart; the head's pitch does: 15-21 degrees in
#: franck's looks down, within 10 of his usual in all 60 of his blinks and closures.)
LOOK_DOWN_PITCH_DEG = 10.0
#: Where the eyes point counts only as a steady reading: the gaze adds the eyes' turn held through
#: three quarters of this many seconds of ``eyes_side`` (an eye reading that flips from side to
#: side while someone talks holds no side; a look aside passes within a quarter of a second).
EYES_STEADY_S = 1.0
#: A hand that vanishes for a moment while at the face (the hand model loses it as it turns)
#: keeps its last gap for this long, so that one touch is one episode.
HAND_HOLD_S = 1.0


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


def _seen(pose: np.ndarray) -> np.ndarray:
    """Which pose points count as seen: visible enough and inside the frame. MediaPipe also places
    points it cannot see, outside the picture, often with a high visibility (shoulders below a
    close-up of the face, hands out of shot)."""
    return (pose[:, 3] >= MIN_VISIBILITY) & np.all((pose[:, :2] >= -IN_FRAME_MARGIN)
                                                   & (pose[:, :2] <= 1 + IN_FRAME_MARGIN), axis=1)


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
    seen = _seen(lm.pose) if body else None
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
        face_width = float(np.linalg.norm(fx[F.LEFT_CHEEK] - fx[F.RIGHT_CHEEK]))
        if face_width > 1e-3:
            out[INDEX["face_scale"]] = face_width
            hands = [lm.hands[k, :, :2].astype(np.float64) * (aspect, 1.0) for k in range(lm.hands.shape[0])]
            if body:
                hands.append(pose_xy[[i for i in _HAND_POINTS if seen[i]]])
            points = np.concatenate(hands) if hands else np.empty((0, 2))
            if len(points):
                outline = fx[list(FACE_OVAL), :2]
                out[INDEX["hand_face_gap"]] = float(_gap_to_polygon(points, outline).min()) / face_width
    if lm.blendshapes.shape[0]:
        b = lm.blendshapes.astype(np.float64)
        out[INDEX["eye_blink"]] = (b[SHAPE["eyeBlinkLeft"]] + b[SHAPE["eyeBlinkRight"]]) / 2
        # The person's left eye looks "out" toward their left = the image's right.
        out[INDEX["eyes_side"]] = (b[SHAPE["eyeLookOutLeft"]] + b[SHAPE["eyeLookInRight"]]
                                   - b[SHAPE["eyeLookInLeft"]] - b[SHAPE["eyeLookOutRight"]]) / 2
        if face and out[INDEX["eye_blink"]] < GAZE_BLINK_LIMIT:
            out[INDEX["gaze_yaw_deg"]] = out[INDEX["head_yaw_deg"]] + GAZE_GAIN_DEG * out[INDEX["eyes_side"]]
    out[INDEX["others_in_view"]] = float(lm.others)
    if lm.absence is not None:
        out[INDEX["partner_absence"]] = ABSENCE_CODE[lm.absence]
    elif not lm.is_empty:
        out[INDEX["partner_absence"]] = 0.0  # the partner was chosen (an empty frame without a why: not known)
    return out


def _gap_to_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Distance of each point (m, 2) to a closed polygon (k, 2); 0 for points inside it."""
    a = polygon
    b = np.roll(polygon, -1, axis=0)
    ab = b - a
    ap = points[:, None, :] - a[None, :, :]
    t = np.clip((ap * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0.0, 1.0)
    dist = np.hypot(*(ap - t[..., None] * ab).transpose(2, 0, 1)).min(axis=1)
    # Inside by the even-odd rule: count the edges a horizontal ray to the right crosses.
    py = points[:, 1:2]
    crosses = ((a[:, 1] > py) != (b[:, 1] > py)) & (
        points[:, 0:1] < a[:, 0] + (py - a[:, 1]) * ab[:, 0] / np.where(ab[:, 1] == 0, 1e-12, ab[:, 1])
    )
    return np.where(crosses.sum(axis=1) % 2 == 1, 0.0, dist)


class _CausalWindow:
    """The values seen in the last ``window_s`` seconds (each ``push`` adds one and drops the old)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self.items: deque[tuple[float, float]] = deque()

    def add(self, t: float, value: float) -> list[float]:
        """Add ``value`` at ``t``; the window's valid (not NaN) values."""
        self.items.append((t, value))
        while self.items and self.items[0][0] <= t - self.window_s:
            self.items.popleft()
        return [v for _, v in self.items if not math.isnan(v)]


class _CausalHeld(_CausalWindow):
    """The turn held through three quarters of the last ``window_s`` seconds: the values' lower
    quartile when it is above 0, their upper quartile when it is below 0, else 0 (the readings
    were on both sides). NaN for a NaN value or while fewer than half the values are valid."""

    def push(self, t: float, value: float) -> float:
        valid = self.add(t, value)
        if math.isnan(value) or 2 * len(valid) < len(self.items):
            return math.nan
        low, high = np.percentile(valid, (25, 75))
        return float(low if low > 0 else high if high < 0 else 0.0)


class _CausalMean(_CausalWindow):
    """Mean of the values seen in the last ``window_s`` seconds, NaN while too few are valid."""

    def push(self, t: float, value: float) -> float:
        valid = self.add(t, value)
        span = t - self.items[0][0]
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
        self._eyes_side = _CausalHeld(EYES_STEADY_S)
        self._pitch = _CausalWindow(REFERENCE_WINDOW_S)  # head_pitch_deg over the reference window
        self._openness: deque[tuple[float, float]] = deque()  # (t, eye_openness) of the reference window
        self._closed: deque[tuple[float, float]] = deque()  # (t, 1 closed / 0 open / NaN) of the PERCLOS window
        self._hand: tuple[float, float] | None = None  # (t, gap) of the last frame a hand was seen

    def _looking_down(self, t: float, pitch: float) -> bool:
        """Whether the head is pitched ``LOOK_DOWN_PITCH_DEG`` further down than its median of the
        reference window (the window is kept either way)."""
        valid = self._pitch.add(t, pitch)
        if math.isnan(pitch) or len(valid) < 2:
            return False
        return pitch - float(np.median(valid)) >= LOOK_DOWN_PITCH_DEG

    def _perclos(self, t: float, openness: float, pitch: float = math.nan) -> float:
        """Share of the last ``PERCLOS_WINDOW_S`` with the eyes at least ``CLOSED_FRACTION`` closed
        compared with the reference (a look down counts as open); NaN without enough history or
        valid frames."""
        if not math.isnan(openness):
            self._openness.append((t, openness))
        while self._openness and self._openness[0][0] <= t - REFERENCE_WINDOW_S:
            self._openness.popleft()
        down = self._looking_down(t, pitch)
        closed = math.nan
        if len(self._openness) >= 2 and t - self._openness[0][0] >= 3.0 and not math.isnan(openness):
            reference = float(np.percentile([v for _, v in self._openness], REFERENCE_PERCENTILE))
            closed = 1.0 if openness <= (1.0 - CLOSED_FRACTION) * reference and not down else 0.0
        self._closed.append((t, closed))
        while self._closed and self._closed[0][0] <= t - PERCLOS_WINDOW_S:
            self._closed.popleft()
        valid = [v for _, v in self._closed if not math.isnan(v)]
        if t - self._closed[0][0] < PERCLOS_WINDOW_S / 2 or 2 * len(valid) < len(self._closed):
            return math.nan
        return sum(valid) / len(valid)

    def _hold_hand(self, t: float, gap: float, face_seen: bool) -> float:
        if not math.isnan(gap):
            self._hand = (t, gap)
            return gap
        if face_seen and self._hand is not None and t - self._hand[0] <= HAND_HOLD_S:
            return self._hand[1]
        return math.nan

    def _speed(self, lm: Landmarks, scale: float) -> float:
        if not lm.has_pose or not math.isfinite(scale):
            self._prev = None
            return math.nan
        w, h = lm.image_size
        xy = lm.pose[_MOVING_POINTS, :2].astype(np.float64) * (w / h, 1.0)
        seen = _seen(lm.pose)[list(_MOVING_POINTS)]
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
        values[INDEX["eyes_closed_share"]] = self._perclos(lm.t, values[INDEX["eye_openness"]],
                                                           values[INDEX["head_pitch_deg"]])
        gaze_seen = not math.isnan(values[INDEX["gaze_yaw_deg"]])  # eyes open enough, shapes there
        side = self._eyes_side.push(lm.t, values[INDEX["eyes_side"]] if gaze_seen else math.nan)
        if gaze_seen:
            values[INDEX["gaze_yaw_deg"]] = values[INDEX["head_yaw_deg"]] + GAZE_GAIN_DEG * side
        values[INDEX["hand_face_gap"]] = self._hold_hand(lm.t, values[INDEX["hand_face_gap"]],
                                                         not math.isnan(values[INDEX["face_scale"]]))
        return FeatureFrame(lm.t, values)
