"""The whole pipeline with real models on synthetic clips made from a real photo."""
import numpy as np
import pytest

from builders import SIZE, UPRIGHT, lowered, pose_from
from conftest import CHANGE_S
from cue_trainer.landmarks import Landmarks
from cue_trainer.session import Analysis, process_video, replay
from cue_trainer.profiles import default_profile
from cue_trainer.store import SessionStore

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
    assert store.table(r.session_id, "suggestions").text.tolist() == [s.text]
    assert results["goes_dark"].suggestions == []  # out_of_view is a state, never a suggestion


def test_calibration_is_recorded_and_replay_equals_the_live_engine(processed):
    store, results = processed
    for name, r in results.items():
        segments = store.segments(r.session_id)
        assert [(k, s0) for k, s0, _, _ in segments] == [("calibration", 0.0)]
        assert segments[0][2] == pytest.approx(CALIBRATION_S)
        again = replay(store, r.session_id)
        assert again.events == r.events, name
        assert again.suggestions == r.suggestions, name


def test_replay_with_another_profile_changes_the_result(processed):
    store, results = processed
    strict = default_profile().with_cue("slumped_posture", threshold=1.5)
    assert [e.cue for e in replay(store, results["moves_down"].session_id, strict).events] == []


def test_pause_resume_and_recalibrate_replay_like_the_live_engine(home):
    """The live controls (pause, resume, recalibrate) leave a record that replays to the same events."""
    store = SessionStore(home)
    profile = default_profile()
    sid = store.create_session(source="live", profile_toml=profile.to_toml())
    analysis = Analysis(profile, store=store, session_id=sid, calibration_s=3.0)
    t = 0.0

    def feed(seconds, points, jitter=0.0):
        nonlocal t
        rng = np.random.default_rng(int(t * 10))
        for _ in range(int(seconds * 10)):
            moved = {p: (x + rng.normal(0, jitter), y) for p, (x, y) in points.items()}
            analysis.step(Landmarks(t, SIZE, pose=pose_from(moved)))
            t = round(t + 0.1, 6)

    feed(5, UPRIGHT, 0.002)  # calibration (3 s), then practice
    feed(6, lowered(UPRIGHT, 0.12))  # slumped for 6 s: one episode
    analysis.pause(t)
    t += 30.0  # nothing is analysed or recorded while paused
    analysis.resume(t)
    feed(5, lowered(UPRIGHT, 0.12))  # still lower after the pause: a new episode
    analysis.recalibrate()
    feed(4, lowered(UPRIGHT, 0.12))  # the lower posture becomes the new baseline
    feed(5, lowered(UPRIGHT, 0.12))  # ... so nothing fires
    events = analysis.finish()
    store.end_session(sid, duration_s=t)

    assert [(e.cue, e.start_s) for e in events if e.cue == "slumped_posture"] == [
        ("slumped_posture", 5.0), ("slumped_posture", pytest.approx(41.0)),
    ]
    assert [k for k, *_ in store.segments(sid)] == ["calibration", "pause", "calibration"]
    _, X = store.features(sid)
    assert len(X) == analysis.frames == 250  # no frames recorded during the pause
    again = replay(store, sid)
    assert again.events == events
    assert again.suggestions == analysis.suggestions
