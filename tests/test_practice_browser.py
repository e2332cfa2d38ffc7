"""End to end in a real browser: headless Chromium whose webcam plays a clip made from a real
photo, the real app server, real models, a real store. Slow (about a minute)."""
import json
import re
import time
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, app_server, chromium, external_requests, wait_until_idle
from tests.clips import write_y4m
from cue_trainer.profiles import default_profile
from cue_trainer.store import SessionStore

pytestmark = pytest.mark.slow

CHANGE_CLIP_S = 10.0  # the partner moves down in the frame here ...
DOWN_FOR_S = 10.0  # ... and stays down this long
CALIBRATION_S = 5.0
STATUS_JS = """() => {
  const s = document.querySelector('#live-status');
  if (!s) return null;
  return {phase: s.dataset.phase, now: +s.dataset.now, session: +s.dataset.session,
          received: +s.dataset.received, analysed: +s.dataset.analysed,
          badges: document.querySelectorAll('.cue-badge').length,
          active: [...document.querySelectorAll('.cue-badge[data-status=active]')].map(b => b.dataset.cue),
          suggestion: document.body.innerText.includes('Check-in idea')};
}"""


@pytest.fixture(scope="module")
def fake_webcam(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("webcam") / "partner.y4m"
    return write_y4m(path, [(CHANGE_CLIP_S, {}), (DOWN_FOR_S, {"dy": 0.2}), (6.0, {})], fps=15)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    ARTIFACTS.mkdir(exist_ok=True)
    with app_server(home, ARTIFACTS / "practice-server.log") as url:
        yield url, home


def open_practice(browser, url, *, consent=True, mode="Coach"):
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    page.outside = external_requests(page)
    page.goto(f"{url}/practice")
    page.get_by_text("The camera starts only after both people have agreed.").wait_for()
    if consent:
        page.get_by_text("I agree to be on camera").click()
        page.get_by_text("I agree to practise noticing").click()
        page.get_by_label("Baseline length (s)", exact=True).fill(str(CALIBRATION_S))
        page.keyboard.press("Enter")
        if mode == "Quiz":
            page.get_by_text("Quiz", exact=True).click()
        wait_until_idle(page)
    return page


def run_practice(page, *, until_s: float, mark_when_active: bool, key_at_s: float | None = None):
    """Start the camera, poll the live status until the session clock reaches ``until_s``;
    returns the polled statuses and the session time of a mark: clicked once the slumped_posture
    badge is active (``mark_when_active``), or typed with its shortcut key "1" at ``key_at_s``."""
    page.frame_locator("iframe[title*='webrtc']").get_by_role("button", name="START").click()
    try:
        page.locator("#live-status").wait_for(timeout=30000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "practice-start-failed.png"), full_page=True)
        raise
    statuses, marked_at = [], None
    deadline = time.monotonic() + until_s + 30
    while time.monotonic() < deadline:
        status = page.evaluate(STATUS_JS)
        if status is not None:
            status["wall"] = time.monotonic()
            statuses.append(status)
            if mark_when_active and marked_at is None and "slumped_posture" in status["active"]:
                page.screenshot(path=str(ARTIFACTS / "practice-coach.png"), full_page=True)
                page.get_by_role("button", name="Sitting lower").click()
                marked_at = page.evaluate(STATUS_JS)["now"]
            if key_at_s is not None and marked_at is None and status["now"] >= key_at_s:
                page.get_by_role("heading", name="Practice").click()  # focus the page, not an input
                page.keyboard.press("1")
                marked_at = status["now"]
            if status["now"] >= until_s:
                break
        time.sleep(0.1)
    page.get_by_role("button", name="Stop").click()
    page.get_by_text(re.compile(r"Session \d+ is saved\.")).wait_for(timeout=15000)
    assert page.outside == [], "the app must not contact other hosts"
    return statuses, marked_at


def test_without_consent_no_camera_control_is_offered(server):
    url, _ = server
    with chromium() as browser:
        page = open_practice(browser, url, consent=False)
        page.wait_for_timeout(1500)
        assert page.locator("iframe[title*='webrtc']").count() == 0
        assert page.get_by_role("button", name="START").count() == 0


