"""The check-in coach: turns confirmed cue episodes into sparse, gentle check-in suggestions.

Owns: ``CheckInCoach`` (global and per-cue cooldowns), which makes ``Suggestion``s from each
cue's templates (its catalogue entry). Imports: catalogue, profiles, cues, records.

The templates follow DESIGN.md's language rules (see the catalogue): the partner is the
authority on their own experience, so a suggestion says what was seen and asks.
"""
from __future__ import annotations

from cue_trainer.catalogue import BY_ID
from cue_trainer.cues import CUE_INDEX
from cue_trainer.profiles import Profile
from cue_trainer.records import CueEvent, Suggestion

class CheckInCoach:
    """Decides when to suggest a check-in and which words to offer.

    At most one suggestion per ``profile.global_cooldown_s``; per cue at most one per the cue's
    ``cooldown_s``; none for cues that do not suggest (out_of_view). Templates of a cue are used
    in turn, so the same words do not repeat back to back.
    """

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self._last_any: float | None = None
        self._last: dict[str, float] = {}
        self._turn: dict[str, int] = {}

    def offer(self, cue: str, t: float) -> Suggestion | None:
        """A suggestion for ``cue`` confirmed at time ``t``, or None when it would be too soon."""
        templates = BY_ID[cue].templates
        if not templates:
            return None
        if self._last_any is not None and t - self._last_any < self.profile.global_cooldown_s:
            return None
        if cue in self._last and t - self._last[cue] < self.profile.cues[cue].cooldown_s:
            return None
        turn = self._turn.get(cue, 0)
        self._turn[cue] = turn + 1
        self._last_any = self._last[cue] = t
        return Suggestion(t, cue, templates[turn % len(templates)])


def suggestions_for(events: list[CueEvent], profile: Profile) -> list[Suggestion]:
    """The suggestions a live session would have offered for these episodes (batch form)."""
    coach = CheckInCoach(profile)
    ordered = sorted(events, key=lambda e: (e.confirmed_s, CUE_INDEX[e.cue]))
    return [s for e in ordered if (s := coach.offer(e.cue, e.confirmed_s)) is not None]
