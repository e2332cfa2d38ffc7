"""Review data from a Recording: tier file, timeline rows, summary, score; CLI score and tsv export."""
import io
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cue_trainer.catalogue import CUES
from cue_trainer.profiles import default_profile
from cue_trainer.recording import Recording
from cue_trainer.review import summary, tier_text, tiers, timeline
from cue_trainer.store import SessionStore
from cue_trainer.videos import process_video
from tests.processes import run_cli


@pytest.fixture(scope="module")
def reviewed(stored, tmp_path_factory):
    """The 'moves_down' clip processed into a store, plus practitioner marks and a pause: (home,
    store, r), r holding the session's id, episodes and suggestions."""
    home = stored("moves_down", into=tmp_path_factory.mktemp("stored") / "home")
    store = SessionStore(home)
    r = SimpleNamespace(session_id=1, events=store.events(1), suggestions=store.suggestions(1))
    store.add_mark(r.session_id, 9.0, "slumped_posture", "sank down")  # a hit, 1 s after the start
    store.add_mark(r.session_id, 12.0, "head_down")  # a false alarm
    store.add_mark(r.session_id, 13.0, None, "smiled")  # a note
    return home, store, r


def test_tier_file_parses_as_tsv_with_times_in_seconds(reviewed):
    home, store, r = reviewed
    text = tier_text(Recording.load(store, r.session_id))
    back = pd.read_csv(io.StringIO(text), sep="\t")
    assert list(back.columns) == ["tier", "begin", "end", "annotation"]
    assert back.begin.dtype == float and back.end.dtype == float
    episode = back[back.tier == "cue: Sitting lower"].iloc[0]
    assert episode.begin == pytest.approx(r.events[0].start_s, abs=1e-3)
    assert episode.end == pytest.approx(r.events[0].end_s, abs=1e-3)
    marks = back[back.tier == "practitioner marks"]
    assert marks.annotation.tolist() == ["Sitting lower / slumping compared with earlier; sank down",
                                         "Head lowered", "smiled"]
    assert back[back.tier == "calibration"].begin.tolist() == [0.0]
    assert (back[back.tier == "check-in suggestions"].begin == r.suggestions[0].t).all()


def test_timeline_has_every_layer(reviewed):
    _, store, r = reviewed
    df = timeline(Recording.load(store, r.session_id))
    kinds = set(df.kind)
    assert {"signal", "episode", "mark", "suggestion", "calibration"} <= kinds
    slumped = df[(df.kind == "signal") & (df.cue == "Sitting lower")]
    assert (slumped.unit == "shoulder widths").all()
    assert slumped.start.min() >= 5.0  # signals only after calibration
    assert (slumped.threshold == 0.25).all()
    assert slumped[slumped.start > 9].value.max() > 0.25 > slumped[slumped.start < 7.5].value.max()


def test_summary_and_score(reviewed):
    _, store, r = reviewed
    s = summary(r.events)
    assert s.cue.tolist() == ["Sitting lower / slumping compared with earlier"] and s.episodes.tolist() == [1]
    rec = Recording.load(store, r.session_id)
    rows = {x.cue: (x.episodes, x.hits, x.misses, x.false_alarms) for x in rec.score()}
    assert rows == {"slumped_posture": (1, 1, 0, 0), "head_down": (0, 0, 0, 1), "all": (1, 1, 0, 1)}
    strict = default_profile().with_cue("slumped_posture", threshold=1.5)  # re-scored: the episode is gone
    rows = {x.cue: (x.episodes, x.hits, x.misses, x.false_alarms) for x in rec.score(strict)}
    assert rows["slumped_posture"] == (0, 0, 0, 1)


