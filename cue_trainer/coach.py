"""The check-in coach: turns confirmed cue episodes into sparse, gentle check-in suggestions.

Owns: the templates and ``CheckInCoach`` (global and per-cue cooldowns), which makes
``Suggestion``s. Imports: catalogue, profiles, cues, records.

Every template follows DESIGN.md's language rules: it starts from what was seen ("I notice…",
"I've noticed…"), asks an open question, and often offers another reading or some space. It never
states a feeling or a mental state as fact, and never labels anyone; the partner is the authority
on their own experience.
"""
from __future__ import annotations

from cue_trainer.catalogue import BY_ID, CUE_IDS
from cue_trainer.cues import CUE_INDEX
from cue_trainer.profiles import Profile
from cue_trainer.records import CueEvent, Suggestion

TEMPLATES: dict[str, tuple[str, ...]] = {
    "slumped_posture": (
        "I've noticed you're sitting a bit lower than earlier. How are you doing right now?",
        "I notice you've sunk down in your seat a little. Are you getting tired, or is something else going on?",
        "I see your posture has changed since we started. How is this going for you?",
        "I notice you're sitting lower than before. Would you like a short break, or shall we keep going?",
    ),
    "low_energy": (
        "I've noticed you're moving less and sitting lower than earlier. How is your energy right now?",
        "I notice you've been stiller and lower in your seat for a while. Are you tired? Or is there something else going on?",
        "I've noticed a change in how you're sitting and moving. How are you doing? We can pause if you like.",
    ),
    "low_movement": (
        "I notice you've been very still for a while. How are you doing?",
        "I've noticed you're moving much less than earlier. Is something on your mind, or are you just settled?",
        "I see you've gone quite still. Would you like a moment, or shall we carry on?",
    ),
    "looking_away": (
        "I notice you've been looking away more than earlier. Is something on your mind?",
        "I've noticed your eyes moving away from the screen a few times. How is this conversation going for you?",
        "I see you looking off to the side. Do you need a moment, or is something else going on?",
    ),
    "head_down": (
        "I notice your head has dropped a bit. How are you doing?",
        "I've noticed you looking down for a while. Is something going on, or are you just thinking?",
        "I see you've lowered your head. Would you like to tell me what's on your mind?",
    ),
    "eyes_closing": (
        "I notice your eyes closing more than earlier. Are you tired? Or is there something else going on?",
        "I've noticed your eyes are half-closed quite a lot. How are you doing right now?",
        "I see you closing your eyes for longer stretches. Would a short break help?",
    ),
    "shoulders_raised": (
        "I notice your shoulders have come up a bit. How are you doing?",
        "I've noticed your shoulders are drawn up. Is something bothering you, or are you just cold?",
        "I see your shoulders are higher than earlier. How does this moment feel for you?",
    ),
    "leaning_back": (
        "I've noticed you're leaning back a lot. Are you tired? Or is there something else going on?",
        "I notice you're leaning back further than earlier. How are you doing?",
        "I see you've moved back from the camera. Is this a good moment to go on, or would you like a pause?",
    ),
    "face_touching": (
        "I notice your hand at your face. How are you doing right now?",
        "I've noticed you touching your face. Is something on your mind?",
        "I see your hand went to your face. Would you like to say what's going on for you?",
    ),
}


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
        if not BY_ID[cue].suggests or cue not in TEMPLATES:
            return None
        if self._last_any is not None and t - self._last_any < self.profile.global_cooldown_s:
            return None
        if cue in self._last and t - self._last[cue] < self.profile.cues[cue].cooldown_s:
            return None
        turn = self._turn.get(cue, 0)
        self._turn[cue] = turn + 1
        self._last_any = self._last[cue] = t
        templates = TEMPLATES[cue]
        return Suggestion(t, cue, templates[turn % len(templates)])


def suggestions_for(events: list[CueEvent], profile: Profile) -> list[Suggestion]:
    """The suggestions a live session would have offered for these episodes (batch form)."""
    coach = CheckInCoach(profile)
    ordered = sorted(events, key=lambda e: (e.confirmed_s, CUE_INDEX[e.cue]))
    return [s for e in ordered if (s := coach.offer(e.cue, e.confirmed_s)) is not None]


assert set(TEMPLATES) == {c for c in CUE_IDS if BY_ID[c].suggests}, "every suggesting cue needs templates"
