"""The Practice page's non-video parts with Streamlit's AppTest: consent gating and the locked
setup, marks, notes, pause and stop, Coach and Quiz panels, fading suggestions.

The webcam itself is exercised in a real browser (test_practice_browser.py). Here the panels run on
a real LiveSession (real detector, real store) fed with photos, in place of a live stream.
"""
import pytest
from streamlit.testing.v1 import AppTest

from tests.builders import shown
from tests.clips import astronaut_canvas, place


def setup_script(home: str) -> None:
    from pathlib import Path

    import streamlit as st

    from cue_trainer.app.setup import current_setup, setup_panel

    setup_panel(Path(home), current_setup(Path(home)), locked=st.session_state.get("locked", False))
    st.session_state["result"] = current_setup(Path(home))


def setup_or_elsewhere(home: str) -> None:
    """The setup, or (``away``) another page: Streamlit forgets the setup widgets' values then."""
    from pathlib import Path

    import streamlit as st

    from cue_trainer.app.setup import current_setup, setup_panel

    if st.session_state.get("away"):
        st.write("another page")
    else:
        setup_panel(Path(home), current_setup(Path(home)), locked=False)
        st.session_state["result"] = current_setup(Path(home))


def test_names_consent_and_setup_last_for_the_browser_session(home):
    """Issue 22, item 5: leaving Practice and coming back kept nothing: sessions were filed under
    "Practitioner"."""
    at = AppTest.from_function(setup_or_elsewhere, args=(str(home),), default_timeout=30).run()
    at.checkbox[0].check().run()
    at.checkbox[1].check().run()
    at.text_input(key="partner").input("Ann").run()
    at.text_input(key="practitioner").input("Bo").run()
    at.radio(key="mode").set_value("Quiz").run()
    at.number_input(key="calibration_s").set_value(30).run()
    at.session_state["away"] = True
    at.run()
    at.session_state["away"] = False
    at.run()
    assert not at.exception and not at.warning
    result = at.session_state["result"]
    assert (result.consented, result.partner, result.practitioner, result.mode, result.calibration_s) == (
        True, "Ann", "Bo", "quiz", 30.0)
    assert at.text_input(key="partner").value == "Ann" and at.checkbox[0].value


def test_consent_from_both_people_and_a_setup_that_locks(home):
    at = AppTest.from_function(setup_script, args=(str(home),), default_timeout=30).run()
    assert [c.label.split(":")[0] for c in at.checkbox] == ["**Partner", "**Practitioner", "**Both of us"]
    assert "The camera starts only after both people have agreed." in at.info[0].value
    assert not at.session_state["result"].consented
    # Recording is a separate choice, off by default, and not part of the consent to practise.
    assert not at.checkbox(key="record").value and not at.session_state["result"].record
    at.checkbox[0].check().run()  # one person is not enough
    assert not at.session_state["result"].consented
    at.checkbox[1].check().run()
    assert not at.exception
    result = at.session_state["result"]
    assert (result.consented, result.partner, result.practitioner, result.mode, result.calibration_s, result.record) == (
        True, "Partner", "Practitioner", "coach", 20.0, False)
    at.checkbox(key="record").check().run()
    assert at.session_state["result"].record and at.session_state["result"].consented
    at.radio(key="mode").set_value("Quiz").run()
    at.text_input(key="partner").input("  Ann ").run()
    assert (at.session_state["result"].mode, at.session_state["result"].partner) == ("quiz", "Ann")
    at.session_state["locked"] = True  # a session is running
    at.run()
    locked = [at.checkbox[0], at.checkbox[1], at.radio(key="mode"), at.text_input(key="partner"),
              at.number_input(key="calibration_s"), at.selectbox(key="profile")]
    assert all(w.disabled for w in locked)
    assert shown(at.expander[0].label).startswith("Setup — locked until Stop: Quiz mode · Ann with Practitioner")
    assert at.session_state["result"].mode == "quiz"  # the choices stay as they were


def panels_script(home: str, calibration_s: float) -> None:
    """Runs the live panels on a LiveSession fed with a photo (``frames_per_run`` frames per run)."""
    import types

    import streamlit as st
    from skimage import data

    from cue_trainer.app import live_panels
    from cue_trainer.app.video import PracticeProcessor
    from cue_trainer.live import LiveSession
    from cue_trainer.profiles import default_profile
    from cue_trainer.store import SessionStore

    if "ctx" not in st.session_state:
        clock = types.SimpleNamespace(now=0.0)
        live = LiveSession(store=SessionStore(home), profile=default_profile(), calibration_s=calibration_s,
                           suggestion_visible_s=5.0, clock=lambda: clock.now)
        st.session_state.clock = clock
        st.session_state.ctx = types.SimpleNamespace(processor=PracticeProcessor(live), start_hint="")  # a picture source fed by the script
    live = st.session_state.ctx.processor.live
    photo = st.session_state.get("photo", data.astronaut())
    for _ in range(st.session_state.get("frames_per_run", 0)):
        st.session_state.clock.now += 1 / 15
        live.process(photo)
    mode = st.radio("Mode", ["Coach", "Quiz"], key="mode")
    live_panels.status_panel(st.session_state.ctx)
    if mode == "Coach":
        live_panels.suggestion_panel(st.session_state.ctx)
    live_panels.controls_panel(st.session_state.ctx, on_stop=lambda lv: st.session_state.update(ended_session=lv.stop()))
    live_panels.cue_panel(st.session_state.ctx, coach=mode == "Coach", alert=False)


