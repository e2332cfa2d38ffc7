"""Hand-built landmarks for tests that need exact geometry rather than a model's output, and a
stored session made from them."""
from __future__ import annotations

import numpy as np

from cue_trainer.analysis import Analysis
from cue_trainer.landmarks import POSE_POINTS, Landmarks, PoseLandmark as P
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
