"""The Streamlit app's pages with Streamlit's AppTest (the live video page is a separate issue)."""
import pytest
from streamlit.testing.v1 import AppTest

from tests.processes import REPO
from cue_trainer.profiles import default_profile
from cue_trainer.store import SessionStore


@pytest.fixture
def app_home(home, monkeypatch):
    monkeypatch.setenv("CUE_TRAINER_HOME", str(home))
    return home


def test_about_page_states_the_limits(app_home):
    at = AppTest.from_file(str(REPO / "cue_trainer/app/pages/navigation.py"), default_timeout=30).run()
    assert not at.exception
    text = " ".join(" ".join(m.value for m in at.markdown).split())
    assert "does not read emotions" in text and "no diagnosis" in text
    # What is stored when: nothing by default; a video only when asked for, deleted with its session.
    assert "By default no video is saved" in text and "both of you tick \"record\"" in text
    assert "deleted with its session" in text


def test_sessions_page_lists_sessions_with_local_times_names_and_scores(app_home):
    store = SessionStore(app_home)
    video = store.create_session(source="video", source_path="talk.mp4", profile_toml=default_profile().to_toml())
    store.end_session(video, duration_s=12.0)
    live = store.create_session(source="live", partner="Ann", practitioner="Bo", mode="quiz",
                                profile_toml=default_profile().to_toml())
    store.end_session(live, duration_s=75.4)
    at = AppTest.from_file(str(REPO / "cue_trainer/app/pages/navigation.py"), default_timeout=30)
    at.run()
    at.switch_page(str(REPO / "cue_trainer/app/pages/sessions.py")).run()
    assert not at.exception
    df = at.dataframe[0].value
    assert df["id"].tolist() == [live, video]
    assert df["partner"].tolist() == ["Ann", ""] and df["practitioner"].tolist() == ["Bo", ""]
    assert df["kind"].tolist() == ["live · quiz", "video"] and df["length"].tolist() == ["01:15", "00:12"]
    assert df["started"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d").all()  # local time, to the minute
    assert df["open"].tolist() == [f"/review?session={live}", f"/review?session={video}"]
    at.selectbox(key="delete_pick").set_value(video).run()
    at.button(key="confirm_delete").click().run()
    assert [s.id for s in store.sessions()] == [live]
    assert any(f"Session {video} was deleted." in s.value for s in at.success)
