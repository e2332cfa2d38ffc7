"""The cue catalogue: what each cue is called, what it is computed from and its allowed settings.

Owns: ``CueSpec`` and ``CUES``. Imports: nothing of ours. Default settings live in
``default_profile.toml``; the signal formulas live in ``cues``; check-in templates in ``coach``.
Labels follow DESIGN.md's language rules: they describe what is seen, relative to earlier.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class CueSpec:
    """One cue of the catalogue.

    Attributes:
        id: stable identifier used in profiles, the store and exports.
        label: what people read: an observation, never an interpretation.
        short: a two-word form of the label for buttons and badges.
        signal: how the signal is computed, for people tuning it.
        unit: unit of the signal and so of its threshold.
        direction: "above" fires when the signal rises to the threshold, "below" when it falls to it.
        threshold_range: allowed (low, high) threshold in ``unit``.
        needs: what must be visible, for the "can't see …" text when the cue is unknown.
        suggests: whether an episode may lead to a check-in suggestion.
    """

    id: str
    label: str
    short: str
    signal: str
    unit: str
    direction: Literal["above", "below"]
    threshold_range: tuple[float, float]
    needs: str
    suggests: bool = True


CUES: tuple[CueSpec, ...] = (
    CueSpec(
        "slumped_posture", "Sitting lower / slumping compared with earlier", "Sitting lower",
        "how much lower nose and shoulders sit than in the baseline, in baseline shoulder widths",
        "shoulder widths", "above", (0.05, 2.0), "head and shoulders",
    ),
    CueSpec(
        "low_energy", "Less movement and a lower posture than earlier", "Lower & stiller",
        "mean of three parts, each 0-1: stillness (as low_movement), eyes less open (half as open = 1), "
        "lower posture (half a shoulder width = 1); needs at least two of them",
        "share", "above", (0.1, 1.0), "the person",
    ),
    CueSpec(
        "low_movement", "Much stiller than earlier", "Stiller",
        "how much less upper-body movement than in the baseline, over the last 3 s (1 = no movement)",
        "share", "above", (0.1, 1.0), "upper body, steadily",
    ),
    CueSpec(
        "looking_away", "Looking away more than earlier", "Looking away",
        "how far the gaze turned left or right from the baseline direction: head yaw plus the eyes' "
        "turn within the head (the head alone while the eyes are closed)",
        "degrees", "above", (5.0, 90.0), "the face",
    ),
    CueSpec(
        "head_down", "Head lowered", "Head lowered",
        "head tilted further down than in the baseline (face mesh pitch)",
        "degrees", "above", (5.0, 90.0), "the face",
    ),
    CueSpec(
        "eyes_closing", "Eyes closed or half-closed more than earlier", "Eyes closing",
        "PERCLOS: the share of the last 1.5 s in which the eyes were at least half closed compared with their "
        "usual openness (1 = closed throughout; a blink fills at most about a quarter)",
        "share", "above", (0.1, 1.0), "the face",
    ),
    CueSpec(
        "shoulders_raised", "Shoulders drawn up", "Shoulders up",
        "how much smaller the ear-to-shoulder gap is than in the baseline, in shoulder widths",
        "shoulder widths", "above", (0.02, 1.0), "ears and shoulders",
    ),
    CueSpec(
        "leaning_back", "Leaning back or lying down", "Leaning back",
        "the larger of: how much smaller the face looks than in the baseline (the shoulders while the face "
        "is not seen), as a share, and how far the shoulder line turned from the baseline (share of 90 degrees)",
        "share", "above", (0.05, 1.0), "the face or shoulders",
    ),
    CueSpec(
        "face_touching", "Hand at the face", "Hand at face",
        "gap between the closest visible hand point (hand model, or the body model's wrists and fingers) "
        "and the outline of the face, in face widths (0 = on or over the face)",
        "face widths", "below", (0.0, 1.0), "hands",
    ),
    CueSpec(
        "out_of_view", "Not in view", "Not in view",
        "1 when no face and no head-and-shoulders are found, else 0",
        "", "above", (0.5, 1.0), "", suggests=False,
    ),
)

CUE_IDS: tuple[str, ...] = tuple(c.id for c in CUES)
BY_ID: dict[str, CueSpec] = {c.id: c for c in CUES}

#: Allowed ranges of the settings every cue has (the threshold's range is per cue).
MIN_DURATION_RANGE_S = (0.0, 600.0)
COOLDOWN_RANGE_S = (0.0, 7200.0)
