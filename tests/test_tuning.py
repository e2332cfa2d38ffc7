"""Tuning: event matching, operating points, recovering known episodes, writing a loadable
profile, label import, and the parallel batch job against a serial run."""
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import CHANGE_S, REPO
from cue_trainer import InputError
from cue_trainer.batch import find_videos, process_many
from cue_trainer.cues import CueEvent
from cue_trainer.labels import read_labels
from cue_trainer.profiles import default_profile, load_profile
from cue_trainer.review import write_tiers
from cue_trainer.session import replay
from cue_trainer.store import SessionStore
from cue_trainer.tuning import Recording, choose, match, pr_curve, sweep

pytestmark = pytest.mark.slow


def ev(start, end):
    return CueEvent("slumped_posture", start, end, start + 1, 0.5)


@pytest.mark.parametrize(
    "detected, truth, expected",
    [
        ([ev(10, 20)], [(11, 19)], (1, 0, 0)),  # overlapping: a true positive
        ([ev(10, 20)], [(21, 25)], (1, 0, 0)),  # 1 s apart: inside the 2 s tolerance
        ([ev(10, 20)], [(30, 35)], (0, 1, 1)),  # far apart: a false positive and a false negative
        ([ev(10, 20), ev(22, 24)], [(11, 19)], (1, 1, 0)),  # two detections, one truth: one matches
        ([ev(10, 20)], [(11, 12), (15, 16)], (1, 0, 1)),  # one detection matches one truth only
        ([], [(1, 2)], (0, 0, 1)),
        ([ev(10, 20)], [(15, 15)], (1, 0, 0)),  # a mark (a point) inside the episode
    ],
)
def test_match(detected, truth, expected):
    assert match(detected, truth, tolerance_s=2.0) == expected


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
    store.set_labels(ids["moves_down.mp4"], [("slumped_posture", CHANGE_S, 16.0)])
    store.set_labels(ids["steady.mp4"], [])
    return home, store, ids, folder


