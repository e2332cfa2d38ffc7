"""Practice on a video (issue 23): an attempt is stored as a session of its own, linked to the
session it practised on, scored against that session's episodes and, where it has them, its hand
labels, side by side; Sessions and the trend keep live Coach, live Quiz and video practice apart."""
import sqlite3

import pytest

from cue_trainer import InputError
from cue_trainer.attempts import Attempt, practisable
from cue_trainer.progress import by_group, first_and_latest, trend
from cue_trainer.records import Label
from cue_trainer.recording import Recording
from cue_trainer.store import SessionStore
from tests.builders import practise
from tests.processes import run_cli


@pytest.fixture
def video(home):
    """A processed 30 s video (sitting lower from 10 s to 20 s; 5 s baseline) nobody practised on,
    labelled by hand with that change and with a hand at the face the app did not find."""
    store = SessionStore(home)
    sid = practise(store, "", [], source="video")
    store.set_labels(sid, [Label("slumped_posture", 10.0, 20.0), Label("face_touching", 24.0, 27.0),
                           Label("face_touching", 1.0, 3.0)])  # the last one is inside the baseline
    return store, sid


def test_an_attempt_is_scored_against_the_app_and_against_the_labels(video):
    store, sid = video
    attempt = Attempt(store, sid, practitioner="Bo", mode="quiz")
    assert store.session(attempt.id).status == "recording"
    # The page sends the whole list each time: marks already stored are not stored twice.
    marks = [{"t": 12.4, "cue": "slumped_posture", "note": None}]
    assert attempt.take(marks) == 1
    marks += [{"t": 25.0, "cue": "face_touching", "note": None}, {"t": 26.0, "cue": None, "note": " asked "}]
    assert attempt.take(marks) == 2
    assert attempt.finish(28.0) == attempt.id
    info = store.session(attempt.id)
    assert (info.status, info.practised_on, info.kind, info.seeked) == ("complete", sid, "video practice · quiz", False)
    assert info.duration_s == pytest.approx(28.0)
    assert [(m.t, m.cue, m.note) for m in store.marks(attempt.id)] == [
        (12.4, "slumped_posture", None), (25.0, "face_touching", None), (26.0, None, "asked")]
    assert store.marks(sid) == []  # the practised session is unchanged
    rec = Recording.load(store, attempt.id)
    assert rec.practised and rec.events == store.events(sid) and len(rec.t) == 300
    app = rec.score()[-1]
    # No hands were in view for the app: its score does not count the hand-at-face mark.
    assert (app.episodes, app.hits, app.false_alarms, app.not_scored) == (1, 1, 0, 1)
    labelled = rec.score_against_labels()[-1]
    assert (labelled.episodes, labelled.hits, labelled.false_alarms) == (2, 2, 0)  # the baseline's label left out
    assert Recording.load(store, sid).score_against_labels() is not None
    # A session without labels has no second score.
    other = Attempt(store, practise(store, "", [], source="video"), practitioner="Bo", mode="quiz")
    assert Recording.load(store, other.id).score_against_labels() is None


def test_seeking_is_recorded_and_bad_marks_are_dropped(video):
    store, sid = video
    attempt = Attempt(store, sid, practitioner=None, mode="coach")
    attempt.take([{"t": float("nan"), "cue": "slumped_posture"}, {"t": -1, "cue": "slumped_posture"},
                  {"t": 3.0, "cue": None, "note": "   "}], seeked=True)
    attempt.finish()
    info = store.session(attempt.id)
    assert info.seeked and info.kind == "video practice · coach" and store.marks(attempt.id) == []
    with pytest.raises(ValueError):
        Attempt(store, sid, practitioner=None, mode="live")
    with pytest.raises(InputError, match="itself practice on a video"):
        Attempt(store, attempt.id, practitioner=None, mode="quiz")


def test_deleting_the_video_session_deletes_its_attempts(video):
    store, sid = video
    a = Attempt(store, sid, practitioner="Bo", mode="test")
    a.take([{"t": 12.0, "cue": "slumped_posture"}])
    a.finish()
    assert store.session(a.id).kind == "video practice · test run"
    assert store.attempts(sid) == [a.id]
    store.delete_session(sid)
    assert store.sessions() == []
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM marks").fetchone()[0] == 0


def test_the_trend_keeps_the_kinds_apart_and_shows_first_and_latest_attempts(video):
    store, sid = video
    live = practise(store, "Bo", [(11.0, "slumped_posture")])
    coach = practise(store, "Bo", [])
    store._db.execute("UPDATE sessions SET mode = 'coach' WHERE id = ?", (coach,))
    store._db.commit()
    first = Attempt(store, sid, practitioner="Bo", mode="quiz")
    first.finish(30.0)  # marked nothing: missed it
    latest = Attempt(store, sid, practitioner="Bo", mode="quiz")
    latest.take([{"t": 11.5, "cue": "slumped_posture"}])
    latest.finish(30.0)
    scores = trend(store)
    groups = by_group(scores)
    assert list(groups) == ["live · quiz", "live · coach", "video practice"]
    assert [s.session_id for s in groups["video practice"]] == [first.id, latest.id]
    assert [s.session_id for s in groups["live · quiz"]] == [live]
    assert groups["video practice"][1].against_labels == (2, 1)
    ((a, b),) = first_and_latest(scores)
    assert (a.session_id, b.session_id, a.noticed, b.noticed) == (first.id, latest.id, 0, 1)
    assert [p.info.id for p in practisable(store)] == []  # the builders' sessions have no video file
    out = run_cli("sessions", "trend", home=store.home)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert text.index("Live · quiz: 1 session") < text.index("Live · coach: 1 session") < text.index(
        "Video practice: 2 sessions") < text.index("Videos practised more than once")
    assert f"#{first.id}" in text.split("Videos practised more than once")[1]


