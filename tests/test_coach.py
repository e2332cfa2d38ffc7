"""Check-in coach: the language rules on every template, cooldowns, no suggestion for states."""
import re

import pytest

from cue_trainer.catalogue import BY_ID, CUES
from cue_trainer.coach import CheckInCoach, suggestions_for
from cue_trainer.cues import CueEvent
from cue_trainer.profiles import default_profile

OBSERVATION = re.compile(r"^(I notice|I've noticed|I see|I'm noticing)\b")
# Words that name a feeling, a mental state, a trait or a diagnosis. They may appear in a question
# ("Are you tired?") but never in a statement about the partner.
STATES = re.compile(
    r"\b(sad|unhappy|depressed|depression|anxious|anxiety|nervous|stressed|angry|annoyed|upset|afraid|scared|"
    r"bored|tired|exhausted|sleepy|lying(?! (down|back))|liar|dishonest|guilty|ashamed|lonely|hopeless|frustrated|disorder|"
    r"adhd|autis\w*|diagnos\w*|mood|emotion\w*|feel(s|ing)?)\b",
    re.IGNORECASE,
)
ALL = [(spec.id, i, text) for spec in CUES for i, text in enumerate(spec.templates)]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s]


@pytest.mark.parametrize("cue, i, text", ALL, ids=[f"{c}-{i}" for c, i, _ in ALL])
def test_template_follows_the_language_rules(cue, i, text):
    assert OBSERVATION.match(text), "starts from an observation"
    assert any(s.endswith("?") for s in sentences(text)), "contains a question"
    for s in sentences(text):
        if not s.endswith("?"):
            assert not STATES.search(s), f"names a state as fact: {s!r}"


@pytest.mark.parametrize(
    "text, ok",
    [
        ("I notice you're sitting lower. How are you doing?", True),  # the shape we want
        ("You are tired. Shall we stop?", False),  # no observation, a state as fact
        ("I notice you're anxious. Is that right?", False),  # observation names a feeling
        ("I've noticed you're sitting lower.", False),  # no question
    ],
)
def test_the_language_check_itself_can_fail(text, ok):
    passes = bool(OBSERVATION.match(text)) and any(s.endswith("?") for s in sentences(text)) and not any(
        STATES.search(s) for s in sentences(text) if not s.endswith("?")
    )
    assert passes is ok


def test_every_suggesting_cue_has_three_templates_and_labels_describe():
    for spec in CUES:
        if spec.suggests:
            assert len(spec.templates) >= 3
        assert not STATES.search(spec.label)


def ev(cue, confirmed_s):
    return CueEvent(cue, confirmed_s - 3, confirmed_s + 5, confirmed_s, 1.0)


def test_global_and_per_cue_cooldowns():
    p = default_profile()  # global 60 s, slumped 300 s, head_down 300 s
    got = suggestions_for(
        [
            ev("slumped_posture", 10),  # first: offered
            ev("head_down", 40),  # 30 s later: inside the global minute
            ev("head_down", 75),  # 65 s after the last one: offered
            ev("slumped_posture", 200),  # other cue, fine globally, but slumped's 300 s not over
            ev("slumped_posture", 320),  # 310 s after the first slumped: offered
            ev("out_of_view", 500),  # a state, never a suggestion
        ],
        p,
    )
    assert [(s.cue, s.t) for s in got] == [("slumped_posture", 10), ("head_down", 75), ("slumped_posture", 320)]
    assert got[0].text != got[2].text  # templates take turns
    assert got[0].label == BY_ID["slumped_posture"].label


def test_streaming_coach_equals_batch_helper():
    p = default_profile()
    events = [ev(c, t) for t, c in enumerate(["head_down", "looking_away", "face_touching"] * 30, start=1)]
    coach = CheckInCoach(p)
    streamed = [s for e in events if (s := coach.offer(e.cue, e.confirmed_s))]
    assert streamed == suggestions_for(events, p)