def test_cli_score_and_tier_export(reviewed, tmp_path):
    home, store, r = reviewed
    out = run_cli("sessions", "score", str(r.session_id), home=home)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:3] == ["cue", "changes", "noticed"]
    row = next(l for l in lines if l.startswith("Sitting lower"))
    assert row.split()[-6:] == ["1", "1", "0", "0", "0", "1.0"]  # episodes, hits, misses, false alarms, unseen, delay
    assert "You noticed 1 of 1 change, typically 1.0 s after it began; 1 mark matched nothing." in out.stdout
    assert "counts as a hit" in out.stdout
    exported = run_cli("sessions", "export", str(r.session_id), "--format", "tsv", "--out", str(tmp_path), home=home)
    assert exported.returncode == 0
    back = pd.read_csv(tmp_path / "tiers.tsv", sep="\t")
    assert len(back) == len(tiers(Recording.load(store, r.session_id)))


def test_timeline_leaves_gaps_as_gaps(clip, tmp_path):
    """A stretch the camera could not see splits a signal into runs, so the chart draws no line
    across it; the stretch itself is a 'cant_see' row."""
    store = SessionStore(tmp_path / "home")
    r = process_video(clip("goes_dark"), store=store, profile=default_profile(), calibration_s=5.0)
    rec = Recording.load(store, r.session_id)
    df = timeline(rec)
    signal = df[(df.kind == "signal") & (df.cue == "Sitting lower")]
    assert signal.value.notna().all()  # nothing unknown is drawn
    assert signal.start.max() < 8.5  # the picture went dark at 8 s: no point after it
    t, _ = rec.signals()[0]
    assert t.max() > 13  # although frames were analysed until the end


def test_the_recording_reads_each_table_once_and_replays_each_profile_once(stored, tmp_path, caplog):
    store = SessionStore(stored("moves_down", into=tmp_path / "home"))
    r = SimpleNamespace(session_id=1)
    strict = default_profile().with_cue("slumped_posture", threshold=1.5)
    with caplog.at_level("DEBUG", logger="cue_trainer"):
        rec = Recording.load(store, r.session_id)
        timeline(rec, strict)
        rec.score(strict)
        rec.score(strict, tolerance_s=2.0)
    messages = [m.getMessage() for m in caplog.records]
    assert sum(m.startswith("loaded the features") for m in messages) == 1
    assert sum(m.startswith("replaying session") for m in messages) == 1
    np.testing.assert_array_equal(rec.t, store.features(r.session_id)[0])


def test_moments_put_missed_changes_first_and_judge_every_mark(home):
    from cue_trainer.review import LEAD_S, moments
    from cue_trainer.store import SessionStore
    from tests.builders import practise

    store = SessionStore(home)
    # One slumped episode (10-20 s) is noticed by the first mark; a second mark on it is not a moment;
    # a mark for hand at face (no hands in view) is not scored; a shoulders-up mark matches nothing.
    sid = practise(store, "Bo", [(12.0, "slumped_posture"), (14.0, "slumped_posture"), (25.0, "face_touching"),
                                 (27.0, "shoulders_raised")])
    found = moments(Recording.load(store, sid))
    assert [(m.kind, m.cue) for m in found] == [
        ("noticed", "slumped_posture"), ("suggestion", "slumped_posture"), ("not scored", "face_touching"),
        ("false alarm", "shoulders_raised"),
    ]
    noticed = found[0]
    assert 10.0 <= noticed.t <= 11.0 and noticed.play_from_s == pytest.approx(noticed.t - LEAD_S)
    assert "marked" in noticed.text and "after it began" in noticed.text
    assert "couldn't see hands" in found[2].text
    # Without the marks the episode is missed, and missed moments come first.
    plain = practise(store, "Cy", [(27.0, "shoulders_raised")])
    assert [m.kind for m in moments(Recording.load(store, plain))] == ["missed", "suggestion", "false alarm"]


