"""Records: the value types a session is made of, shared by the write side and the read side.

Owns: ``CueEvent``, ``Suggestion`` (with its store id and response), ``Mark``, ``Segment``,
``Label``, the closed sets ``Response``/``SegmentKind`` and the one set of response texts.
Imports: catalogue only (so that the store can hold these without importing the cue engine or
the coach). Times are on the session clock (seconds since the session started).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cue_trainer.catalogue import BY_ID

Response = Literal["asked", "not_now"]
SegmentKind = Literal["calibration", "pause"]

#: How a suggestion's outcome reads to people; ``None`` is a suggestion nobody answered, and
#: "hidden" one that Quiz mode never showed.
RESPONSE_TEXT: dict[str | None, str] = {
    "asked": "asked it",
    "not_now": "not now",
    None: "no answer",
    "hidden": "not shown in Quiz mode",
}


@dataclass(frozen=True)
class CueEvent:
    """One episode of a cue.

    Attributes:
        cue: cue id.
        start_s: first frame of the episode.
        end_s: first frame after it (or the last frame of the stream).
        confirmed_s: when it had lasted ``min_duration_s`` (the earliest it could be shown).
        peak: the most extreme signal value in the episode, in the cue's unit.
    """

    cue: str
    start_s: float
    end_s: float
    confirmed_s: float
    peak: float


@dataclass(frozen=True)
class Suggestion:
    """A check-in question offered to the practitioner at session time ``t``.

    ``id`` is its row in the store once recorded (None before, or in a replay); ``response`` is
    what the practitioner did with it (None: no answer).
    """

    t: float
    cue: str
    text: str
    id: int | None = None
    response: Response | None = None

    @property
    def label(self) -> str:
        return BY_ID[self.cue].label


@dataclass(frozen=True)
class Mark:
    """A practitioner's mark at session time ``t``: the cue they noticed, a free note, or both."""

    t: float
    cue: str | None
    note: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Segment:
    """A calibration (with the baseline it produced, as JSON) or a pause. ``end_s`` is None for a
    segment still open when the session ended."""

    kind: SegmentKind
    start_s: float
    end_s: float | None
    baseline_json: str | None = None


@dataclass(frozen=True)
class Label:
    """A true cue episode marked by hand (for tuning and evaluation); ``source`` names its file."""

    cue: str
    start_s: float
    end_s: float
    source: str | None = None
