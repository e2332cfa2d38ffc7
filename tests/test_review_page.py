"""The Review and Process pages' controls with Streamlit's AppTest, on real stored sessions."""
import logging

import pytest
from streamlit.testing.v1 import AppTest

from tests.processes import REPO
from cue_trainer.profiles import default_profile
from cue_trainer.videos import process_video
from cue_trainer.store import SessionStore

def table_with(at, column):
    """The table on the page that has ``column``, with its index (the cue) as a column."""
    return next(t.value.reset_index() for t in at.table if column in t.value.columns)


REVIEW = str(REPO / "cue_trainer/app/pages/review.py")
PROCESS = str(REPO / "cue_trainer/app/pages/process.py")


@pytest.fixture
def two_sessions(clip, home, monkeypatch):
    monkeypatch.setenv("CUE_TRAINER_HOME", str(home))
    store = SessionStore(home)
    first = process_video(clip("moves_down"), store=store, profile=default_profile(), calibration_s=5.0)
    store.add_mark(first.session_id, 9.0, "slumped_posture")
    store.add_mark(first.session_id, 12.0, "head_down")
    second = store.create_session(source="live", partner="Ann", practitioner="Bo",
                                  profile_toml=default_profile().to_toml())
    store.end_session(second, duration_s=3.0)
    return store, first.session_id, second


def test_review_shows_score_and_switches_sessions(two_sessions):
    store, first, second = two_sessions
    at = AppTest.from_file(REVIEW, default_timeout=60)
    at.query_params["session"] = str(first)
    at.run()
    assert not at.exception
    assert at.selectbox(key="review_pick").value == first
    score = table_with(at, "hits")
    assert score["cue"].tolist() == ["Sitting lower / slumping compared with earlier", "Head lowered", "All cues"]
    assert score["hits"].tolist() == [1, 0, 1] and score["false alarms"].tolist() == [0, 1, 1]
    assert table_with(at, "longest (s)")["episodes"].tolist() == [1]
    at.selectbox(key="review_pick").set_value(second).run()
    assert not at.exception
    assert "Ann & Bo" in at.selectbox(key="review_pick").format_func(second)
    assert table_with(at, "hits")["cue"].tolist() == ["All cues"]


def test_delete_removes_the_session(two_sessions):
    store, first, second = two_sessions
    at = AppTest.from_file(REVIEW, default_timeout=60)
    at.query_params["session"] = str(second)
    at.run()
    at.button(key="confirm_delete").click().run()
    assert not at.exception
    assert [s.id for s in store.sessions()] == [first]
    assert at.selectbox(key="review_pick").value == first
    assert any(f"Session {second} was deleted." in s.value for s in at.success)


def test_process_page_refuses_a_file_that_is_not_a_video(home, monkeypatch, tmp_path):
    monkeypatch.setenv("CUE_TRAINER_HOME", str(home))
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video\n" * 20)
    at = AppTest.from_file(PROCESS, default_timeout=60).run()
    at.text_input(key="video_path").input(str(notes)).run()
    at.button(key="analyse").click().run()
    assert not at.exception
    (error,) = at.error
    assert error.value.endswith("is not a video this program can read (it may be empty, corrupt or not a video).")
    assert SessionStore(home).sessions() == []


def test_review_rescores_under_a_chosen_profile(two_sessions, home):
    store, first, _ = two_sessions
    (home / "profiles").mkdir()
    default_profile().with_cue("slumped_posture", threshold=1.5).save(home / "profiles" / "strict.toml")
    (home / "profiles" / "broken.toml").write_text("[cues.slumped_posture]\nthreshold = 99\n")
    at = AppTest.from_file(REVIEW, default_timeout=60)
    at.query_params["session"] = str(first)
    at.run()
    assert at.selectbox(key="review_profile").options == ["as recorded", "default", "broken", "strict"]
    at.selectbox(key="review_profile").set_value("strict").run()
    assert not at.exception
    score = table_with(at, "hits")
    assert score.loc[score.cue == "Sitting lower / slumping compared with earlier", "episodes"].tolist() == [0]
    assert len(store.events(first)) == 1  # the stored session is unchanged
    at.selectbox(key="review_profile").set_value("broken").run()
    assert "cues.slumped_posture.threshold = 99 is out of range" in at.error[0].value


def test_review_under_a_rescore_profile_reads_the_features_once_and_replays_once(two_sessions, home, caplog):
    """One page run loads the session once (one read of the features table) and replays it under
    the chosen profile once, whatever the timeline, the summary and the score need."""
    store, first, _ = two_sessions
    (home / "profiles").mkdir()
    default_profile().with_cue("slumped_posture", threshold=1.5).save(home / "profiles" / "strict.toml")
    at = AppTest.from_file(REVIEW, default_timeout=60)
    at.query_params["session"] = str(first)
    at.session_state["review_profile"] = "strict"
    with caplog.at_level(logging.DEBUG, logger="cue_trainer"):
        at.run()
    assert not at.exception
    assert table_with(at, "hits").episodes.tolist()[0] == 0  # it did render under the strict profile
    messages = [r.getMessage() for r in caplog.records]
    assert sum(m.startswith(f"loaded the features of session {first}") for m in messages) == 1
    assert sum(m.startswith(f"replaying session {first} ") for m in messages) == 1
