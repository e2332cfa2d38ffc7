"""Whom the features describe when more than one person is in view: the partner who was calibrated.

Owns: ``Person`` (one body and/or face found in a frame), ``people`` (pairs the bodies and faces
the models return into people), ``owner`` (whose hand a hand is) and ``PartnerTracker`` (chooses
the partner once, then keeps them by continuity). Imports nothing of ours: plain numpy over
normalised landmark arrays.

The partner is chosen on the first frame with anyone in it: the only person, or the one whose head
is nearest the centre of the picture (where a partner sits to practise). From then on, a person is
the partner only if their head is where the partner's head was, at the partner's size. A second
person who enters, passes behind or leans in is counted in ``others`` and never described; when the
partner leaves, nobody is the partner ("not in view") until someone appears where the partner was.
While the partner is the only person in view, they stay the partner from one frame to the next
wherever they move (a quick move, a jump in the picture): nobody else was there to be confused with.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Pose points of the head (nose, eyes, ears, mouth) and the shoulders.
_HEAD = tuple(range(11))
_SHOULDERS = (11, 12)
#: A pose point counts for placing a person when its visibility is at least this.
_VISIBLE = 0.5
#: A person is the partner when their head is within this many head sizes of where the partner's
#: head was last seen, ...
NEAR_HEADS = 0.6
#: ... widening by this many head sizes per second while the partner is out of sight (a quick move
#: the models did not follow), up to ``FAR_HEADS``: people side by side sit two or more head sizes apart.
WIDEN_PER_S = 1.0
FAR_HEADS = 1.5
#: ... and their head is at most this many times larger or smaller.
SIZE_RATIO = 1.6


@dataclass(frozen=True)
class Person:
    """One person found in a frame: their body, their face, or both.

    Attributes:
        pose: (33, 4) landmarks or None.
        face: (478, 3) landmarks or None.
        blendshapes: the face's blendshape scores or None.
        head: (x, y) of the head's centre, x in image heights (isotropic units).
        size: the head's width in the same units.
    """

    pose: np.ndarray | None
    face: np.ndarray | None
    blendshapes: np.ndarray | None
    head: tuple[float, float]
    size: float


def _face_place(face: np.ndarray, aspect: float) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = face[:, :2].min(axis=0), face[:, :2].max(axis=0)
    return lo * (aspect, 1.0), hi * (aspect, 1.0)


def _pose_head(pose: np.ndarray, aspect: float) -> tuple[tuple[float, float], float] | None:
    head = [i for i in _HEAD if pose[i, 3] >= _VISIBLE]
    if not head:
        return None
    xy = pose[head, :2].astype(np.float64) * (aspect, 1.0)
    centre = xy.mean(axis=0)
    if all(pose[i, 3] >= _VISIBLE for i in _SHOULDERS):
        size = float(np.hypot(*((pose[11, :2] - pose[12, :2]) * (aspect, 1.0)))) / 2  # a head is about half the shoulders
    else:
        size = float(np.ptp(xy[:, 0])) if len(head) > 1 else 0.0
    return (float(centre[0]), float(centre[1])), max(size, 0.02)


def people(poses: list[np.ndarray], faces: list[np.ndarray], blendshapes: list[np.ndarray | None],
           aspect: float) -> list[Person]:
    """Pair each face with the body whose nose lies inside it (widened by a quarter); the rest stay
    bodies alone or faces alone."""
    found: list[Person] = []
    free = list(range(len(poses)))
    for face, shapes in zip(faces, blendshapes):
        lo, hi = _face_place(face, aspect)
        pad = (hi - lo) * 0.25
        match = None
        for k in free:
            nose = poses[k][0, :2] * (aspect, 1.0)
            if np.all(nose >= lo - pad) and np.all(nose <= hi + pad):
                match = k
                break
        if match is not None:
            free.remove(match)
        centre = (lo + hi) / 2
        found.append(Person(poses[match] if match is not None else None, face, shapes,
                            (float(centre[0]), float(centre[1])), max(float(hi[0] - lo[0]), 0.02)))
    for k in free:
        place = _pose_head(poses[k], aspect)
        if place is not None:
            found.append(Person(poses[k], None, None, *place))
    return found


def owner(hand: np.ndarray, found: list[Person], aspect: float) -> Person | None:
    """Whose ``hand`` (21, 3) this is: the person whose head or seen wrist is nearest its wrist, in
    their head sizes (None when nobody is in view)."""
    wrist = hand[0, :2].astype(np.float64) * (aspect, 1.0)

    def distance(p: Person) -> float:
        places = [np.array(p.head)]
        if p.pose is not None:
            places += [p.pose[i, :2] * (aspect, 1.0) for i in (15, 16) if p.pose[i, 3] >= _VISIBLE]
        return min(float(np.hypot(*(wrist - q))) for q in places) / p.size

    return min(found, key=distance, default=None)


class PartnerTracker:
    """Chooses the partner on the first frame with anyone in view, then follows them by where their
    head is and how large it is. Create one per stream."""

    def __init__(self) -> None:
        self.head: tuple[float, float] | None = None  # where the partner's head was last seen
        self.size = 0.0
        self.seen_t = 0.0
        self.alone = False  # the previous frame held the partner and nobody else

    def choose(self, found: list[Person], t: float, aspect: float) -> tuple[Person | None, int]:
        """The partner among ``found`` (None when they are not in view) and how many others are in view."""
        if not found:
            self.alone = False
            return None, 0
        if self.alone and len(found) == 1:
            partner = found[0]
        elif self.head is None:
            centre = (aspect / 2, 0.5)
            partner = min(found, key=lambda p: np.hypot(p.head[0] - centre[0], p.head[1] - centre[1]))
        else:
            reach = min(NEAR_HEADS + WIDEN_PER_S * max(t - self.seen_t, 0.0), FAR_HEADS)
            candidates = []
            for p in found:
                size = max(self.size, p.size)
                ratio = p.size / self.size if self.size > 0 else 1.0
                distance = float(np.hypot(p.head[0] - self.head[0], p.head[1] - self.head[1])) / size
                if distance <= reach and 1 / SIZE_RATIO <= ratio <= SIZE_RATIO:
                    candidates.append((distance, p))
            partner = min(candidates, key=lambda c: c[0])[1] if candidates else None
        self.alone = partner is not None and len(found) == 1
        if partner is None:
            return None, len(found)
        self.head, self.size, self.seen_t = partner.head, partner.size, t
        return partner, len(found) - 1
