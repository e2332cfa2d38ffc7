"""Hand-built landmarks for tests that need exact geometry rather than a model's output."""
from __future__ import annotations

import numpy as np

from cue_trainer.landmarks import POSE_POINTS, PoseLandmark as P

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
