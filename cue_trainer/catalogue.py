"""The cue catalogue: every cue declared once, in one entry, and read by everything else.

Owns: ``Cue`` (the ids), ``Need`` (what must be visible for a cue, and what to change when it is
hidden), ``Defaults`` (a cue's default settings), ``CueSpec`` (one entry) and ``CUES``. Imports:
nothing of ours. Everything that varies by cue reads its entry: the default profile
(``profiles``), the check-in templates (``coach``), the framing check (``framing``), the mark
buttons and their keys (the app), the signal's unit and direction (``cues``), the Review's words.
Adding a cue is its entry here, its signal in ``cues`` (and ``features`` with a store migration
if it needs a new measurement), and nothing else.

Labels and templates follow DESIGN.md's language rules: they describe what is seen, relative to
earlier, and ask; they never name a feeling or a state of mind as fact. Every template starts from
what was seen ("I notice…", "I've noticed…"), asks an open question, and often offers another
reading or some space.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Cue(StrEnum):
    """The cue ids: stable, used in profiles, the store and exports."""

    SLUMPED_POSTURE = "slumped_posture"
    LOW_ENERGY = "low_energy"
    LOW_MOVEMENT = "low_movement"
    LOOKING_AWAY = "looking_away"
    HEAD_DOWN = "head_down"
    EYES_CLOSING = "eyes_closing"
    SHOULDERS_RAISED = "shoulders_raised"
    LEANING_BACK = "leaning_back"
    FACE_TOUCHING = "face_touching"
    OUT_OF_VIEW = "out_of_view"


@dataclass(frozen=True)
class Need:
    """What must be visible for a cue to be measured.

    Attributes:
        text: how people read it, after "can't see" ("the face").
        features: the per-frame measurements that show it was seen (any one of them will do).
        advice: what to change when it is hidden, as the end of a sentence.
    """

    text: str
    features: tuple[str, ...]
    advice: str = "make sure head and shoulders are in the picture, in good light"


HEAD_AND_SHOULDERS = Need("head and shoulders", ("nose_y",))
THE_PERSON = Need("the person", ("present",))
UPPER_BODY = Need("upper body, steadily", ("body_scale",))
FACE = Need("the face", ("eye_openness",), "face the camera, in good light")
EARS_AND_SHOULDERS = Need("ears and shoulders", ("ear_shoulder",))
FACE_OR_SHOULDERS = Need("the face or shoulders", ("face_scale", "body_scale"))
HANDS = Need("hands", ("hand_face_gap",), "move back a little so that shoulders and hands are in the picture")


@dataclass(frozen=True)
class Defaults:
    """A cue's settings in the default profile (threshold and hysteresis in the cue's unit).

    Attributes:
        bridge_s: a dip under the threshold shorter than this inside one change keeps it one
            episode (one correct mark is one hit, never a hit and a miss).
        why: why they are what they are (a comment in ``cue-trainer profile default``).
    """

    threshold: float
    hysteresis: float
    min_duration_s: float
    cooldown_s: float
    bridge_s: float = 1.0
    enabled: bool = True
    why: str = ""


@dataclass(frozen=True)
class CueSpec:
    """One cue of the catalogue.

    Attributes:
        id: the cue's id.
        label: what people read: an observation, never an interpretation.
        short: a two-word form of the label for buttons and badges.
        signal: how the signal is computed, for people tuning it.
        unit: unit of the signal and so of its threshold.
        direction: "above" fires when the signal rises to the threshold, "below" when it falls to it.
        threshold_range: allowed (low, high) threshold in ``unit``.
        need: what must be visible, for "can't see …" and the framing check (None: nothing).
        defaults: its settings in the default profile.
        key: the key that marks it on the Practice page (one of ``MARK_KEYS``); None for a cue
            nobody marks.
        templates: the check-in questions it may suggest, used in turn; none for a state
            (out of view) that never leads to a suggestion.
    """

    id: Cue
    label: str
    short: str
    signal: str
    unit: str
    direction: Literal["above", "below"]
    threshold_range: tuple[float, float]
    need: Need | None
    defaults: Defaults
    key: str | None = None
    templates: tuple[str, ...] = ()

    @property
    def needs(self) -> str:
        """What must be visible, in words ("" when nothing)."""
        return self.need.text if self.need else ""

    @property
    def suggests(self) -> bool:
        """Whether an episode may lead to a check-in suggestion (and so be marked and scored)."""
        return bool(self.templates)


CUES: tuple[CueSpec, ...] = (
    CueSpec(
        Cue.SLUMPED_POSTURE, 'Sitting lower / slumping compared with earlier', 'Sitting lower',
        signal='how much lower nose and shoulders sit than in the baseline, in baseline shoulder widths',
        unit='shoulder widths', direction='above', threshold_range=(0.05, 2.0),
        need=HEAD_AND_SHOULDERS,
        defaults=Defaults(threshold=0.25, hysteresis=0.08, min_duration_s=3.0, cooldown_s=300.0),
        key='1',
        templates=(
            "I've noticed you're sitting a bit lower than earlier. How are you doing right now?",
            "I notice you've sunk down in your seat a little. Are you getting tired, or is something else going on?",
            'I see your posture has changed since we started. How is this going for you?',
            "I notice you're sitting lower than before. Would you like a short break, or shall we keep going?",
        ),
    ),
    CueSpec(
        Cue.LOW_ENERGY, 'Less movement and a lower posture than earlier', 'Lower & stiller',
        signal='mean of three parts, each 0-1: stillness (as low_movement), eyes less open (half as open = 1), lower posture (half a shoulder width = 1); needs at least two of them',
        unit='share', direction='above', threshold_range=(0.1, 1.0),
        need=THE_PERSON,
        defaults=Defaults(threshold=0.5, hysteresis=0.1, min_duration_s=20.0, cooldown_s=600.0),
        key='2',
        templates=(
            "I've noticed you're moving less and sitting lower than earlier. How is your energy right now?",
            "I notice you've been stiller and lower in your seat for a while. Are you tired? Or is there something else going on?",
            "I've noticed a change in how you're sitting and moving. How are you doing? We can pause if you like.",
        ),
    ),
    CueSpec(
        Cue.LOW_MOVEMENT, 'Much stiller than earlier', 'Stiller',
        signal='how much less upper-body movement than in the baseline, over the last 3 s (1 = no movement)',
        unit='share', direction='above', threshold_range=(0.1, 1.0),
        need=UPPER_BODY,
        defaults=Defaults(threshold=0.6, hysteresis=0.15, min_duration_s=10.0, cooldown_s=300.0),
        key='3',
        templates=(
            "I notice you've been very still for a while. How are you doing?",
            "I've noticed you're moving much less than earlier. Is something on your mind, or are you just settled?",
            "I see you've gone quite still. Would you like a moment, or shall we carry on?",
        ),
    ),
    CueSpec(
        Cue.LOOKING_AWAY, 'Looking away more than earlier', 'Looking away',
        signal="how far the gaze turned left or right from the baseline direction: head yaw plus the eyes' steady turn within the head (as held through three quarters of the last second, so that an eye reading that flips from side to side does not count; the head alone while the eyes are closed)",
        unit='degrees', direction='above', threshold_range=(5.0, 90.0),
        need=FACE,
        defaults=Defaults(threshold=25.0, hysteresis=7.0, min_duration_s=2.0, cooldown_s=300.0),
        key='4',
        templates=(
            "I notice you've been looking away more than earlier. Is something on your mind?",
            "I've noticed your eyes moving away from the screen a few times. How is this conversation going for you?",
            'I see you looking off to the side. Do you need a moment, or is something else going on?',
        ),
    ),
    CueSpec(
        Cue.HEAD_DOWN, 'Head lowered', 'Head lowered',
        signal='how much further down the head is tilted than in the baseline, in degrees',
        unit='degrees', direction='above', threshold_range=(5.0, 90.0),
        need=FACE,
        defaults=Defaults(threshold=15.0, hysteresis=5.0, min_duration_s=3.0, cooldown_s=300.0),
        key='5',
        templates=(
            'I notice your head has dropped a bit. How are you doing?',
            "I've noticed you looking down for a while. Is something going on, or are you just thinking?",
            "I see you've lowered your head. Would you like to tell me what's on your mind?",
        ),
    ),
    CueSpec(
        Cue.EYES_CLOSING, 'Eyes closed or half-closed more than earlier', 'Eyes closing',
        signal='the share of the last 1.5 s in which the eyes were at least half closed compared with their usual openness (1 = closed throughout; a blink fills at most about a quarter; lids lowered while the head is pitched down to look down count as open)',
        unit='share', direction='above', threshold_range=(0.1, 1.0),
        need=FACE,
        defaults=Defaults(threshold=0.5, hysteresis=0.1, min_duration_s=2.5, cooldown_s=300.0,
                          why='PERCLOS over 1.5 s: eyes at least half closed in half of it. It reaches 0.5 0.75 s into a closure; 2.5 s more confirm it, which lets a 2 s glance down (lids lowered, read as closed) pass.'),
        key='6',
        templates=(
            'I notice your eyes closing more than earlier. Are you tired? Or is there something else going on?',
            "I've noticed your eyes are half-closed quite a lot. How are you doing right now?",
            'I see you closing your eyes for longer stretches. Would a short break help?',
        ),
    ),
    CueSpec(
        Cue.SHOULDERS_RAISED, 'Shoulders drawn up', 'Shoulders up',
        signal=('how far the shoulders are drawn up since the baseline, in shoulder widths: the smaller of how much '
                'the ear-to-shoulder gap closed and how much the shoulders rose (a bowed head closes the gap but '
                'leaves the shoulders where they were)'),
        unit='shoulder widths', direction='above', threshold_range=(0.02, 1.0),
        need=EARS_AND_SHOULDERS,
        defaults=Defaults(threshold=0.12, hysteresis=0.04, min_duration_s=2.0, cooldown_s=300.0),
        key='7',
        templates=(
            'I notice your shoulders have come up a bit. How are you doing?',
            "I've noticed your shoulders are drawn up. Is something bothering you, or are you just cold?",
            'I see your shoulders are higher than earlier. How does this moment feel for you?',
        ),
    ),
    CueSpec(
        Cue.LEANING_BACK, 'Leaning back or lying down', 'Leaning back',
        signal='the larger of: how much smaller the face looks than in the baseline (the shoulders while the face is not seen), as a share, and how far the shoulder line turned from the baseline (share of 90 degrees)',
        unit='share', direction='above', threshold_range=(0.05, 1.0),
        need=FACE_OR_SHOULDERS,
        defaults=Defaults(threshold=0.2, hysteresis=0.06, min_duration_s=2.0, cooldown_s=300.0,
                          why="The face's size is steady (under 3 % on calm real clips), so 2 s of being 20 % smaller is a lean."),
        key='8',
        templates=(
            "I've noticed you're leaning back a lot. Are you tired? Or is there something else going on?",
            "I notice you're leaning back further than earlier. How are you doing?",
            "I see you've moved back from the camera. Is this a good moment to go on, or would you like a pause?",
        ),
    ),
    CueSpec(
        Cue.FACE_TOUCHING, 'Hand at the face', 'Hand at face',
        signal="gap between the closest visible hand point (hand model, or the body model's wrists and fingers) and the outline of the face, in face widths (0 = on or over the face)",
        unit='face widths', direction='below', threshold_range=(0.0, 1.0),
        need=HANDS,
        defaults=Defaults(threshold=0.05, hysteresis=0.15, min_duration_s=1.5, cooldown_s=300.0, bridge_s=1.5,
                          why="Face widths between the hand and the face's outline: a hand on the face reads 0 "
                              "(0.15 while it slides over the cheek), a gesture that brushes the chin 0-0.2 for "
                              "under a second. The hand model follows a hand on every other frame and looks for a "
                              "lost one on every fifth, so a hand held at the face can drop out for half a second: "
                              "a 1.5 s bridge keeps that one episode."),
        key='9',
        templates=(
            'I notice your hand at your face. How are you doing right now?',
            "I've noticed you touching your face. Is something on your mind?",
            "I see your hand went to your face. Would you like to say what's going on for you?",
        ),
    ),
    CueSpec(
        Cue.OUT_OF_VIEW, 'Not in view', 'Not in view',
        signal='1 when no face and no head-and-shoulders are found, else 0',
        unit='', direction='above', threshold_range=(0.5, 1.0),
        need=None,
        defaults=Defaults(threshold=0.5, hysteresis=0.0, min_duration_s=2.0, cooldown_s=0.0),
    ),
)

CUE_IDS: tuple[str, ...] = tuple(c.id for c in CUES)
BY_ID: dict[str, CueSpec] = {c.id: c for c in CUES}
#: Keys that mark a cue, in the order of the keyboard's top row; the page's other keys (P, N, ?)
#: are not among them.
MARK_KEYS = tuple("1234567890")
#: The cues a practitioner marks, in the order of their keys.
MARKABLE: tuple[CueSpec, ...] = tuple(c for k in MARK_KEYS for c in CUES if c.key == k)

#: Allowed ranges of the settings every cue has (the threshold's range is per cue).
MIN_DURATION_RANGE_S = (0.0, 600.0)
COOLDOWN_RANGE_S = (0.0, 7200.0)
BRIDGE_RANGE_S = (0.0, 10.0)


def check(cues: tuple[CueSpec, ...]) -> None:
    """Raises ValueError when the entries do not fit together: ids in the enum order, one entry
    each; every cue that suggests has at least three templates and a key of its own among
    ``MARK_KEYS`` (an eleventh markable cue fails here, at import, until the keys are extended);
    a default threshold inside its range."""
    if tuple(c.id for c in cues) != tuple(Cue)[: len(cues)] or len(cues) != len(Cue):
        raise ValueError(f"CUES must list every Cue once, in the enum's order, but got {[c.id for c in cues]}")
    keys = [c.key for c in cues if c.suggests]
    for c in cues:
        if c.suggests and len(c.templates) < 3:
            raise ValueError(f"{c.id} suggests, so it needs at least three templates, but has {len(c.templates)}")
        if c.suggests != (c.key is not None):
            raise ValueError(f"{c.id}: a cue is marked with a key exactly when it suggests")
        if not c.threshold_range[0] <= c.defaults.threshold <= c.threshold_range[1]:
            raise ValueError(f"{c.id}: default threshold {c.defaults.threshold} is outside {c.threshold_range}")
    if len(set(keys)) != len(keys) or not set(keys) <= set(MARK_KEYS):
        raise ValueError(f"every markable cue needs a key of its own among {', '.join(MARK_KEYS)}, but the keys are "
                         f"{keys}")


check(CUES)
