"""Hand-built landmarks for tests that need exact geometry rather than a model's output, and a
stored session made from them."""
from __future__ import annotations

import numpy as np

from cue_trainer.analysis import Analysis
from cue_trainer.landmarks import BLENDSHAPES, FACE_OVAL, FACE_POINTS, HAND_POINTS, POSE_POINTS, SHAPE, Landmarks
from cue_trainer.landmarks import FaceLandmark as F
from cue_trainer.landmarks import PoseLandmark as P
from cue_trainer.profiles import default_profile

SIZE = (640, 480)


def pose_from(points: dict[P, tuple[float, float]], visibility: float = 1.0) -> np.ndarray:
    """A (33, 4) pose with the given points (normalised x, y) and every other point invisible."""
    pose = np.zeros((POSE_POINTS, 4), np.float32)
    for p, (x, y) in points.items():
        pose[p] = (x, y, 0.0, visibility)
    return pose


UPRIGHT = {
    P.NOSE: (0.50, 0.30), P.LEFT_EAR: (0.56, 0.28), P.RIGHT_EAR: (0.44, 0.28),
    P.LEFT_SHOULDER: (0.62, 0.52), P.RIGHT_SHOULDER: (0.38, 0.52),
    P.LEFT_ELBOW: (0.66, 0.75), P.RIGHT_ELBOW: (0.34, 0.75),
    P.LEFT_WRIST: (0.58, 0.40), P.RIGHT_WRIST: (0.30, 0.90),  # left hand up near the chin
}


def lowered(points: dict[P, tuple[float, float]], dy: float) -> dict[P, tuple[float, float]]:
    """The same points ``dy`` frame heights lower."""
    return {p: (x, y + dy) for p, (x, y) in points.items()}


def face_from(center=(0.5, 0.35), radius=0.1, *, openness=0.3, iris=(0.0, 0.0), yaw_deg=0.0,
              size=SIZE) -> np.ndarray:
    """A (478, 3) face mesh in a ``size`` frame: the outline a circle of ``radius`` (image heights)
    around ``center`` (normalised x, y), cheeks at its left and right ends, eyes whose lid gap is
    ``openness`` eye widths, irises shifted by ``iris`` (right eye, left eye) half eye widths toward
    the image's right, and the head turned by ``yaw_deg`` (the cheeks' depths). Every other point
    sits at the centre."""
    aspect = size[0] / size[1]
    cx, cy = center[0] * aspect, center[1]  # work in image heights, convert x back at the end
    r = radius
    pts = np.zeros((FACE_POINTS, 3))
    pts[:, 0], pts[:, 1] = cx, cy
    for k, i in enumerate(FACE_OVAL):
        a = np.radians(-90 + k * 360 / len(FACE_OVAL))
        pts[i, :2] = (cx + r * np.cos(a), cy + r * np.sin(a))
    dz = r * np.tan(np.radians(yaw_deg))
    pts[F.LEFT_CHEEK] = (cx + r, cy, dz)
    pts[F.RIGHT_CHEEK] = (cx - r, cy, -dz)
    pts[F.FOREHEAD, :2], pts[F.CHIN, :2] = (cx, cy - r), (cx, cy + r)
    w = 0.4 * r  # eye width
    for (outer, inner, up, low, iris_pt), side, shift in (
        ((F.RIGHT_EYE_OUTER, F.RIGHT_EYE_INNER, F.RIGHT_EYE_UPPER, F.RIGHT_EYE_LOWER, F.RIGHT_IRIS), -1, iris[0]),
        ((F.LEFT_EYE_OUTER, F.LEFT_EYE_INNER, F.LEFT_EYE_UPPER, F.LEFT_EYE_LOWER, F.LEFT_IRIS), +1, iris[1]),
    ):
        mid = cx + side * 0.4 * r
        ey = cy - 0.2 * r
        pts[outer, :2] = (mid + side * w / 2, ey)
        pts[inner, :2] = (mid - side * w / 2, ey)
        pts[up, :2], pts[low, :2] = (mid, ey - openness * w / 2), (mid, ey + openness * w / 2)
        pts[iris_pt, :2] = (mid + shift * w / 2, ey)
    pts[:, 0] /= aspect
    pts[:, 2] /= aspect
    return pts.astype(np.float32)


def shapes(**scores: float) -> np.ndarray:
    """Blendshape scores: the named ones as given, every other 0."""
    out = np.zeros(len(BLENDSHAPES), np.float32)
    for name, score in scores.items():
        out[SHAPE[name]] = score
    return out


def hand_at(points_xy, size=SIZE) -> np.ndarray:
    """A (1, 21, 3) hand-model result with every point at one of ``points_xy`` (normalised x, y),
    spread evenly."""
    hand = np.zeros((1, HAND_POINTS, 3), np.float32)
    for k in range(HAND_POINTS):
        hand[0, k, :2] = points_xy[k % len(points_xy)]
    return hand


NO_HANDS = {p: xy for p, xy in UPRIGHT.items() if p not in (P.LEFT_WRIST, P.RIGHT_WRIST)}  # hands out of view


def practise(store, practitioner: str, marks: list[tuple[float, str]], *, source="live") -> int:
    """A stored 30 s Quiz session from hand-built landmarks (no hands in view): 5 s baseline, sitting
    lower from 10 s to 20 s (one slumped episode and its suggestion), then upright; plus ``marks``."""
    sid = store.create_session(source=source, partner="Ann", practitioner=practitioner, mode="quiz",
                               profile_toml=default_profile().to_toml())
    analysis = Analysis(default_profile(), recorder=store.recorder(sid), calibration_s=5.0)
    for i in range(300):
        t = i / 10
        points = lowered(NO_HANDS, 0.12) if 10 <= t < 20 else NO_HANDS
        analysis.step(Landmarks(t, SIZE, pose=pose_from(points)))
    analysis.finish()
    for t, cue in marks:
        store.add_mark(sid, t, cue)
    store.end_session(sid, duration_s=30.0)
    return sid


def shown(markdown: str) -> str:
    """What a person reads of Markdown source whose punctuation is escaped (``app.plain.plain``)."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")  # escapes and word joiners
