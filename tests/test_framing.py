"""Framing: what the camera lets the app see, and what to change when something is hidden."""
import numpy as np

from cue_trainer.features import FEATURES


def test_framing_notes_say_what_is_hidden_and_what_to_do():
    """A dark picture in which the face is found but no body (shoulders, hands): the note names
    what is hidden, the cues that therefore can't be noticed, and what to change."""
    from cue_trainer.baseline import Baseline
    from cue_trainer.features import INDEX
    from cue_trainer.framing import framing_of

    X = np.full((100, len(FEATURES)), np.nan)
    X[:, INDEX["present"]] = 1.0
    X[:, INDEX["head_yaw_deg"]], X[:, INDEX["head_pitch_deg"]], X[:, INDEX["eye_openness"]] = 2.0, 10.0, 0.3
    X[:, INDEX["eye_openness_avg"]] = 0.3
    notes = framing_of(X, Baseline().fit(X)).notes()
    text = " ".join(notes)
    assert "Hands out of view or hidden 100 % of the time: “Hand at face” can't be noticed; move back a little" in text
    assert "Head and shoulders out of view or hidden 100 % of the time: “Sitting lower”" in text
    assert "Looking away" not in text  # the face was seen
