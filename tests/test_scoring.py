"""The event matcher, and the noticing score on hand-built episodes and marks."""
import math

import pytest

from cue_trainer.records import CueEvent, Mark
from cue_trainer.scoring import headline, match, score

SLUMP = CueEvent("slumped_posture", 20.0, 30.0, 23.0, 0.4)
HEAD = CueEvent("head_down", 50.0, 55.0, 53.0, 20.0)


def table(rows):
    return {r.cue: (r.episodes, r.hits, r.misses, r.false_alarms) for r in rows}


@pytest.mark.parametrize(
    "events, marks, pauses, expected",
    [
        # a hit: the right cue, 2 s after the start
        ([SLUMP], [Mark(22.0, "slumped_posture")], [], {"slumped_posture": (1, 1, 0, 0), "all": (1, 1, 0, 0)}),
        # a late mark outside the window (ends 30 s + 5 s): a miss and a false alarm
        ([SLUMP], [Mark(40.0, "slumped_posture")], [], {"slumped_posture": (1, 0, 1, 1), "all": (1, 0, 1, 1)}),
        # a mark of the wrong cue: slumped is missed, head_down is a false alarm
        ([SLUMP], [Mark(22.0, "head_down")], [],
         {"slumped_posture": (1, 0, 1, 0), "head_down": (0, 0, 0, 1), "all": (1, 0, 1, 1)}),
        # two marks on one episode: one hit, the second is neither hit nor false alarm
        ([SLUMP], [Mark(22.0, "slumped_posture"), Mark(26.0, "slumped_posture")], [],
         {"slumped_posture": (1, 1, 0, 0), "all": (1, 1, 0, 0)}),
        # a mark during a pause is not scored
        ([SLUMP], [Mark(42.0, "slumped_posture")], [(40.0, 45.0)], {"slumped_posture": (1, 0, 1, 0), "all": (1, 0, 1, 0)}),
        # a mark just before the start, inside the tolerance, is a hit (noticed before the app)
        ([SLUMP], [Mark(16.0, "slumped_posture")], [], {"slumped_posture": (1, 1, 0, 0), "all": (1, 1, 0, 0)}),
        # notes without a cue are ignored; out_of_view is never scored
        ([CueEvent("out_of_view", 1, 5, 3, 1.0)], [Mark(3.0, None)], [], {"all": (0, 0, 0, 0)}),
        # one mark in the overlap of two episodes' windows goes to the one not yet matched
        ([SLUMP, CueEvent("slumped_posture", 32.0, 40.0, 35.0, 0.3)],
         [Mark(21.0, "slumped_posture"), Mark(31.0, "slumped_posture")], [],
         {"slumped_posture": (2, 2, 0, 0), "all": (2, 2, 0, 0)}),
        # one mark inside the second of two close episodes: that one is noticed, the first missed
        # (the report's case, before the bridge made such a pair one episode)
        ([CueEvent("face_touching", 24.41, 26.30, 25.9, 0.0), CueEvent("face_touching", 26.40, 29.61, 27.9, 0.0)],
         [Mark(28.9, "face_touching")], [], {"face_touching": (2, 1, 1, 0), "all": (2, 1, 1, 0)}),
    ],
)
def test_scoring_rules(events, marks, pauses, expected):
    assert table(score(events, marks, pauses=pauses)) == expected


@pytest.mark.parametrize(
    "items, targets, pairs, near",
    [
        ([(10, 20)], [(11, 19)], {0: 0}, {0}),  # overlapping
        ([(10, 20)], [(21, 25)], {0: 0}, {0}),  # 1 s apart: inside the 2 s tolerance
        ([(10, 20)], [(30, 35)], {}, set()),  # far apart
        ([(10, 20), (20, 24)], [(11, 19)], {0: 0}, {0, 1}),  # the second is near the taken target
        ([(10, 20)], [(11, 12), (15, 16)], {0: 0}, {0}),  # one item takes one target only
        ([(15, 15)], [(10, 20)], {0: 0}, {0}),  # a point inside a stretch
        ([(21, 21), (9, 9)], [(10, 20)], {1: 0}, {0, 1}),  # items are taken in time order, not list order
        ([], [(1, 2)], {}, set()),
        # a mark inside the second of two episodes is for that one, though the first is near too
        ([(28.9, 28.9)], [(24.41, 26.30), (26.40, 29.61)], {0: 1}, {0}),
        # a mark between two episodes goes to the earliest near one
        ([(27.0, 27.0)], [(20.0, 26.0), (28.0, 30.0)], {0: 0}, {0}),
    ],
)
def test_match(items, targets, pairs, near):
    m = match(items, targets, tolerance_s=2.0)
    assert m.pairs == pairs and m.near == near


def test_a_mark_the_app_could_not_see_is_not_scored():
    """The practitioner marked a hand at the face while the app could not see the hands: the
    mark is 'not scored (couldn't see)', never a false alarm; outside that stretch it is one."""
    marks = [Mark(12.0, "face_touching"), Mark(40.0, "face_touching")]
    rows = {r.cue: r for r in score([], marks, unseen={"face_touching": [(10.0, 15.0)]})}
    assert (rows["face_touching"].false_alarms, rows["face_touching"].not_scored) == (1, 1)
    assert rows["all"].not_scored == 1
    assert rows["face_touching"].as_row()["not scored"] == 1
    # a mark that hits an episode is a hit, seen or not
    hit = score([CueEvent("face_touching", 11.0, 14.0, 12.0, 0.1)], marks[:1], unseen={"face_touching": [(10.0, 15.0)]})
    assert table(hit)["face_touching"] == (1, 1, 0, 0)


@pytest.mark.parametrize(
    "events, marks, text",
    [
        ([SLUMP, HEAD], [Mark(22.0, "slumped_posture"), Mark(56.0, "head_down"), Mark(70.0, "head_down")],
         "You noticed 2 of 2 changes, typically 4.0 s after they began; 1 mark matched nothing."),
        ([SLUMP], [Mark(19.0, "slumped_posture")],
         "You noticed 1 of 1 change, typically 1.0 s before the app's signal crossed its threshold."),
        ([SLUMP], [], "You noticed 0 of 1 change."),
        ([], [], "The app counted no changes in this session, and none of your marks was scored."),
    ],
)
def test_headline(events, marks, text):
    assert headline(score(events, marks)[-1]) == text


def test_delays_and_overall_median():
    rows = score([SLUMP, HEAD], [Mark(22.0, "slumped_posture"), Mark(56.0, "head_down")])
    by_cue = {r.cue: r for r in rows}
    assert by_cue["slumped_posture"].median_delay_s == 2.0
    assert by_cue["head_down"].median_delay_s == 6.0
    assert by_cue["all"].median_delay_s == 4.0
    assert math.isnan(score([SLUMP], [])[0].median_delay_s)
    assert by_cue["all"].as_row()["cue"] == "All cues"
