"""The whole pipeline with real models on synthetic clips made from a real photo: a video file
becomes a stored session whose replay equals what was detected."""
from dataclasses import replace

import pytest

from cue_trainer.profiles import default_profile
from cue_trainer.recording import Recording
from cue_trainer.store import SessionStore
from cue_trainer.videos import process_video
from tests.clips import CHANGE_S

pytestmark = pytest.mark.slow
TOLERANCE_S = 1.0  # detected start vs the change in the clip (10 fps analysis, model settling)
CALIBRATION_S = 5.0


@pytest.fixture(scope="module")
def processed(clip, tmp_path_factory):
    """Every clip processed once into one store: {name: ProcessResult}."""
    store = SessionStore(tmp_path_factory.mktemp("home"))
    results = {
        name: process_video(clip(name), store=store, profile=default_profile(), fps=10.0, calibration_s=CALIBRATION_S)
        for name in ("steady", "moves_down", "leans_back", "lies_down", "goes_dark")
    }
    return store, results


def test_steady_clip_gives_no_cue(processed):
    store, results = processed
    r = results["steady"]
    assert r.status == "complete" and r.frames == 160
    assert r.events == [] and r.suggestions == []


@pytest.mark.parametrize(
    "name, cue",
    [
        ("moves_down", "slumped_posture"),  # the person sits 0.2 frame heights lower
        ("leans_back", "leaning_back"),  # the person gets 30 % smaller: further from the camera
        ("lies_down", "leaning_back"),  # the body tilts 35 degrees
        ("goes_dark", "out_of_view"),  # the picture goes black
    ],
)
def test_change_fires_the_right_cue_in_time_and_nothing_before(processed, name, cue):
    store, results = processed
    r = results[name]
    matching = [e for e in r.events if e.cue == cue]
    assert len(matching) == 1, r.events
    assert abs(matching[0].start_s - CHANGE_S) <= TOLERANCE_S
    assert all(e.start_s >= CHANGE_S - 0.5 for e in r.events), "nothing fires during the steady stretch"
    assert store.events(r.session_id) == r.events


def test_suggestions_follow_confirmed_episodes(processed):
    store, results = processed
    r = results["moves_down"]
    (s,) = r.suggestions
    assert s.cue == "slumped_posture" and s.t == r.events[0].confirmed_s
    assert [x.text for x in store.suggestions(r.session_id)] == [s.text]
    assert store.suggestions(r.session_id)[0].id == s.id is not None  # the id travels on the suggestion
    assert results["goes_dark"].suggestions == []  # out_of_view is a state, never a suggestion


def test_calibration_is_recorded_and_replay_equals_the_live_engine(processed):
    store, results = processed
    for name, r in results.items():
        (segment,) = store.segments(r.session_id)
        assert (segment.kind, segment.start_s) == ("calibration", 0.0)
        assert segment.end_s == pytest.approx(CALIBRATION_S)
        again = Recording.load(store, r.session_id).replay()
        assert again.events == r.events, name
        assert again.suggestions == [replace(s, id=None) for s in r.suggestions], name


def test_replay_with_another_profile_changes_the_result(processed):
    store, results = processed
    strict = default_profile().with_cue("slumped_posture", threshold=1.5)
    assert [e.cue for e in Recording.load(store, results["moves_down"].session_id).replay(strict).events] == []


def test_a_change_in_a_variable_frame_rate_video_is_placed_at_its_time(tmp_path):
    """Issue 21, item 10: the person sits lower at 14 s of a video whose rate changes from 5 to 25
    frames a second there; read by the frame index over the average rate, the change came out
    seconds early. Its episode starts at the change, and the session is as long as the video."""
    from tests.clips import write_variable_rate

    path = write_variable_rate(tmp_path / "vfr.mp4", [(14.0, {}, 5.0), (6.0, {"dy": 0.2}, 25.0)])
    r = process_video(path, store=SessionStore(tmp_path / "home"), profile=default_profile(), fps=10.0,
                      calibration_s=CALIBRATION_S)
    assert r.status == "complete" and r.duration_s == pytest.approx(20.0, abs=0.2)
    (episode,) = [e for e in r.events if e.cue == "slumped_posture"]
    assert abs(episode.start_s - 14.0) <= TOLERANCE_S
    assert all(e.start_s >= 14.0 - 0.5 for e in r.events), r.events