def test_sessions_page_keeps_the_kinds_apart_and_shows_first_and_latest(video, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.processes import REPO

    store, sid = video
    live = practise(store, "Bo", [(11.0, "slumped_posture")])
    for marks in ([], [{"t": 11.5, "cue": "slumped_posture"}]):
        a = Attempt(store, sid, practitioner="Bo", mode="quiz")
        a.take(marks)
        a.finish(30.0)
    monkeypatch.setenv("CUE_TRAINER_HOME", str(store.home))
    at = AppTest.from_file(str(REPO / "cue_trainer/app/pages/sessions.py"), default_timeout=60).run()
    assert not at.exception
    kinds = at.dataframe[0].value.set_index("id")["kind"]
    assert kinds[live] == "live · quiz" and kinds[a.id] == "video practice · quiz" and kinds[sid] == "video"
    assert at.radio(key="group").options == ["live · quiz (1)", "video practice (2)"]
    first_latest = at.dataframe[1].value  # the first and latest attempts, under the charts
    assert first_latest.iloc[0].to_dict() | {"first": "", "latest": ""} == {
        "video of": f"#{sid}", "first": "", "noticed first": "0 of 1", "latest": "", "noticed latest": "1 of 1",
        "labels, first → latest": "0 → 1 of 2"}
    at.radio(key="group").set_value("video practice").run()
    assert not at.exception and len(at.get("vega_lite_chart")) == 3


def test_quiz_on_a_video_shows_nothing_of_the_analysis_before_the_end(video, monkeypatch, tmp_path):
    """The practice page in Quiz on a video: the video and the marking panel, none of the app's
    episodes or suggestions (Coach passes them to the panel, Quiz passes nothing)."""
    from streamlit.testing.v1 import AppTest

    from tests.processes import REPO

    store, sid = video
    clip = tmp_path / "v.webm"
    from tests.clips import CLIPS, write_webm

    write_webm(clip, CLIPS["moves_down"][:1])
    store._db.execute("UPDATE sessions SET source_path = ? WHERE id = ?", (str(clip), sid))
    store._db.commit()
    monkeypatch.setenv("CUE_TRAINER_HOME", str(store.home))
    at = AppTest.from_file(str(REPO / "cue_trainer/app/pages/practice.py"), default_timeout=60)
    at.session_state["practice_source"] = "video"
    at.run()
    assert not at.exception
    assert at.selectbox(key="vp_pick").value == sid and at.radio(key="vp_mode").value == "quiz"
    at.button(key="vp_start").click().run()
    assert not at.exception
    text = " ".join(m.value for m in (*at.markdown, *at.caption))
    assert "Practising on" in text and "Quiz" in text
    assert not any(w in text for w in ("Sitting lower", "Check-in idea", "episode"))
    (attempt,) = [s for s in store.sessions() if s.attempt]
    assert attempt.status == "recording" and attempt.mode == "quiz"


def test_cli_show_and_score_an_attempt(video):
    store, sid = video
    a = Attempt(store, sid, practitioner="Bo", mode="quiz")
    a.take([{"t": 12.0, "cue": "slumped_posture"}], seeked=True)
    a.finish(30.0)
    shown = run_cli("sessions", "show", str(a.id), home=store.home)
    assert shown.returncode == 0, shown.stderr
    assert (f"Practice on the video of session {sid} (the video's time was moved while practising); scored against "
            "its episodes and its hand labels.") in shown.stdout
    scored = run_cli("sessions", "score", str(a.id), home=store.home).stdout
    app, labels = scored.split("Against careful labels")
    assert app.startswith("Against the app") and "You noticed 1 of 1 change" in app
    assert "You noticed 1 of 2 changes" in labels


def test_an_attempt_broken_off_is_scored_up_to_its_last_mark(video):
    store, sid = video
    a = Attempt(store, sid, practitioner="Bo", mode="quiz")
    a.take([{"t": 8.0, "cue": None, "note": "watching"}])  # then the tab was closed: never finished
    rec = Recording.load(store, a.id)
    assert rec.watched_until == 8.0
    assert rec.score()[-1].episodes == 0  # the change from 10 s had not come yet
    a.take([{"t": 8.0, "cue": None, "note": "watching"}, {"t": 12.0, "cue": "slumped_posture"}])
    assert Recording.load(store, a.id).score()[-1].hits == 1