def test_cli_moments_text_and_json(reviewed):
    home, _, r = reviewed
    sid = r.session_id
    text = run_cli("sessions", "moments", str(sid), home=home)
    assert text.returncode == 0, text.stderr
    data = json.loads(run_cli("sessions", "moments", str(sid), "--json", home=home).stdout)
    assert data and {"t", "end_s", "kind", "cue", "cue_label", "text", "play_from_s"} <= set(data[0])
    # Issue 22, item 8: the cue's id for scripts, its label beside it.
    assert {(d["cue"], d["cue_label"]) for d in data if d["cue"]} <= {(c.id, c.short) for c in CUES}
    assert any(d["cue"] == "slumped_posture" for d in data)
    assert [line.split()[1] for line in text.stdout.splitlines()] == [d["kind"].split()[0] for d in data]
    bad = run_cli("sessions", "moments", "999", home=home)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_the_review_plays_no_file_outside_the_data_folder(home, tmp_path):
    import sqlite3

    from cue_trainer.review import own_video_size, review_video
    from cue_trainer.store import SessionStore

    store = SessionStore(home)
    sid = store.create_session(source="live", profile_toml=default_profile().to_toml())
    store.end_session(sid, duration_s=2.0)
    with sqlite3.connect(store.path) as db:  # a damaged or shared store
        db.execute("UPDATE sessions SET video_path = '../../../etc/passwd' WHERE id = ?", (sid,))
    info = store.session(sid)
    video, why = review_video(store, info)
    assert video is None and "uses no file outside its data folder" in why
    assert own_video_size(store, info) == "not used (outside the data folder)"


def test_marks_made_during_the_baseline_are_not_scored(home):
    """Issue 20, item 4: a mark during the 5 s baseline (no cue was analysed yet) is neither a hit
    nor a false alarm, in the score, the moments and the trend alike."""
    from cue_trainer.progress import trend
    from cue_trainer.review import moments
    from cue_trainer.store import SessionStore
    from tests.builders import practise

    store = SessionStore(home)
    sid = practise(store, "Bo", [(2.0, "shoulders_raised"), (4.9, "slumped_posture"), (12.0, "slumped_posture")])
    rec = Recording.load(store, sid)
    assert rec.unscored[0] == (0.0, 5.0)
    total = rec.score()[-1]
    assert (total.episodes, total.hits, total.false_alarms, total.not_scored) == (1, 1, 0, 0)
    assert [m.kind for m in moments(rec)] == ["noticed", "suggestion"]
    assert trend(store)[0].false_alarms == 0


def test_a_video_nobody_practised_on_says_so_instead_of_a_score(home):
    """Issue 20, item 4: no "You noticed 0 of 1", no "missed … not marked"."""
    from cue_trainer.recording import NOT_PRACTISED
    from cue_trainer.progress import trend
    from cue_trainer.review import moments
    from cue_trainer.store import SessionStore
    from tests.builders import practise

    store = SessionStore(home)
    sid = practise(store, "", [], source="video")
    rec = Recording.load(store, sid)
    assert not rec.practised
    assert [(m.kind, m.text) for m in moments(rec) if m.kind != "suggestion"] == [
        ("change", "Sitting lower 00:10–00:20")]
    assert trend(store) == []
    out = run_cli("sessions", "score", str(sid), home=home)
    assert out.returncode == 0 and out.stdout.strip() == NOT_PRACTISED
    # One mark makes it practised: then it has a score like any session.
    store.add_mark(sid, 12.0, "slumped_posture")
    assert Recording.load(store, sid).practised
    scored = run_cli("sessions", "score", str(sid), home=home)
    assert scored.returncode == 0 and "You noticed 1 of 1 change" in scored.stdout


def test_a_damaged_stored_baseline_leaves_its_stretch_unscored_without_a_traceback(home, caplog):
    """Issue 21, item 15: a malformed baseline_json row gave a KeyError in score and moments."""
    import sqlite3

    from cue_trainer.review import moments
    from cue_trainer.store import SessionStore
    from tests.builders import practise

    store = SessionStore(home)
    sid = practise(store, "Bo", [(12.0, "slumped_posture")])
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE segments SET baseline_json = '{\"features\": 3}' WHERE session_id = ?", (sid,))
    rec = Recording.load(store, sid)
    assert rec.stretches == []
    assert rec.score()[-1].hits == 0 and moments(rec) is not None
    assert "The stored baseline cannot be read (KeyError). The practice after the baseline at 0.0 s is not scored." \
        in caplog.text