@pytest.fixture
def panels_app(home):
    at = AppTest.from_function(panels_script, args=(str(home), 1.0), default_timeout=60)
    at.session_state["frames_per_run"] = 30  # 2 s of frames: calibrate (1 s), then practise
    at.run()
    # The clock shows once the mark buttons are drawn (the page's next run; live, a second later).
    at.session_state["frames_per_run"] = 0
    return at.run()


def badges(at) -> list[str]:
    return [m.value for m in at.markdown if "cue-badge" in m.value]


def page_text(at) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
                    + [str(t.value) for t in at.table])


def test_coach_mode_shows_badges_and_values_quiz_mode_hides_everything(panels_app):
    at = panels_app
    assert not at.exception
    status = next(m.value for m in at.markdown if 'id="live-status"' in m.value)
    assert 'data-phase="practising"' in status and "00:02" in status
    (html,) = badges(at)
    assert 'data-cue="slumped_posture" data-status="inactive"' in html
    at.toggle(key="show_values").set_value(True).run()
    values = at.table[0].value
    assert "Sitting lower" in values.cue.tolist()
    assert values.loc[values.cue == "Looking away", "threshold"].iloc[0] == "25°"  # in the cue's unit, rounded
    assert not any("None" in str(v) or "nan" in str(v) for v in values.to_numpy().ravel())
    at.radio(key="mode").set_value("Quiz").run()
    assert badges(at) == [] and len(at.table) == 0
    text = page_text(at)
    assert "Quiz mode" in text and "threshold" not in text and "Check-in idea" not in text


def test_marks_and_notes_are_recorded_with_their_time(panels_app):
    at = panels_app
    live = at.session_state.ctx.processor.live
    at.button(key="mark-slumped_posture").click().run()
    at.text_input(key="note_text").input("looked at the door")
    next(b for b in at.button if b.label == "Add note").click().run()
    assert not at.exception
    first, second = live.store.marks(live.session_id)
    assert (first.cue, second.cue, second.note) == ("slumped_posture", None, "looked at the door")
    assert first.t == pytest.approx(2.0, abs=0.01)  # the session clock when clicked


def test_pause_disables_marks_and_stop_ends_the_session(panels_app):
    at = panels_app
    live = at.session_state.ctx.processor.live
    at.session_state["frames_per_run"] = 0
    at.button(key="pause").click().run()
    assert live.snapshot().phase == "paused"
    assert at.button(key="mark-slumped_posture").disabled and at.button(key="recalibrate").disabled
    at.button(key="resume").click().run()
    assert live.snapshot().phase == "practising" and not at.button(key="mark-slumped_posture").disabled
    at.button(key="stop").click().run()
    assert live.store.session(live.session_id).status == "complete"
    assert at.session_state["ended_session"] == live.session_id


def test_a_suggestion_shows_its_time_and_fades(panels_app):
    """The partner sits lower: the suggestion appears with its time, then fades after 5 s unanswered."""
    at = panels_app
    at.session_state["photo"] = place(astronaut_canvas(), dy=0.2)
    at.session_state["frames_per_run"] = 60  # 4 s lower: past the 3 s minimum duration
    at.run()
    shown = [m.value for m in at.markdown if "Check-in idea" in m.value]
    assert len(shown) == 1 and "sitting lower · at 00:0" in shown[0]
    at.session_state["frames_per_run"] = 90  # 6 s later: faded, unanswered
    at.run()
    assert not [m.value for m in at.markdown if "Check-in idea" in m.value]
    live = at.session_state.ctx.processor.live
    (s,) = live.store.suggestions(live.session_id)
    assert s.response is None  # faded unanswered: "no answer" in the review


def test_after_calibration_the_page_says_what_the_camera_cannot_see(panels_app):
    """The astronaut photo shows no hands: once the baseline is set the page says so, with the cue
    that therefore can't be noticed and what to change — in Quiz mode too (it names no cue state)."""
    at = panels_app
    (line,) = [c.value for c in at.caption if "Hidden from the camera" in c.value]
    assert line.endswith("Hidden from the camera: hands (“Hand at face” can't be noticed) — move back a little so "
                         "that shoulders and hands are in the picture.")
    at.radio(key="mode").set_value("Quiz").run()
    assert any("Hidden from the camera" in c.value for c in at.caption)


def test_marks_are_off_until_the_baseline_is_done(home):
    """Issue 20, item 4: while waiting for the partner and during the baseline the mark buttons are
    disabled (their keys get a notice from app.keys); the note and pause stay; the buttons turn on
    when the baseline ends."""
    at = AppTest.from_function(panels_script, args=(str(home), 3.0), default_timeout=60)
    at.session_state["frames_per_run"] = 15  # 1 s of the 3 s baseline
    at.run()
    at.session_state["frames_per_run"] = 0
    at.run()
    live = at.session_state.ctx.processor.live
    assert live.snapshot().phase == "calibrating"
    assert all(b.disabled for b in at.button if b.key and b.key.startswith("mark-"))
    assert not at.button(key="pause").disabled and not at.text_input(key="note_text").disabled
    at.session_state["frames_per_run"] = 45  # the baseline ends
    at.run()
    at.session_state["frames_per_run"] = 0
    at.run()
    assert live.snapshot().phase == "practising"
    assert not any(b.disabled for b in at.button if b.key and b.key.startswith("mark-"))
    at.button(key="mark-slumped_posture").click().run()
    (mark,) = live.store.marks(live.session_id)
    assert mark.cue == "slumped_posture"
