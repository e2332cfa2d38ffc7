"""The Review and Process pages' controls with Streamlit's AppTest, on real stored sessions."""
import logging

import pytest
from streamlit.testing.v1 import AppTest

from tests.processes import REPO
from cue_trainer.profiles import default_profile
from cue_trainer.store import SessionStore
from tests.builders import practise, shown

def table_with(at, column):
    """The table on the page that has ``column``, with its index (the cue) as a column."""
    return next(t.value.reset_index() for t in at.table if column in t.value.columns)


REVIEW = str(REPO / "cue_trainer/app/pages/review.py")
PROCESS = str(REPO / "cue_trainer/app/pages/process.py")


@pytest.fixture
def two_sessions(stored, home, monkeypatch):
    monkeypatch.setenv("CUE_TRAINER_HOME", str(home))
    store = SessionStore(stored("moves_down", into=home))
    first = 1  # the clip, processed once per run
    store.add_mark(first, 9.0, "slumped_posture")
    store.add_mark(first, 12.0, "head_down")
    second = store.create_session(source="live", partner="Ann", practitioner="Bo",
                                  profile_toml=default_profile().to_toml())
    store.end_session(second, duration_s=3.0)
    return store, first, second


def test_review_shows_score_and_switches_sessions(two_sessions):
    store, first, second = two_sessions
    at = AppTest.from_file(REVIEW, default_timeout=60)
    at.query_params["session"] = str(first)
    at.run()
    assert not at.exception
    assert at.selectbox(key="review_pick").value == first
    score = table_with(at, "noticed")
    assert score["cue"].tolist() == ["Sitting lower", "Head lowered", "All cues"]
    assert score["noticed"].tolist() == ["1 of 1", "0 of 0", "1 of 1"] and score["false alarms"].tolist() == [0, 1, 1]
    assert score["delay (s)"].tolist() == ["+1.0", "–", "+1.0"]
    headline = next(m.value for m in at.markdown if "score-headline" in m.value)
    assert "You noticed 1 of 1 change, typically 1.0 s after it began; 1 mark matched nothing." in headline
    assert table_with(at, "longest (s)")["episodes"].tolist() == [1]
    at.selectbox(key="review_pick").set_value(second).run()
    assert not at.exception
    assert "Ann with Bo" in at.selectbox(key="review_pick").format_func(second)
    assert table_with(at, "noticed")["cue"].tolist() == ["All cues"]


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


def test_a_refused_delete_says_why_on_the_page_not_in_the_closing_popover(two_sessions):
    """Issue 21, item 17: a session still being recorded (here by this process) is not deleted, and
    the sentence is on the page after the popover closes."""
    from cue_trainer.profiles import default_profile

    store, first, second = two_sessions
    recording = store.create_session(source="video", profile_toml=default_profile().to_toml())
    at = AppTest.from_file(REVIEW, default_timeout=60)
    at.query_params["session"] = str(recording)
    at.run()
    at.button(key="confirm_delete").click().run()
    assert not at.exception
    assert [shown(e.value) for e in at.error] == [f"Session {recording} is still being recorded; stop it first, then delete it."]
    # On the page itself, above the session picker: not inside the popover, which closes on the click.
    order = [type(e).__name__ for e in at.main.children.values()]
    assert order.index("Error") < order.index("Selectbox"), order
    assert recording in [s.id for s in store.sessions()]
    store.end_session(recording, duration_s=1.0)


def test_process_page_refuses_a_file_that_is_not_a_video(home, monkeypatch, tmp_path):
    monkeypatch.setenv("CUE_TRAINER_HOME", str(home))
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video\n" * 20)
    at = AppTest.from_file(PROCESS, default_timeout=60).run()
    at.text_input(key="video_path").input(str(notes)).run()
    at.button(key="analyse").click().run()
    assert not at.exception
    (error,) = at.error
    assert shown(error.value).endswith("is not a video this program can read (it may be empty, corrupt or not a video).")
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
    score = table_with(at, "noticed")
    assert score.loc[score.cue == "Sitting lower", "noticed"].tolist() == ["0 of 0"]
    assert len(store.events(first)) == 1  # the stored session is unchanged
    at.selectbox(key="review_profile").set_value("broken").run()
    assert "cues.slumped_posture.threshold = 99 is out of range" in shown(at.error[0].value)


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
    assert table_with(at, "noticed").noticed.tolist()[0] == "0 of 0"  # it did render under the strict profile
    messages = [r.getMessage() for r in caplog.records]
    assert sum(m.startswith(f"loaded the features of session {first}") for m in messages) == 1
    assert sum(m.startswith(f"replaying session {first} ") for m in messages) == 1


