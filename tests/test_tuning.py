"""Tuning: counting against labels and marks, operating points, recovering known episodes,
writing a loadable profile, and agreeing with the noticing score."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cue_trainer.batch import find_videos, process_many
from cue_trainer.profiles import default_profile, load_profile
from cue_trainer.recording import Recording
from cue_trainer.records import CueEvent, Label
from cue_trainer.store import SessionStore
from cue_trainer.tuning import choose, counts, pr_curve, sweep
from tests.clips import CHANGE_S
from tests.processes import one_sentence, run_script

pytestmark = pytest.mark.slow


def ev(start, end):
    return CueEvent("slumped_posture", start, end, start + 1, 0.5)


@pytest.mark.parametrize(
    "detected, truth, kind, expected",
    [
        ([ev(10, 20)], [(11, 19)], "labels", (1, 0, 0)),  # overlapping: a true positive
        ([ev(10, 20)], [(21, 25)], "labels", (1, 0, 0)),  # 1 s apart: inside the 2 s tolerance
        ([ev(10, 20)], [(30, 35)], "labels", (0, 1, 1)),  # far apart: a false positive and a false negative
        ([ev(10, 20), ev(22, 24)], [(11, 19)], "labels", (1, 1, 0)),  # two detections, one truth
        ([ev(10, 20)], [(11, 12), (15, 16)], "labels", (1, 0, 1)),  # one detection matches one truth only
        ([], [(1, 2)], "labels", (0, 0, 1)),
        ([ev(10, 20)], [(15, 15)], "marks", (1, 0, 0)),  # a mark (a point) inside the episode: a hit
        # two marks on one episode: one hit, the second is neither (as in the noticing score)
        ([ev(10, 20)], [(15, 15), (18, 18)], "marks", (1, 0, 0)),
        ([ev(10, 20), ev(40, 45)], [(15, 15), (30, 30)], "marks", (1, 1, 1)),  # a miss and a false alarm
    ],
)
def test_counts(detected, truth, kind, expected):
    assert counts(detected, truth, kind, tolerance_s=2.0) == expected


def test_choose_rules():
    results = pd.DataFrame({
        "threshold": [0.1, 0.2, 0.3, 0.4], "min_duration_s": [1.0] * 4,
        "precision": [0.5, 0.8, 1.0, 1.0], "recall": [1.0, 1.0, 0.5, 0.5], "f1": [0.67, 0.89, 0.67, 0.67],
    })
    assert choose(results, "best_f1").threshold == 0.2
    assert choose(results, "recall>=0.9").threshold == 0.2  # most precise with recall >= 0.9
    assert choose(results, "recall>=0.5").threshold == 0.4  # ties: the higher threshold
    with pytest.raises(ValueError, match="no setting reaches recall 1.5"):
        choose(results, "recall>=1.5")
    with pytest.raises(ValueError, match="rule must be"):
        choose(results, "best_precision")


@pytest.fixture(scope="module")
def labelled(clip, tmp_path_factory):
    """Two sessions: 'moves_down' labelled with its true slumped episode, and 'steady' (none)."""
    home = tmp_path_factory.mktemp("home")
    folder = tmp_path_factory.mktemp("videos")
    for name in ("moves_down", "steady"):
        (folder / f"{name}.mp4").write_bytes(clip(name).read_bytes())
    results = process_many(find_videos(folder), home=home, profile=default_profile(), calibration_s=5.0, workers=1)
    store = SessionStore(home)
    ids = {r.video.split("/")[-1]: r.session_id for r in results}
    store.set_labels(ids["moves_down.mp4"], [Label("slumped_posture", CHANGE_S, 16.0)])
    store.set_labels(ids["steady.mp4"], [])
    return home, store, ids, folder


def test_tuning_recovers_the_known_episode_and_writes_a_loadable_profile(labelled, tmp_path):
    home, store, ids, _ = labelled
    recordings = [Recording.load(store, sid) for sid in ids.values()]
    results = sweep(recordings, "slumped_posture", np.linspace(0.05, 2.0, 40), [1.0, 3.0],
                    profile=default_profile(), truth="labels")
    best = choose(results, "best_f1")
    assert best.f1 == 1.0 and (best.tp, best.fp, best.fn) == (1, 0, 0)
    assert results.f1.min() < 1.0  # the sweep reaches settings that fail, so 1.0 is earned

    out = tmp_path / "tuned.toml"
    ran = run_script("pipelines/tune.py", "--home", str(home), "--sessions", *map(str, ids.values()),
                     "--cues", "slumped_posture", "--thresholds", "0.05:2.0:40", "--min-durations", "1", "3",
                     "--truth", "labels", "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    text = out.read_text()
    assert text.startswith("# Tuned by pipelines/tune.py")
    assert f"# sessions: {', '.join(map(str, ids.values()))} (truth: labels" in text and "# rule: best_f1" in text
    tuned = load_profile(out)  # what the app does with it
    assert tuned.cues["slumped_posture"].threshold == pytest.approx(best.threshold)
    events = Recording.load(store, ids["moves_down.mp4"]).replay(tuned).events
    assert [e.cue for e in events if e.cue == "slumped_posture"] == ["slumped_posture"]
    assert [e for e in Recording.load(store, ids["steady.mp4"]).replay(tuned).events if e.cue == "slumped_posture"] == []


def test_replay_with_the_recorded_thresholds_equals_the_live_engine(labelled):
    _, store, ids, _ = labelled
    for sid in ids.values():
        assert Recording.load(store, sid).replay(default_profile()).events == store.events(sid)


def test_tuning_on_marks_counts_as_the_review_scores(stored, tmp_path):
    """The same marks give the same counts in tune.py --truth marks as in the Review's score."""
    store = SessionStore(stored("moves_down", into=tmp_path / "home"))
    sid = 1
    store.add_mark(sid, CHANGE_S + 1, "slumped_posture")  # a hit
    store.add_mark(sid, CHANGE_S + 3, "slumped_posture")  # a second mark on the same episode: neither
    store.add_mark(sid, 2.0, "slumped_posture")  # during calibration: not scored (issue 20, item 4)
    rec = Recording.load(store, sid)
    thr = default_profile().cues["slumped_posture"].threshold
    row = sweep([rec], "slumped_posture", [thr], profile=default_profile(), truth="marks").iloc[0]
    (scored, _) = [r for r in rec.score() if r.cue in ("slumped_posture", "all")]
    assert (row.tp, row.fp, row.fn) == (scored.hits, scored.misses, scored.false_alarms) == (1, 0, 0)
    assert any(s0 <= 2.0 < s1 for s0, s1 in rec.unscored)


