"""Framing: what the camera lets the app see, and what to change when something is hidden.

Owns: ``Framing`` (per cue, the share of in-view time it could be measured; whether the picture
looks sideways), ``framing_of``, ``combine``, ``brief`` and ``small_picture`` (a call's tile too
small for the face's cues). Imports: catalogue, features, baseline. Used at
calibration (``analysis``), for a stored session (``Recording.framing``) and by the CLI. A cue whose landmarks are hidden is unknown, never guessed; this module says so in words
("hands are out of view or hidden: 'Hand at face' can't be noticed; move back a little …").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cue_trainer.baseline import Baseline
from cue_trainer.catalogue import BY_ID, CUE_IDS, FACE, Need
from cue_trainer.features import INDEX

#: A cue measured in less than this share of the in-view time counts as hidden.
HIDDEN_BELOW = 0.5
#: A baseline shoulder line steeper than this (degrees) suggests a sideways picture.
SIDEWAYS_DEG = 60.0
#: A partner's picture (a call's tile) lower than this, in pixels, is too small for the face's cues:
#: in a head-and-shoulders tile the eyes are then about ten pixels wide, and an eye's opening two or
#: three, too few for the lids or the gaze to be read.
SMALL_PICTURE_PX = 360

_unknown = {f for c in BY_ID.values() if c.need for f in c.need.features} - set(INDEX)
assert not _unknown, f"the catalogue's needs name measurements that features does not make: {sorted(_unknown)}"


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
        for need, cues in _by_need(self.hidden).items():
            share = 1.0 - min(self.known_share.get(c, 0.0) for c in cues)
            names = ", ".join(f"“{BY_ID[c].short}”" for c in cues)
            out.append(f"{need.text[0].upper()}{need.text[1:]} out of view or hidden {100 * share:.0f} % of the time: "
                       f"{names} can't be noticed; {need.advice}.")
        if self.sideways:
            out.append(f"The shoulder line was {abs(self.shoulder_tilt_deg):.0f}° from horizontal in the baseline: "
                       "the picture may be sideways, or the person lying down; posture cues compare with that.")
        return out


def small_picture(height_px: int) -> str | None:
    """What to change when the partner's picture in a shared call window is too small for the cues
    that need the face; None when it is large enough."""
    if height_px >= SMALL_PICTURE_PX:
        return None
    names = ", ".join(f"“{BY_ID[c].short}”" for c in CUE_IDS if BY_ID[c].need is FACE and BY_ID[c].suggests)
    return (f"The partner's picture is {height_px} px high, too small for {names} (about {SMALL_PICTURE_PX} px "
            "are needed): switch the call to speaker view, or make the window larger.")


def brief(framing: Framing) -> str:
    """The notes in one short sentence (for a narrow panel): what is hidden, which cues it costs,
    and the first thing to change; "" when nothing is."""
    by_need = _by_need(framing.hidden)
    parts = [f"{need.text} (“{'”, “'.join(BY_ID[c].short for c in cues)}” can't be noticed)"
             for need, cues in by_need.items()]
    text = f"Hidden from the camera: {'; '.join(parts)} — {next(iter(by_need)).advice}." if parts else ""
    if framing.sideways:
        text += " The picture may be sideways."
    return text.strip()


def _by_need(cues: list[str]) -> dict[Need, list[str]]:
    """``cues`` grouped by what must be visible for them, in the order they come."""
    out: dict[Need, list[str]] = {}
    for cue in cues:
        out.setdefault(BY_ID[cue].need, []).append(cue)
    return out


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
    which a per-frame measurement of what it needs was made (``Need.features``; windowed measurements, which
    fill in over a few seconds, do not count against the framing), and ``baseline``'s shoulder line."""
    X = np.asarray(X, dtype=np.float64).reshape(-1, len(INDEX))
    present = X[:, INDEX["present"]] == 1.0
    n = int(present.sum())
    known = {}
    for c in CUE_IDS:
        if BY_ID[c].need is not None:
            columns = [INDEX[name] for name in BY_ID[c].need.features]
            known[c] = float(np.isfinite(X[present][:, columns]).any(axis=1).sum()) / n if n else 0.0
    return Framing(float(present.mean()) if len(X) else 0.0, known, float(baseline["shoulder_tilt_deg"]))
