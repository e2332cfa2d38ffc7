"""Whom the features describe when more than one person is in view: the partner who was calibrated.

Owns: ``Person`` (one body and/or face found in a frame), ``people`` (pairs the bodies and faces
the models return into people), ``owner`` (whose hand a hand is), ``thumbnail``, ``look`` (a
person's colours) and ``colours`` (a whole picture's, for a call's tiles), ``PartnerTracker`` (chooses the partner once, then keeps them by place and by
looks), ``partner_of`` (a frame's ``Detections`` as the partner's ``Landmarks``) and following
over time: the body's smoothing (``OneEuro``, ``PoseSmoother``) and ``Follower`` (both, frame
after frame). Imports: landmarks.

The partner is chosen on the first frame with anyone in it: the only person, or the one whose head
is nearest the centre of the picture (where a partner sits to practise). From then on, the tracker
remembers where the partner's head was, how large it was, and how the partner looks (the colours
around the head: hair, face, collar and what is behind them). A person is the partner when
  1. their head is where the partner's head was, at the partner's size (so someone who enters,
     passes behind or leans in never costs the partner), or
  2. they look like the partner, wherever they are (after a cut, a split screen, a step out of the
     picture and back), or
  3. they are the only person in view, do not look unlike the partner and are not someone who was
     in view together with the partner (the partner alone again, or moving fast while alone).
Someone who clearly looks unlike the partner is never the partner. A frame without the partner
says why (``Landmarks.absence``): nobody in view, only someone else, or lost (people are in view
and none can be told to be the partner).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from cue_trainer.landmarks import MIN_VISIBILITY, Absence, Detections, Landmarks, PoseLandmark

#: Pose points of the head (nose, eyes, ears, mouth) and the shoulders.
_HEAD = tuple(range(PoseLandmark.NOSE, PoseLandmark.MOUTH_RIGHT + 1))
_SHOULDERS = (PoseLandmark.LEFT_SHOULDER, PoseLandmark.RIGHT_SHOULDER)
#: A person is the partner when their head is within this many head sizes of where the partner's
#: head was last seen, ...
NEAR_HEADS = 0.6
#: ... widening by this many head sizes per second while the partner is out of sight (a quick move
#: the models did not follow), up to ``FAR_HEADS``: people side by side sit two or more head sizes apart.
WIDEN_PER_S = 1.0
FAR_HEADS = 1.5
#: ... and their head is at most this many times larger or smaller.
SIZE_RATIO = 1.6
#: Looks are compared on the frame made this many pixels high (cheap, and enough for colours).
THUMB_HEIGHT = 160
#: A look: the colours in a box around the head, in head sizes (across, above, below the centre)
#: as a histogram of chromaticity (r and g of r + g + b: little changed by how bright the light
#: is) and brightness.
LOOK_BOX = (0.8, 1.0, 1.2)
LOOK_BINS = (8, 8, 4)
#: Two looks (Bhattacharyya coefficient, 1 = the same colours) at or above SAME_LOOK are the same
#: person; below OTHER_LOOK, someone else. Measured on the seven dev clips (six people): frames of
#: one clip are at least 0.92 alike in 95 % of pairs, two people in different clips at most 0.87;
#: between the two, looks decide nothing and place does.
SAME_LOOK = 0.9
OTHER_LOOK = 0.75
#: How much each frame in which the partner is chosen moves the remembered look.
LOOK_MEMORY = 0.05


@dataclass(frozen=True)
class Person:
    """One person found in a frame: their body, their face, or both.

    Attributes:
        pose: (33, 4) landmarks or None.
        face: (478, 3) landmarks or None.
        blendshapes: the face's blendshape scores or None.
        head: (x, y) of the head's centre, x in image heights (isotropic units).
        size: the head's width in the same units.
        look: the colours around the head (``look``), or None without a thumbnail.
    """

    pose: np.ndarray | None
    face: np.ndarray | None
    blendshapes: np.ndarray | None
    head: tuple[float, float]
    size: float
    look: np.ndarray | None = None


def _face_place(face: np.ndarray, aspect: float) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = face[:, :2].min(axis=0), face[:, :2].max(axis=0)
    return lo * (aspect, 1.0), hi * (aspect, 1.0)


def _pose_head(pose: np.ndarray, aspect: float) -> tuple[tuple[float, float], float] | None:
    head = [i for i in _HEAD if pose[i, 3] >= MIN_VISIBILITY]
    if not head:
        return None
    xy = pose[head, :2].astype(np.float64) * (aspect, 1.0)
    centre = xy.mean(axis=0)
    if all(pose[i, 3] >= MIN_VISIBILITY for i in _SHOULDERS):
        size = float(np.hypot(*((pose[11, :2] - pose[12, :2]) * (aspect, 1.0)))) / 2  # a head is about half the shoulders
    else:
        size = float(np.ptp(xy[:, 0])) if len(head) > 1 else 0.0
    return (float(centre[0]), float(centre[1])), max(size, 0.02)


def thumbnail(rgb: np.ndarray, height: int = THUMB_HEIGHT) -> np.ndarray:
    """The frame ``height`` pixels high (its aspect kept), for ``look``."""
    h, w = rgb.shape[:2]
    if h <= height:
        return rgb
    rows = np.linspace(0, h - 1, height).round().astype(int)
    cols = np.linspace(0, w - 1, max(1, round(w * height / h))).round().astype(int)
    return rgb[np.ix_(rows, cols)]


def look(thumb: np.ndarray, head: tuple[float, float], size: float) -> np.ndarray | None:
    """The colours in ``LOOK_BOX`` around a head (centre and size in isotropic units) as a
    normalised histogram, or None when too little of the box is in the picture."""
    h, w = thumb.shape[:2]
    aspect = w / h
    across, above, below = LOOK_BOX
    x0, x1 = (int(np.clip((head[0] + d * size) / aspect * w, 0, w)) for d in (-across, across))
    y0, y1 = (int(np.clip((head[1] + d * size) * h, 0, h)) for d in (-above, below))
    if (x1 - x0) * (y1 - y0) < 32:
        return None
    return _histogram(thumb[y0:y1, x0:x1])


def colours(rgb: np.ndarray, height: int = 48) -> np.ndarray:
    """The colours of a whole picture (a call's tile) made ``height`` pixels high, as a look is:
    comparable with ``alike``."""
    return _histogram(thumbnail(rgb, height))


def _histogram(rgb: np.ndarray) -> np.ndarray:
    pixels = rgb.reshape(-1, 3).astype(np.float32)
    total = pixels.sum(axis=1) + 1.0
    hist, _ = np.histogramdd(np.c_[pixels[:, 0] / total, pixels[:, 1] / total, pixels.max(axis=1) / 256.0],
                             bins=LOOK_BINS, range=((0, 1), (0, 1), (0, 1)))
    return (hist / max(hist.sum(), 1.0)).ravel()


def alike(a: np.ndarray, b: np.ndarray) -> float:
    """How alike two looks are: their Bhattacharyya coefficient (0 = no colour in common, 1 = the same)."""
    return float(np.sqrt(a * b).sum())


def people(poses: list[np.ndarray], faces: list[np.ndarray], blendshapes: list[np.ndarray | None],
           aspect: float, thumb: np.ndarray | None = None) -> list[Person]:
    """Pair each face with the body whose nose lies inside it (widened by a quarter); the rest stay
    bodies alone or faces alone. With ``thumb``, each person gets their ``look``."""
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
    if thumb is not None:
        found = [dataclasses.replace(p, look=look(thumb, p.head, p.size)) for p in found]
    return found


def owner(hand: np.ndarray, found: list[Person], aspect: float) -> Person | None:
    """Whose ``hand`` (21, 3) this is: the person whose head or seen wrist is nearest its wrist, in
    their head sizes (None when nobody is in view)."""
    wrist = hand[0, :2].astype(np.float64) * (aspect, 1.0)

    def distance(p: Person) -> float:
        places = [np.array(p.head)]
        if p.pose is not None:
            places += [p.pose[i, :2] * (aspect, 1.0) for i in (PoseLandmark.LEFT_WRIST, PoseLandmark.RIGHT_WRIST) if p.pose[i, 3] >= MIN_VISIBILITY]
        return min(float(np.hypot(*(wrist - q))) for q in places) / p.size

    return min(found, key=distance, default=None)


def _apart(p: Person, head: tuple[float, float], size: float) -> float | None:
    """How far ``p``'s head is from ``head`` in head sizes (the larger of the two), or None when
    ``p``'s head is not of that ``size`` (more than ``SIZE_RATIO`` larger or smaller)."""
    ratio = p.size / size if size > 0 else 1.0
    if not 1 / SIZE_RATIO <= ratio <= SIZE_RATIO:
        return None
    return float(np.hypot(p.head[0] - head[0], p.head[1] - head[1])) / max(size, p.size)


class PartnerTracker:
    """Chooses the partner on the first frame with anyone in view, then keeps them by where their
    head is, how large it is and how they look (the rules in the module's docstring). Create one
    per stream; ``absence`` says why the last frame had no partner."""

    def __init__(self) -> None:
        self.head: tuple[float, float] | None = None  # where the partner's head was last seen
        self.size = 0.0
        self.seen_t = 0.0
        self.look: np.ndarray | None = None  # how the partner looks, remembered over frames
        self.alone = False  # the previous frame held the partner and nobody else
        self.others: list[Person] = []  # who was in view besides the partner, followed while they are away
        self.absence: Absence | None = None

    def _likeness(self, p: Person) -> float | None:
        return alike(self.look, p.look) if self.look is not None and p.look is not None else None

    def _unlike(self, p: Person) -> bool:
        likeness = self._likeness(p)
        return likeness is not None and likeness < OTHER_LOOK

    def _was_other(self, p: Person) -> bool:
        """Whether ``p`` is someone who was in view together with the partner: at their place and
        size, or looking like them."""
        for o in self.others:
            distance = _apart(p, o.head, o.size)
            if distance is not None and distance <= FAR_HEADS:
                return True
            if p.look is not None and o.look is not None and alike(p.look, o.look) >= SAME_LOOK:
                return True
        return False

    def _near(self, p: Person, t: float) -> float | None:
        """How far ``p``'s head is from where the partner's was, in head sizes (None: too far, or
        not the partner's size)."""
        reach = min(NEAR_HEADS + WIDEN_PER_S * max(t - self.seen_t, 0.0), FAR_HEADS)
        distance = _apart(p, self.head, self.size)
        return distance if distance is not None and distance <= reach else None

    def _pick(self, found: list[Person], t: float, aspect: float) -> Person | None:
        if self.head is None:
            centre = (aspect / 2, 0.5)
            return min(found, key=lambda p: np.hypot(p.head[0] - centre[0], p.head[1] - centre[1]))
        maybe = [p for p in found if not self._unlike(p)]
        if self.alone and len(found) == 1:
            return maybe[0] if maybe else None  # alone before and now: wherever they moved
        near = [(d, p) for p in maybe if (d := self._near(p, t)) is not None]
        if near:
            return min(near, key=lambda c: c[0])[1]
        same = [(k, p) for p in maybe if (k := self._likeness(p)) is not None and k >= SAME_LOOK]
        if same:
            return max(same, key=lambda c: c[0])[1]
        if len(found) == 1 and maybe and not self._was_other(maybe[0]):
            return maybe[0]  # the only one in view again
        return None

    def choose(self, found: list[Person], t: float, aspect: float) -> tuple[Person | None, int]:
        """The partner among ``found`` (None when they are not in view) and how many others are in view."""
        partner = self._pick(found, t, aspect) if found else None
        self.alone = partner is not None and len(found) == 1
        if partner is None:
            self.absence = ("nobody" if not found else
                            "someone_else" if all(self._unlike(p) or self._was_other(p) for p in found) else "lost")
            self.others = [p for p in found if self._was_other(p)] if found else self.others
            return None, len(found)
        self.absence = None
        self.others = [p for p in found if p is not partner]
        self.head, self.size, self.seen_t = partner.head, partner.size, t
        if partner.look is not None:
            self.look = partner.look if self.look is None else (1 - LOOK_MEMORY) * self.look + LOOK_MEMORY * partner.look
        return partner, len(found) - 1


def partner_of(detections: Detections, tracker: PartnerTracker | None = None) -> Landmarks:
    """The partner's landmarks. ``tracker`` chooses the partner among several people; without
    one, the person nearest the centre is described. A hand is the partner's when it is nearer
    to the partner's head or wrists than to anyone else's."""
    w, h = detections.image_size
    found = people(list(detections.poses), list(detections.faces), list(detections.shapes), w / h,
                   detections.thumb)
    tracker = tracker or PartnerTracker()
    partner, others = tracker.choose(found, detections.t, w / h)
    if partner is None:
        return Landmarks.empty(detections.t, detections.image_size, others, tracker.absence)
    empty = Landmarks.empty(detections.t, detections.image_size)
    mine = [hand for hand in detections.hands if owner(hand, found, w / h) is partner]
    return Landmarks(
        t=detections.t, image_size=detections.image_size,
        pose=partner.pose if partner.pose is not None else empty.pose,
        face=partner.face if partner.face is not None else empty.face,
        blendshapes=partner.blendshapes if partner.blendshapes is not None else empty.blendshapes,
        hands=np.stack(mine[:2]) if mine else empty.hands,
        others=others,
    )


#: The body's landmarks are smoothed with a One Euro filter (Casiez, Roussel and Vogel, CHI 2012)
#: whose speeds count in half shoulder widths, so that it acts the same near and far. At rest the
#: cutoff is MIN_CUTOFF_HZ; it rises by BETA per half shoulder width per second of movement, so a
#: real movement passes with little lag while the model's frame-to-frame tremble is held back (on
#: compressed video the Tasks pose model moves a still nose about three times as much per frame as
#: the face mesh sees the head move).
MIN_CUTOFF_HZ = 0.2
BETA = 4.0
DERIVATIVE_CUTOFF_HZ = 1.0


class OneEuro:
    """A One Euro filter over an array of values (all filtered alike, each on its own)."""

    def __init__(self, min_cutoff_hz: float = MIN_CUTOFF_HZ, beta: float = BETA,
                 derivative_cutoff_hz: float = DERIVATIVE_CUTOFF_HZ) -> None:
        self.min_cutoff_hz, self.beta, self.derivative_cutoff_hz = min_cutoff_hz, beta, derivative_cutoff_hz
        self.reset()

    def reset(self) -> None:
        self._t: float | None = None
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None

    @staticmethod
    def _alpha(cutoff_hz, dt: float):
        return 1.0 / (1.0 + 1.0 / (2 * np.pi * cutoff_hz * dt))

    def __call__(self, t: float, x: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """The filtered ``x`` at time ``t``; speeds count in units of ``scale`` for the cutoff."""
        if self._x is None or self._x.shape != x.shape or t <= self._t or not np.all(np.isfinite(x)):
            self._t, self._x, self._dx = t, x.copy(), np.zeros_like(x)
            return x
        dt = t - self._t
        dx = (x - self._x) / dt
        self._dx = self._dx + self._alpha(self.derivative_cutoff_hz, dt) * (dx - self._dx)
        cutoff = self.min_cutoff_hz + self.beta * np.abs(self._dx) / scale
        self._x = self._x + self._alpha(cutoff, dt) * (x - self._x)
        self._t = t
        return self._x.copy()


class PoseSmoother:
    """The partner's body points smoothed over time (x, y and z; visibility as measured), with the
    speeds for the One Euro cutoff in half shoulder widths. Starts afresh whenever the body is lost."""

    def __init__(self) -> None:
        self._filter = OneEuro()

    def __call__(self, lm: Landmarks) -> Landmarks:
        if not lm.has_pose:
            self._filter.reset()
            return lm
        w, h = lm.image_size
        iso = np.array([w / h, 1.0, w / h])
        xyz = lm.pose[:, :3].astype(np.float64) * iso
        shoulders = float(np.hypot(*(xyz[PoseLandmark.LEFT_SHOULDER, :2] - xyz[PoseLandmark.RIGHT_SHOULDER, :2])))
        pose = lm.pose.copy()
        pose[:, :3] = self._filter(lm.t, xyz, max(shoulders / 2, 0.02)) / iso
        return dataclasses.replace(lm, pose=pose)


class Follower:
    """The partner over a stream of ``Detections``: chooses them (``PartnerTracker``) and smooths
    their body (``PoseSmoother``). This is the state that runs from frame to frame outside the
    models, so a video split into chunks has one Follower, fed the chunks in time order."""

    def __init__(self) -> None:
        self.tracker = PartnerTracker()
        self.smooth = PoseSmoother()

    def __call__(self, detections: Detections) -> Landmarks:
        return self.smooth(partner_of(detections, self.tracker))