def test_tuning_recovers_the_known_episode_and_writes_a_loadable_profile(labelled, tmp_path):
    home, store, ids, _ = labelled
    recordings = [Recording.load(store, sid, truth="labels") for sid in ids.values()]
    results = sweep(recordings, "slumped_posture", np.linspace(0.05, 2.0, 40), [1.0, 3.0],
                    profile=default_profile())
    best = choose(results, "best_f1")
    assert best.f1 == 1.0 and (best.tp, best.fp, best.fn) == (1, 0, 0)
    assert results.f1.min() < 1.0  # the sweep reaches settings that fail, so 1.0 is earned

    out = tmp_path / "tuned.toml"
    ran = subprocess.run(
        [sys.executable, "pipelines/tune.py", "--home", str(home), "--sessions", *map(str, ids.values()),
         "--cues", "slumped_posture", "--thresholds", "0.05:2.0:40", "--min-durations", "1", "3",
         "--truth", "labels", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    text = out.read_text()
    assert text.startswith("# Tuned by pipelines/tune.py")
    assert f"# sessions: {', '.join(map(str, ids.values()))} (truth: labels" in text and "# rule: best_f1" in text
    tuned = load_profile(out)  # what the app does with it
    assert tuned.cues["slumped_posture"].threshold == pytest.approx(best.threshold)
    events = replay(store, ids["moves_down.mp4"], tuned).events
    assert [e.cue for e in events if e.cue == "slumped_posture"] == ["slumped_posture"]
    assert [e for e in replay(store, ids["steady.mp4"], tuned).events if e.cue == "slumped_posture"] == []


def test_replay_with_the_recorded_thresholds_equals_the_live_engine(labelled):
    _, store, ids, _ = labelled
    for sid in ids.values():
        assert replay(store, sid, default_profile()).events == store.events(sid)


def test_frame_level_pr_curve(labelled):
    _, store, ids, _ = labelled
    curve = pr_curve([Recording.load(store, ids["moves_down.mp4"], truth="labels")], "slumped_posture")
    assert {"threshold", "precision", "recall"} == set(curve.columns) and len(curve) > 5
    assert curve.precision.between(0, 1).all() and curve.recall.max() == 1.0


def test_labels_round_trip_through_the_review_tier_file(labelled, tmp_path):
    _, store, ids, _ = labelled
    sid = ids["moves_down.mp4"]
    path = write_tiers(store, sid, tmp_path / "tiers.tsv")
    ran = subprocess.run([sys.executable, "pipelines/import_labels.py", "--home", str(store.home), str(sid), str(path)],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    labels, events = store.labels(sid), store.events(sid)
    assert [c for c, _, _ in labels] == [e.cue for e in events]
    assert [(s0, s1) for _, s0, s1 in labels] == [(pytest.approx(e.start_s, abs=1e-3), pytest.approx(e.end_s, abs=1e-3))
                                                  for e in events]  # the tier file keeps milliseconds
    store.set_labels(sid, [("slumped_posture", CHANGE_S, 16.0)])


@pytest.mark.parametrize(
    "content, message",
    [
        ("cue,start_s,end_s\nsadness,1,2\n", r"line 2: 'sadness' is not a cue this program knows"),
        ("cue,start_s,end_s\nhead_down,5,x\n", r"line 2: the times '5' and 'x' are not numbers"),
        ("cue,start_s,end_s\nhead_down,5,2\n", r"line 2: an episode must start at or after 0 s and end after"),
        ("a,b\n1,2\n", r"has neither tier columns"),
        ("tier\tbegin\tend\tannotation\npractitioner marks\t1\t1\tx\n", r"holds no cue labels"),
    ],
)
def test_bad_label_files_are_one_sentence(tmp_path, content, message):
    path = tmp_path / "labels.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_labels(path)


def test_label_names_can_be_ids_short_or_long_labels(tmp_path):
    path = tmp_path / "l.tsv"
    path.write_text("tier\tbegin\tend\tannotation\ncue: Sitting lower\t1\t2\t\nlabel: head_down\t3\t4\t\n"
                    "labels\t5\t6\tLeaning back or lying down\n")
    assert read_labels(path) == [("slumped_posture", 1.0, 2.0), ("head_down", 3.0, 4.0), ("leaning_back", 5.0, 6.0)]


def test_parallel_batch_gives_the_same_sessions_as_serial(labelled, clip, tmp_path):
    _, serial_store, ids, folder = labelled
    (folder / "leans_back.mp4").write_bytes(clip("leans_back").read_bytes())
    videos = find_videos(folder)
    parallel_home = tmp_path / "parallel"
    # As a person runs it: the pipeline in its own process (a pytest process that has run
    # Streamlit's AppTest has a __main__ that spawned workers cannot re-import).
    ran = subprocess.run(
        [sys.executable, "pipelines/process_folder.py", str(folder), "--workers", "2", "--calibration-s", "5",
         "--home", str(parallel_home)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert ran.returncode == 0, ran.stderr
    assert [line.split()[0] for line in ran.stdout.splitlines()] == ["processed"] * 3
    serial = process_many(videos, home=serial_store.home, profile=default_profile(), calibration_s=5.0, workers=1)
    assert [r.status for r in serial] == ["processed", "skipped", "skipped"]  # only the new video
    parallel_store = SessionStore(parallel_home)
    by_video = lambda store: {s.source_path: s.id for s in store.sessions()}  # noqa: E731
    a, b = by_video(serial_store), by_video(parallel_store)
    assert set(a) == set(b) == {str(v) for v in videos}
    for video in a:
        assert serial_store.events(a[video]) == parallel_store.events(b[video])
        ta, Xa = serial_store.features(a[video])
        tb, Xb = parallel_store.features(b[video])
        np.testing.assert_array_equal(ta, tb)
        np.testing.assert_allclose(Xa, Xb, equal_nan=True)
