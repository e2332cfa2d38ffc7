"""Framing: what the camera lets the app see, and what to change when something is hidden.

Owns: ``Framing`` (per cue, the share of in-view time it could be measured; whether the picture
looks sideways), ``framing_of``, ``combine`` and ``brief``. Imports: catalogue, features, baseline. Used at
calibration (``analysis``), for a stored session (``Recording.framing``) and by the CLI. A cue whose landmarks are hidden is unknown, never guessed; this module says so in words
("hands are out of view or hidden: 'Hand at face' can't be noticed; move back a little …").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cue_trainer.baseline import Baseline
from cue_trainer.catalogue import BY_ID, CUE_IDS
from cue_trainer.features import INDEX

#: A cue measured in less than this share of the in-view time counts as hidden.
HIDDEN_BELOW = 0.5
#: A baseline shoulder line steeper than this (degrees) suggests a sideways picture.
SIDEWAYS_DEG = 60.0

#: What must be visible for a cue (``CueSpec.needs``) -> the per-frame features that show it was
#: (any one of them will do).
NEEDS = {
    "head and shoulders": ("nose_y",),
    "the person": ("present",),
    "upper body, steadily": ("body_scale",),
    "the face": ("eye_openness",),
    "ears and shoulders": ("ear_shoulder",),
    "the face or shoulders": ("face_scale", "body_scale"),
    "hands": ("hand_face_gap",),
}
assert set(NEEDS) == {c.needs for c in BY_ID.values() if c.needs}, "every kind of 'needs' has its feature"

_ADVICE = {
    "hands": "move back a little so that shoulders and hands are in the picture",
    "the face": "face the camera, in good light",
}
_DEFAULT_ADVICE = "make sure head and shoulders are in the picture, in good light"


@dataclass(frozen=True)
class Framing:
    """What one stretch of frames showed.

    Attributes:
        in_view_share: share of the frames with the person in view.
        known_share: per cue id, the share of in-view frames in which it could be measured.
        shoulder_tilt_deg: the baseline's shoulder line, degrees from horizontal (NaN if unseen).
    """

    in_view_share: float
    known_share: dict[str, float]
    shoulder_tilt_deg: float

    @property
    def hidden(self) -> list[str]:
        """Cues (that can be suggested) measured in too little of the time to be noticed."""
        return [c for c in CUE_IDS if BY_ID[c].suggests and self.known_share.get(c, 0.0) < HIDDEN_BELOW]

    @property
    def sideways(self) -> bool:
        return bool(np.isfinite(self.shoulder_tilt_deg) and abs(self.shoulder_tilt_deg) > SIDEWAYS_DEG)

    def notes(self) -> list[str]:
        """One sentence per thing that is hidden, grouped by what must be visible, with advice."""
        out = []
        if self.in_view_share < HIDDEN_BELOW:
            out.append(f"The person was in view in only {100 * self.in_view_share:.0f} % of the analysed time.")
        by_need: dict[str, list[str]] = {}
        for cue in self.hidden:
            by_need.setdefault(BY_ID[cue].needs, []).append(cue)
        for need, cues in by_need.items():
            share = 1.0 - min(self.known_share.get(c, 0.0) for c in cues)
            names = ", ".join(f"“{BY_ID[c].short}”" for c in cues)
            out.append(f"{need[0].upper()}{need[1:]} out of view or hidden {100 * share:.0f} % of the time: "
                       f"{names} can't be noticed; {_ADVICE.get(need, _DEFAULT_ADVICE)}.")
        if self.sideways:
            out.append(f"The shoulder line was {abs(self.shoulder_tilt_deg):.0f}° from horizontal in the baseline: "
                       "the picture may be sideways, or the person lying down; posture cues compare with that.")
        return out


def brief(framing: Framing) -> str:
    """The notes in one short sentence (for a narrow panel): what is hidden, which cues it costs,
    and the first thing to change; "" when nothing is."""
    by_need: dict[str, list[str]] = {}
    for cue in framing.hidden:
        by_need.setdefault(BY_ID[cue].needs, []).append(BY_ID[cue].short)
    parts = [f"{need} (“{'”, “'.join(cues)}” can't be noticed)" for need, cues in by_need.items()]
    text = f"Hidden from the camera: {'; '.join(parts)} — {_ADVICE.get(next(iter(by_need)), _DEFAULT_ADVICE)}." \
        if parts else ""
    if framing.sideways:
        text += " The picture may be sideways."
    return text.strip()


def combine(parts: list[tuple[Framing, int]]) -> Framing | None:
    """The framing of several stretches, each given with its number of frames."""
    parts = [(f, n) for f, n in parts if n]
    if not parts:
        return None
    total = sum(n for _, n in parts)
    in_view = sum(f.in_view_share * n for f, n in parts)
    known = {c: sum(f.known_share[c] * f.in_view_share * n for f, n in parts) / max(in_view, 1e-9)
             for c in parts[0][0].known_share}
    return Framing(in_view / total, known, parts[0][0].shoulder_tilt_deg)


def framing_of(X: np.ndarray, baseline: Baseline) -> Framing:
    """The framing of frames ``X`` (n, len(FEATURES)): per cue, the share of in-view frames in
    which the per-frame measurement it needs was made (``NEEDS``; windowed measurements, which
    fill in over a few seconds, do not count against the framing), and ``baseline``'s shoulder line."""
    X = np.asarray(X, dtype=np.float64).reshape(-1, len(INDEX))
    present = X[:, INDEX["present"]] == 1.0
    n = int(present.sum())
    known = {}
    for c in CUE_IDS:
        if BY_ID[c].needs:
            columns = [INDEX[name] for name in NEEDS[BY_ID[c].needs]]
            known[c] = float(np.isfinite(X[present][:, columns]).any(axis=1).sum()) / n if n else 0.0
    return Framing(float(present.mean()) if len(X) else 0.0, known, float(baseline["shoulder_tilt_deg"]))
