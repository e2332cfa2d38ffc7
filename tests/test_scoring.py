"""Noticing score on hand-built episodes and marks."""
import math

import pytest

from cue_trainer.cues import CueEvent
from cue_trainer.scoring import Mark, score

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
    ],
)
def test_scoring_rules(events, marks, pauses, expected):
    assert table(score(events, marks, pauses=pauses)) == expected


def test_delays_and_overall_median():
    rows = score([SLUMP, HEAD], [Mark(22.0, "slumped_posture"), Mark(56.0, "head_down")])
    by_cue = {r.cue: r for r in rows}
    assert by_cue["slumped_posture"].median_delay_s == 2.0
    assert by_cue["head_down"].median_delay_s == 6.0
    assert by_cue["all"].median_delay_s == 4.0
    assert math.isnan(score([SLUMP], [])[0].median_delay_s)
    assert by_cue["all"].as_row()["cue"] == "All cues"
