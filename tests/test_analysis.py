"""The streaming analysis: phases, and the live controls (pause, resume, recalibrate), whose record
replays to the same events."""
from dataclasses import replace

import numpy as np
import pytest

from cue_trainer.analysis import Analysis, MemoryRecorder
from cue_trainer.landmarks import Landmarks
from cue_trainer.profiles import default_profile
from cue_trainer.recording import Recording
from cue_trainer.store import SessionStore
from tests.builders import SIZE, UPRIGHT, lowered, pose_from


def drive(analysis: Analysis) -> tuple[list, float]:
    """Calibrate, slump, pause, slump again, recalibrate on the lower posture; returns (events, end time)."""
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
    return analysis.finish(), t


def test_pause_resume_and_recalibrate_replay_like_the_live_engine(home):
    store = SessionStore(home)
    profile = default_profile()
    sid = store.create_session(source="live", profile_toml=profile.to_toml())
    analysis = Analysis(profile, recorder=store.recorder(sid), calibration_s=3.0)
    events, t = drive(analysis)
    store.end_session(sid, duration_s=t)

    assert [(e.cue, e.start_s) for e in events if e.cue == "slumped_posture"] == [
        ("slumped_posture", 5.0), ("slumped_posture", pytest.approx(41.0)),
    ]
    assert [s.kind for s in store.segments(sid)] == ["calibration", "pause", "calibration"]
    _, X = store.features(sid)
    assert len(X) == analysis.frames == 250  # no frames recorded during the pause
    rec = Recording.load(store, sid)
    assert rec.pauses == [(11.0, 41.0)]
    assert [(s.start_s, s.end_s) for s in rec.stretches] == [(3.0, 11.0), (41.0, 46.0), (pytest.approx(49.0), np.inf)]
    again = rec.replay()
    assert again.events == events
    assert again.suggestions == [replace(s, id=None) for s in analysis.suggestions]


def test_an_analysis_in_memory_records_the_same_as_one_in_the_store(home):
    """The recorder is the only difference between a stored and an unstored analysis."""
    store = SessionStore(home)
    sid = store.create_session(source="live", profile_toml=default_profile().to_toml())
    stored = Analysis(default_profile(), recorder=store.recorder(sid), calibration_s=3.0)
    memory = MemoryRecorder()
    unstored = Analysis(default_profile(), recorder=memory, calibration_s=3.0)
    events_a, _ = drive(stored)
    events_b, _ = drive(unstored)
    assert events_a == events_b == memory.events == store.events(sid)
    assert [s.kind for s in memory.segments] == [s.kind for s in store.segments(sid)]
    assert len(memory.frames) == len(store.features(sid)[0])
    assert [replace(s, id=None) for s in store.suggestions(sid)] == memory.suggestions
