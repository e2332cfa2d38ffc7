"""The Practice page's non-video parts with Streamlit's AppTest: consent gating, mode switch, marks.

The webcam itself is exercised in a real browser (test_practice_browser.py). Here the panels run on
a real LiveSession (real detector, real store) fed with a photo, in place of a live stream.
"""
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest


def setup_script() -> None:
    import streamlit as st

    from cue_trainer.app import panels
    from cue_trainer.profiles import default_profile

    st.session_state["result"] = panels.setup(default_profile())


def test_nothing_after_consent_until_both_people_agree():
    at = AppTest.from_function(setup_script, default_timeout=30).run()
    assert [c.label.split(":")[0] for c in at.checkbox] == ["**Partner", "**Practitioner"]
    assert "The camera starts only after both people have agreed." in at.info[0].value
    assert at.session_state["result"] is None and len(at.text_input) == 0
    at.checkbox[0].check().run()  # one person is not enough
    assert at.session_state["result"] is None
    at.checkbox[1].check().run()
    assert not at.exception
    result = at.session_state["result"]
    assert (result.partner, result.practitioner, result.mode, result.calibration_s) == (
        "Partner", "Practitioner", "coach", 20.0)
    at.radio(key="mode").set_value("Quiz").run()
    at.text_input(key="partner").input("  Ann ").run()
    assert (at.session_state["result"].mode, at.session_state["result"].partner) == ("quiz", "Ann")


def panels_script(home: str, calibration_s: float) -> None:
    """Runs the live panels on a LiveSession fed with the astronaut photo (one frame per run)."""
    import types

    import streamlit as st
    from skimage import data

    from cue_trainer.app import panels
    from cue_trainer.app.video import PracticeProcessor
    from cue_trainer.live import LiveSession
    from cue_trainer.profiles import default_profile
    from cue_trainer.store import SessionStore

    if "ctx" not in st.session_state:
        clock = types.SimpleNamespace(now=0.0)
        live = LiveSession(store=SessionStore(home), profile=default_profile(), calibration_s=calibration_s,
                           clock=lambda: clock.now)
        st.session_state.clock = clock
        st.session_state.ctx = types.SimpleNamespace(video_processor=PracticeProcessor(live))
    live = st.session_state.ctx.video_processor.live
    for _ in range(st.session_state.get("frames_per_run", 0)):
        st.session_state.clock.now += 1 / 15
        live.process(data.astronaut())
    mode = st.radio("Mode", ["Coach", "Quiz"], key="mode")
    panels.live_panel(st.session_state.ctx, coach=mode == "Coach")
    panels.controls(st.session_state.ctx)


@pytest.fixture
def panels_app(home):
    at = AppTest.from_function(panels_script, args=(str(home), 1.0), default_timeout=60)
    at.session_state["frames_per_run"] = 30  # 2 s of frames: calibrate (1 s), then practise
    return at.run()


def badges(at) -> list[str]:
    return [m.value for m in at.markdown if "cue-badge" in m.value]


def test_coach_mode_shows_badges_and_quiz_mode_hides_them(panels_app):
    at = panels_app
    assert not at.exception
    assert 'data-phase="practising"' in at.markdown[0].value
    (html,) = badges(at)
    assert 'data-cue="slumped_posture" data-status="inactive"' in html
    at.radio(key="mode").set_value("Quiz").run()
    assert badges(at) == []
    assert any("Quiz mode" in c.value for c in at.caption)


def test_marks_and_notes_are_recorded_with_their_time(panels_app):
    at = panels_app
    live = at.session_state.ctx.video_processor.live
    at.session_state["frames_per_run"] = 0
    at.button(key="mark-slumped_posture").click().run()
    at.text_input[0].input("looked at the door")
    at.button[-1].click().run()  # the note form's submit button
    assert not at.exception
    marks = live.store.table(live.session_id, "marks")
    assert marks.cue.iloc[0] == "slumped_posture" and pd.isna(marks.cue.iloc[1])
    assert marks.note.iloc[1] == "looked at the door"
    assert marks.t.iloc[0] == pytest.approx(2.0, abs=0.01)  # the session clock when clicked


def test_pause_and_stop_buttons(panels_app):
    at = panels_app
    live = at.session_state.ctx.video_processor.live
    at.button(key="pause").click().run()
    assert live.snapshot().phase == "paused"
    at.button(key="resume").click().run()
    assert live.snapshot().phase == "practising"
    at.button(key="stop").click().run()
    assert live.store.session(live.session_id).status == "complete"
    assert at.session_state["ended_session"] == live.session_id