def test_thresholds_outside_the_range_are_refused(labelled):
    _, store, ids, _ = labelled
    rec = Recording.load(store, ids["steady.mp4"])
    with pytest.raises(ValueError, match=r"thresholds of slumped_posture must lie in 0.05..2, but got 5"):
        sweep([rec], "slumped_posture", [0.3, 5.0], profile=default_profile())


def test_frame_level_pr_curve(labelled):
    _, store, ids, _ = labelled
    curve = pr_curve([Recording.load(store, ids["moves_down.mp4"])], "slumped_posture")
    assert {"threshold", "precision", "recall"} == set(curve.columns) and len(curve) > 5
    assert curve.precision.between(0, 1).all() and curve.recall.max() == 1.0


@pytest.mark.parametrize("args, says", [
    (["--thresholds", "0.1:0.5:100000000"], "asks for 100000000 thresholds; give 1 to 1000"),
    (["--thresholds", "nan,0.2"], "gives no usable thresholds (each must be a finite number)"),
    (["--thresholds", "0.1:inf:10"], "gives no usable thresholds (each must be a finite number)"),
    (["--tolerance-s", "-5"], "'-5' must be a finite number greater than 0"),
    (["--tolerance-s", "nan"], "'nan' must be a finite number greater than 0"),
    (["--min-durations", "0"], "'0' must be a finite number greater than 0"),
])
def test_tune_refuses_unbounded_or_meaningless_settings_in_one_sentence(home, args, says):
    """Issue 21, item 8: a hundred million thresholds grew to 6.2 GB; a negative window wrote a profile."""
    out = home / "never.toml"
    ran = run_script("pipelines/tune.py", "--home", str(home), "--sessions", "1", "--cues", "slumped_posture",
                     "--out", str(out), *args)
    assert ran.returncode == 2 and says in ran.stderr and "Traceback" not in ran.stderr, ran.stderr
    assert not out.exists()


def test_a_threshold_tuned_below_the_hysteresis_gets_a_fitting_one():
    """A sweep may reach thresholds under the profile's hysteresis (slumped: 0.05 against 0.08): the
    sweep and the written profile use half the threshold there, which the profile check accepts."""
    import pandas as pd

    from cue_trainer.profiles import default_profile
    from cue_trainer.tuning import tuned_profile

    profile = tuned_profile(default_profile(), "slumped_posture",
                            pd.Series({"threshold": 0.05, "min_duration_s": 2.0}))
    assert (profile.cues["slumped_posture"].threshold, profile.cues["slumped_posture"].hysteresis) == (0.05, 0.025)
    kept = tuned_profile(default_profile(), "slumped_posture", pd.Series({"threshold": 0.3, "min_duration_s": 2.0}))
    assert kept.cues["slumped_posture"].hysteresis == default_profile().cues["slumped_posture"].hysteresis


@pytest.fixture
def tuned_home(stored, home) -> Path:
    return stored("moves_down", into=home)


@pytest.mark.parametrize(
    "truth, args, message",
    [
        (False, [], r"The sessions hold no labels or marks of slumped_posture"),  # no ground truth at all
        (True, ["--thresholds", "1:2:0"], r"asks for 0 thresholds; give 1 to 1000"),  # an empty grid
        (True, ["--thresholds", "0.3,5"], r"thresholds of slumped_posture must lie in 0.05..2, but got 5"),
        (True, ["--name", "../../x"], r"must be a plain name"),
    ],
)
def test_tune_refuses_and_writes_nothing(tuned_home, truth, args, message):
    if truth:
        SessionStore(tuned_home).add_mark(1, 9.0, "slumped_posture")
    out = run_script("pipelines/tune.py", "--home", str(tuned_home), "--sessions", "1", "--cues", "slumped_posture",
                     *args)
    one_sentence(out, message)
    assert not (tuned_home / "profiles").exists() and not (tuned_home.parent / "x.toml").exists()


def test_tune_refuses_when_no_setting_finds_anything(tuned_home):
    store = SessionStore(tuned_home)
    store.set_labels(1, [Label("slumped_posture", 100.0, 101.0)])  # a label no episode can match
    out = run_script("pipelines/tune.py", "--home", str(tuned_home), "--sessions", "1", "--cues", "slumped_posture",
                     "--truth", "labels")
    one_sentence(out, r"no setting detects any true episode \(F1 is 0 everywhere\); no profile was written")
    assert not (tuned_home / "profiles").exists()
