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
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=30).run()
    assert not at.exception
    text = " ".join(" ".join(m.value for m in at.markdown).split())
    assert "does not read emotions" in text and "no diagnosis" in text and "No video is saved" in text


def test_sessions_page_lists_stored_sessions(app_home):
    store = SessionStore(app_home)
    sid = store.create_session(source="video", source_path="talk.mp4", profile_toml=default_profile().to_toml())
    store.end_session(sid, duration_s=12.0)
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=30)
    at.run()
    at.switch_page(str(REPO / "cue_trainer/app/pages/sessions.py")).run()
    assert not at.exception
    df = at.dataframe[0].value
    assert df["source"].tolist() == ["talk.mp4"] and df["status"].tolist() == ["complete"]