def test_quiz_suggestions_read_hidden_and_unseen_marks_are_not_scored(home, monkeypatch):
    """A Quiz session: its suggestion was never shown ("not shown in Quiz mode", not "no answer"); a mark for
    a hand at the face while the app could not see the hands is "not scored", not a false alarm."""
    monkeypatch.setenv("CUE_TRAINER_HOME", str(home))
    store = SessionStore(home)
    sid = practise(store, "Bo", [(12.0, "slumped_posture"), (15.0, "face_touching")])
    at = AppTest.from_file(REVIEW, default_timeout=60)
    at.query_params["session"] = str(sid)
    at.run()
    assert not at.exception
    score = table_with(at, "noticed").set_index("cue")
    assert score.loc["Hand at face", "not scored"] == 1 and score.loc["Hand at face", "false alarms"] == 0
    assert score.loc["All cues", "false alarms"] == 0
    headline = next(m.value for m in at.markdown if "score-headline" in m.value)
    assert "1 was not scored because the app couldn't see that cue" in headline
    (suggestion,) = [m.value for m in at.markdown if "Sitting lower —" in m.value]
    assert suggestion.endswith("*(not shown in Quiz mode)*")


def test_process_page_warns_when_the_baseline_is_most_of_the_video_and_offers_a_shorter_one(clip, home,
                                                                                          monkeypatch):
    monkeypatch.setenv("CUE_TRAINER_HOME", str(home))
    at = AppTest.from_file(PROCESS, default_timeout=60).run()
    at.text_input(key="video_path").input(str(clip("steady"))).run()  # 16 s; the default baseline is 20 s
    (warning,) = at.warning
    assert shown(warning.value).startswith("The 20 s baseline is longer than steady.mp4 (00:16)")
    at.button(key="use_shorter").click().run()
    assert at.number_input(key="calib").value == 5 and not at.warning
    at.number_input(key="calib").set_value(14).run()  # most of the video: still a warning
    assert shown(at.warning[0].value).startswith("The 14 s baseline is most of steady.mp4")


def test_review_says_what_the_camera_could_not_see(home, monkeypatch):
    monkeypatch.setenv("CUE_TRAINER_HOME", str(home))
    sid = practise(SessionStore(home), "Bo", [])  # hand-built landmarks without hands
    at = AppTest.from_file(REVIEW, default_timeout=60)
    at.query_params["session"] = str(sid)
    at.run()
    # Issue 22, item 4: one line under the score, the details folded.
    (folded,) = [e for e in at.expander if "Hidden from the camera" in shown(e.label)]
    assert shown(folded.label).startswith(":material/center_focus_weak: Hidden from the camera: ")
    assert "hands (“Hand at face” can't be noticed)" in shown(folded.label)
    details = shown(folded.markdown[0].value)
    assert "Hands out of view or hidden 100 % of the time: “Hand at face” can't be noticed" in details
    assert not [i for i in at.info if "Hidden from the camera" in i.value]


def test_a_processed_video_nobody_practised_on_shows_no_score(home, monkeypatch):
    from cue_trainer.recording import NOT_PRACTISED

    monkeypatch.setenv("CUE_TRAINER_HOME", str(home))
    sid = practise(SessionStore(home), "", [], source="video")
    at = AppTest.from_file(REVIEW, default_timeout=60)
    at.query_params["session"] = str(sid)
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert NOT_PRACTISED in text and "You noticed" not in text and "not marked" not in text
    assert not [t for t in at.table if "noticed" in str(t.value)]