def test_coach_mode_end_to_end(server, fake_webcam):
    url, home = server
    with chromium(fake_webcam) as browser:
        page = open_practice(browser, url)
        statuses, marked_at = run_practice(page, until_s=CHANGE_CLIP_S + 6.0, mark_when_active=True)
    store = SessionStore(home)
    sid = statuses[-1]["session"]
    info = store.session(sid)
    assert info.status == "complete"

    # Frames processed per second of clip, over the analysed stretch.
    t, _ = store.features(sid)
    rate = (len(t) - 1) / (t[-1] - t[0])
    assert rate >= 10.0, f"{rate:.1f} frames/s analysed"

    # The session clock starts when the stream connects, a little after the clip starts playing,
    # so the change shows up at most 2.5 s earlier on the session clock (and never much later).
    (episode,) = [e for e in store.events(sid) if e.cue == "slumped_posture"]
    assert CHANGE_CLIP_S - 2.5 <= episode.start_s <= CHANGE_CLIP_S + 1.0
    assert not [e for e in store.events(sid) if e.start_s < CALIBRATION_S + 2.5 and e.cue != "out_of_view"]

    # The badge went active, and the mark was recorded at the time it was clicked.
    first_active = next(s for s in statuses if "slumped_posture" in s["active"])
    assert marked_at is not None
    marks = store.table(sid, "marks")
    assert marks.cue.tolist() == ["slumped_posture"]
    assert marks.t.iloc[0] == pytest.approx(marked_at, abs=1.0)
    assert (ARTIFACTS / "practice-coach.png").stat().st_size > 10_000
    assert any(s["suggestion"] for s in statuses)

    min_duration = default_profile().cues["slumped_posture"].min_duration_s
    latency = first_active["now"] - (episode.start_s + min_duration)
    last = statuses[-1]
    figures = {
        "analysed_fps": round(rate, 2),
        "dropped_share": round(1 - last["analysed"] / last["received"], 3),
        "badge_latency_after_min_duration_s": round(latency, 2),
        "episode_start_s": episode.start_s,
    }
    (ARTIFACTS / "practice-figures.json").write_text(json.dumps(figures, indent=2))
    print(figures)
    assert latency <= 1.0


def test_quiz_mode_hides_cues_and_suggestions_but_records_them(server, fake_webcam):
    url, home = server
    with chromium(fake_webcam) as browser:
        page = open_practice(browser, url, mode="Quiz")
        statuses, typed_at = run_practice(page, until_s=CHANGE_CLIP_S + 6.0, mark_when_active=False,
                                          key_at_s=CHANGE_CLIP_S + 3.0)
        page.screenshot(path=str(ARTIFACTS / "practice-quiz.png"), full_page=True)
    practising = [s for s in statuses if s["phase"] == "practising"]
    assert len(practising) > 20
    assert all(s["badges"] == 0 and not s["suggestion"] for s in practising)
    store = SessionStore(home)
    sid = statuses[-1]["session"]
    assert store.session_field(sid, "mode") == "quiz"
    assert "slumped_posture" in [e.cue for e in store.events(sid)]  # detected, shown only in review
    marks = store.table(sid, "marks")  # the keyboard shortcut "1" marks the first cue
    assert marks.cue.tolist() == ["slumped_posture"] and marks.t.iloc[0] == pytest.approx(typed_at, abs=1.0)


def test_closing_the_tab_keeps_the_session_as_incomplete(server, fake_webcam):
    url, home = server
    with chromium(fake_webcam) as browser:
        page = open_practice(browser, url)
        page.frame_locator("iframe[title*='webrtc']").get_by_role("button", name="START").click()
        page.locator("#live-status[data-phase=calibrating]").wait_for(timeout=30000)
        sid = page.evaluate(STATUS_JS)["session"]
        page.close()  # no Stop: the tab goes away
    store = SessionStore(home)
    deadline = time.monotonic() + 90
    while store.session(sid).status != "incomplete" and time.monotonic() < deadline:
        time.sleep(1)
    info = store.session(sid)
    assert info.status == "incomplete" and info.frames > 0
    assert "before Stop" in store.session_field(sid, "note")
