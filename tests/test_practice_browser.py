"""End to end in a real browser: headless Chromium whose webcam plays a clip made from a real
photo, the real app server, real models, a real store. The practitioner's instrument at a laptop
(1280×800) and a phone (390×844) size: everything needed while practising is on screen, keys work
right after START, the webcam's own STOP saves the session, Quiz mode gives nothing away. Slow."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from cue_trainer.app.live_panels import MARKS_AFTER_BASELINE
from cue_trainer.catalogue import MARKABLE
from cue_trainer.footage import CLUSTER_MS, QUEUE_S
from cue_trainer.live import STOPPED_NOTE
from cue_trainer.profiles import default_profile
from cue_trainer.store import SessionStore
from cue_trainer.videos import VIDEO_SUFFIXES
from tests.browser import (ARTIFACTS, BROKEN_WORDS_JS, app_server, chromium, external_requests, inside,
                           wait_until_idle)
from tests.clips import frame_times, write_y4m
from tests.processes import REPO, fill_up, run_cli

pytestmark = pytest.mark.slow

CHANGE_CLIP_S = 10.0  # the partner moves down in the frame here ...
DOWN_FOR_S = 10.0  # ... and stays down this long
CALIBRATION_S = 5
LAPTOP, PHONE = (1280, 800), (390, 844)
STATUS_JS = """() => {
  const s = document.querySelector('#live-status');
  if (!s) return null;
  return {phase: s.dataset.phase, now: +s.dataset.now, frame: +s.dataset.frame, session: +s.dataset.session,
          received: +s.dataset.received, analysed: +s.dataset.analysed,
          badges: document.querySelectorAll('.cue-badge').length,
          active: [...document.querySelectorAll('.cue-badge[data-status=active]')].map(b => b.dataset.cue),
          badgesNow: document.querySelector('#cue-badges') ? +document.querySelector('#cue-badges').dataset.now : null,
          text: document.body.innerText};
}"""
#: Words that would give a Quiz away: cue states, suggestions, live values.
QUIZ_LEAKS = ("Check-in idea", "threshold", "Live values", "showing now", "not showing", "can't see")


@pytest.fixture(scope="module")
def fake_webcam(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("webcam") / "partner.y4m"
    return write_y4m(path, [(CHANGE_CLIP_S, {}), (DOWN_FOR_S, {"dy": 0.2}), (6.0, {})], fps=15)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "practice-server.log"
    with app_server(home, log) as url:
        yield url, home
    assert "Traceback" not in log.read_text(), f"the server printed a traceback; see {log}"


def open_practice(browser, url, size, *, consent=True, mode="Coach", record=False):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.outside = external_requests(page)
    page.goto(f"{url}/practice")
    page.get_by_text("The camera starts only after both people have agreed.").wait_for()
    if consent:
        page.get_by_text("I agree to be on camera").click()
        page.get_by_text("I agree to practise noticing").click()
        if record:
            page.get_by_text("record the video on this computer for our review").click()
        page.get_by_label("Baseline length (s)", exact=True).fill(str(CALIBRATION_S))
        page.keyboard.press("Enter")
        if mode == "Quiz":
            page.get_by_text("Quiz", exact=True).click()
        wait_until_idle(page)
    return page


def start(page) -> dict:
    """Press the webcam component's START and wait for the session clock."""
    page.frame_locator("iframe[title*='webrtc']").get_by_role("button", name="START").click()
    try:
        page.locator("#live-status").wait_for(timeout=30000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "practice-start-failed.png"))
        raise
    return page.evaluate(STATUS_JS)


def layout(page, size) -> dict:
    """Bounding boxes of the video, the status line and the nine mark buttons (viewport coordinates)."""
    return {
        "video": page.frame_locator("iframe[title*='webrtc']").locator("video").bounding_box(),
        "status": page.locator("#live-status").bounding_box(),
        # Streamlit also renders a hidden copy of a button that has help; measure the one shown.
        **{c.id: page.locator(f".st-key-mark-{c.id} button:visible").bounding_box() for c in MARKABLE},
    }


def mark_lines(page) -> dict[str, int]:
    """How many lines each mark button's label takes."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[class*=st-key-mark-] button')]
        .filter(b => b.offsetParent).map(b => { const p = b.querySelector('p') || b; const lh = parseFloat(getComputedStyle(p).lineHeight) || 20;
                    return [b.innerText.split('\\n')[0], Math.round(p.getBoundingClientRect().height / lh)]; }))""")


def poll(page, until_s: float, on_status) -> list[dict]:
    statuses = []
    deadline = time.monotonic() + until_s + 30
    while time.monotonic() < deadline:
        status = page.evaluate(STATUS_JS)
        if status is not None:
            statuses.append(status)
            on_status(status)
            if status["now"] >= until_s:
                break
        time.sleep(0.1)
    return statuses


def poll_until(page, done, on_status, timeout_s: float = 90) -> list[dict]:
    """Statuses until ``done()`` holds (checked after each status)."""
    statuses = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = page.evaluate(STATUS_JS)
        if status is not None:
            statuses.append(status)
            on_status(status)
            if done():
                break
        time.sleep(0.1)
    return statuses


def test_without_consent_no_camera_control_is_offered(server):
    url, _ = server
    with chromium() as browser:
        page = open_practice(browser, url, LAPTOP, consent=False)
        page.wait_for_timeout(1500)
        assert page.locator("iframe[title*='webrtc']").count() == 0
        assert page.get_by_role("button", name="START").count() == 0


def test_coach_session_on_a_laptop(server, fake_webcam):
    """Everything on one 1280×800 screen; keys work right after START (key 1 says that marks start
    after the baseline, then marks once it is done, with no click on the page); the webcam's STOP saves."""
    url, home = server
    with chromium(fake_webcam) as browser:
        page = open_practice(browser, url, LAPTOP)
        start(page)
        page.keyboard.press("1")  # right after START, during the baseline: no click on the page first
        notice = page.locator("#mark-notice")
        notice.wait_for(timeout=15000)
        assert notice.inner_text() == MARKS_AFTER_BASELINE
        page.screenshot(path=str(ARTIFACTS / "practice-baseline-key-1280.png"))
        seen = {}

        def on_status(status):
            if status["phase"] == "practising" and "typed" not in seen:
                page.keyboard.press("1")  # still no click on the page
                seen["typed"] = status["now"]
            if status["phase"] == "practising" and "layout" not in seen:
                seen["layout"] = layout(page, LAPTOP)
                seen["broken"] = page.evaluate(BROKEN_WORDS_JS)
                seen["lines"] = mark_lines(page)
                seen["udp"] = udp_addresses_of(int(url.rsplit(":", 1)[1]))
            if "Check-in idea" in status["text"] and "card" not in seen:
                # Issue 22, item 2: the suggestion is in view while watching, at both sizes.
                card = page.locator('[class*="st-key-suggestion-slot-"]').first
                seen["card"] = {"laptop": card.bounding_box()}
                page.screenshot(path=str(ARTIFACTS / "practice-suggestion-1280.png"))
                page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
                page.wait_for_function(f"() => window.innerWidth === {PHONE[0]}")
                seen["card"]["phone"] = card.bounding_box()
                page.screenshot(path=str(ARTIFACTS / "practice-suggestion-390.png"))
                page.set_viewport_size({"width": LAPTOP[0], "height": LAPTOP[1]})
                page.wait_for_function(f"() => window.innerWidth === {LAPTOP[0]}")
            if "slumped_posture" in status["active"] and "clicked" not in seen:
                page.screenshot(path=str(ARTIFACTS / "practice-coach-1280.png"))
                page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
                page.wait_for_timeout(800)
                page.screenshot(path=str(ARTIFACTS / "practice-coach-390.png"))
                page.set_viewport_size({"width": LAPTOP[0], "height": LAPTOP[1]})
                page.wait_for_timeout(500)
                # The session clock as the page shows it at the click: the freshest of the status
                # line (redrawn each second) and the cue panel (each half second).
                before = page.evaluate(STATUS_JS)
                seen["clicked"] = max(before["now"], before["badgesNow"] or 0.0)
                page.locator(".st-key-mark-slumped_posture button:visible").click()

        statuses = poll(page, CHANGE_CLIP_S + 6.0, on_status)
        # The webcam component's own STOP ends the session as the app's Stop does.
        page.frame_locator("iframe[title*='webrtc']").get_by_role("button", name="STOP").click()
        try:
            page.get_by_text(re.compile(r"Session \d+ is saved\.")).wait_for(timeout=15000)
        finally:
            page.screenshot(path=str(ARTIFACTS / "practice-after-component-stop.png"))
        review = page.get_by_role("button", name=re.compile(r"Review session \d+"))
        review.wait_for(timeout=15000)  # drawn with the "saved" line, a moment after it on a busy machine
        page.screenshot(path=str(ARTIFACTS / "practice-saved-1280.png"))
        assert page.outside == [], "the app must not contact other hosts"

    assert all(inside(box, *LAPTOP) for box in seen["layout"].values()), seen["layout"]
    assert inside(seen["card"]["laptop"], *LAPTOP) and inside(seen["card"]["phone"], *PHONE), seen["card"]
    # The WebRTC media ports are bound on loopback only: nothing is reachable from the network.
    assert seen["udp"] and all(a.startswith("127.0.0.1:") for a in seen["udp"]), seen["udp"]
    assert seen["broken"] == [], f"button labels broken inside a word: {seen['broken']}"
    assert set(seen["lines"].values()) == {1}, seen["lines"]

    store = SessionStore(home)
    sid = statuses[-1]["session"]
    info = store.session(sid)
    assert info.status == "complete", info.note  # saved by the component's STOP, not "incomplete"

    t, _ = store.features(sid)
    rate = (len(t) - 1) / (t[-1] - t[0])
    # The rate is a speed, measured by make bench ([live in the browser]), not asserted here: on a
    # loaded machine (this suite's other tests, CI's) it passes or fails by luck.
    print(f"live analysis: {rate:.1f} frames/s")
    # The session clock starts when the stream connects, a little after the clip starts playing,
    # so the change shows up at most 2.5 s earlier on the session clock (and never much later).
    (episode,) = [e for e in store.events(sid) if e.cue == "slumped_posture"]
    assert CHANGE_CLIP_S - 2.5 <= episode.start_s <= CHANGE_CLIP_S + 1.0
    assert not [e for e in store.events(sid) if e.start_s < CALIBRATION_S + 2.5 and e.cue != "out_of_view"]

    marks = store.marks(sid)
    # Nothing from the key pressed during the baseline; the key "1" once practising, then the click.
    assert [m.cue for m in marks] == ["slumped_posture", "slumped_posture"]
    assert marks[0].t >= CALIBRATION_S
    # The key goes as practice starts: the status line read then is up to 1 s old, and the key's trip
    # to the server can be long while the page redraws the controls (1.1 s seen on this loaded machine).
    assert seen["typed"] - 0.2 <= marks[0].t <= seen["typed"] + 2.0
    # The page's clock is at most half a second old when read, and the click reaches the server
    # within a second on this loaded 2-core machine (camera, browser and models share it).
    assert seen["clicked"] - 0.2 <= marks[1].t <= seen["clicked"] + 0.5 + 1.0
    assert any("Check-in idea" in s["text"] for s in statuses)

    min_duration = default_profile().cues["slumped_posture"].min_duration_s
    first_active = next(s for s in statuses if "slumped_posture" in s["active"])
    latency = first_active["badgesNow"] - (episode.start_s + min_duration)  # the badges' own refresh time
    last = statuses[-1]
    figures = {"analysed_fps": round(rate, 2), "dropped_share": round(1 - last["analysed"] / last["received"], 3),
               "badge_latency_after_min_duration_s": round(latency, 2), "episode_start_s": episode.start_s}
    (ARTIFACTS / "practice-figures.json").write_text(json.dumps(figures, indent=2))
    print(figures)
    # The badge shows the confirmed episode, never before it (its refresh is 0.5 s; the speed itself
    # is in practice-figures.json and make bench, not asserted on a machine this suite loads).
    assert latency >= -0.6


@pytest.fixture(scope="module")
def two_people_webcam(tmp_path_factory) -> Path:
    """Grace Hopper alone for the baseline, then the astronaut comes into view beside her."""
    path = tmp_path_factory.mktemp("webcam2") / "two.y4m"
    return write_y4m(path, [(CHANGE_CLIP_S, {"scene": "partner"}), (20.0, {"scene": "both"})], fps=15)


def test_another_person_in_view_is_a_badge_never_a_cue(server, two_people_webcam):
    """Someone who comes into view after the baseline shows as a badge on the status line, at a
    laptop and a phone size; the partner stays the one described: no cue, no suggestion. The
    laptop session runs 6 s past the arrival; the phone one ends once its badge is seen (what the
    size changes is the layout, not the analysis)."""
    url, home = server
    from cue_trainer.features import INDEX

    for size, name in ((LAPTOP, "1280"), (PHONE, "390")):
        with chromium(two_people_webcam) as browser:  # a browser each: the clip starts from its beginning
            page = open_practice(browser, url, size)
            start(page)
            seen = {}

            def on_status(status):
                others = page.evaluate("() => +document.querySelector('#live-status').dataset.others")
                if others and "badge" not in seen and status["phase"] == "practising":
                    seen["badge"] = page.locator(".others-badge").inner_text()
                    seen["box"] = page.locator(".others-badge").bounding_box()
                    page.screenshot(path=str(ARTIFACTS / f"practice-others-{name}.png"))

            if size == LAPTOP:
                statuses = poll(page, CHANGE_CLIP_S + 6.0, on_status)
            else:
                statuses = poll_until(page, lambda: "badge" in seen, on_status)
            page.get_by_role("button", name="Stop", exact=True).click()
            page.get_by_text(re.compile(r"Session \d+ is saved\.")).wait_for(timeout=15000)
        assert seen.get("badge") == "Another person in view · only the partner is described", seen
        assert inside(seen["box"], *size)
        assert not any(s["active"] for s in statuses)
        assert not any("Check-in idea" in s["text"] for s in statuses)
        sid = statuses[-1]["session"]
        store = SessionStore(home)
        assert [e.cue for e in store.events(sid)] == []
        if size == LAPTOP:
            t, X = store.features(sid)
            assert X[t > CHANGE_CLIP_S + 2, INDEX["others_in_view"]].mean() > 0.8
            assert X[t < CHANGE_CLIP_S - 3, INDEX["others_in_view"]].max() == 0


def test_quiz_session_on_a_phone(server, fake_webcam):
    """Video, then the mark grid, within two phone screens; setup locked; nothing gives the quiz away."""
    url, home = server
    with chromium(fake_webcam) as browser:
        page = open_practice(browser, url, PHONE, mode="Quiz")
        start(page)
        seen = {}

        def on_status(status):
            if status["phase"] == "practising" and "layout" not in seen:
                seen["layout"] = layout(page, PHONE)
                seen["broken"] = page.evaluate(BROKEN_WORDS_JS)
            if status["now"] >= CHANGE_CLIP_S + 3.0 and "typed" not in seen:
                page.keyboard.press("1")
                seen["typed"] = status["now"]
                # Issue 22, item 1: after a note (N, text, Enter) the keys mark again; Escape leaves too.
                out_of_note = "() => !document.activeElement || !document.activeElement.closest('.st-key-note_text')"
                page.keyboard.press("n")
                page.wait_for_function(f"() => !({out_of_note})()")  # N went to the note
                page.keyboard.type("looked at the door")
                page.keyboard.press("Enter")
                page.wait_for_function(out_of_note)  # the focus left the note: keys mark again
                page.keyboard.press("2")
                page.keyboard.press("n")
                page.wait_for_function(f"() => !({out_of_note})()")
                page.keyboard.type("x")
                page.keyboard.press("Escape")
                page.wait_for_function(out_of_note)
                page.keyboard.press("3")
                # Issue 22, item 7: ? shows the key help and hides it again.
                page.keyboard.press("?")
                page.locator("#keys-help", has_text="mark what you noticed").wait_for(timeout=15000)
                page.keyboard.press("?")
                page.locator("#keys-help").wait_for(state="hidden", timeout=15000)
                seen["help"] = True
                page.screenshot(path=str(ARTIFACTS / "practice-quiz-390.png"))
                page.set_viewport_size({"width": LAPTOP[0], "height": LAPTOP[1]})
                page.wait_for_timeout(800)
                page.screenshot(path=str(ARTIFACTS / "practice-quiz-1280.png"))
                page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})

        statuses = poll(page, CHANGE_CLIP_S + 6.0, on_status)
        # The setup is locked while practising.
        page.get_by_text("Setup — locked until Stop").click()
        locked = [page.get_by_role("checkbox").nth(i) for i in range(2)] + [
            page.get_by_role("radio", name="Coach"), page.get_by_label("Partner's name"),
            page.get_by_label("Baseline length (s)", exact=True)]
        assert all(w.is_disabled() for w in locked)
        page.get_by_text("Setup — locked until Stop").click()
        page.get_by_role("button", name="Stop", exact=True).click()
        page.get_by_text(re.compile(r"Session \d+ is saved\.")).wait_for(timeout=15000)
        assert page.outside == []

    practising = [s for s in statuses if s["phase"] == "practising"]
    assert len(practising) > 20
    assert all(s["badges"] == 0 for s in practising)
    leaks = {word for s in practising for word in QUIZ_LEAKS if word in s["text"]}
    assert leaks == set(), f"quiz mode showed {leaks}"
    boxes = seen["layout"]
    two_screens = (PHONE[0], 2 * PHONE[1])
    assert inside(boxes["video"], *two_screens) and all(inside(boxes[c.id], *two_screens) for c in MARKABLE)
    assert boxes["video"]["y"] < boxes["status"]["y"] < min(boxes[c.id]["y"] for c in MARKABLE)  # video, then marks
    assert seen["broken"] == []

    store = SessionStore(home)
    sid = statuses[-1]["session"]
    assert store.session(sid).mode == "quiz" and store.session(sid).status == "complete"
    assert "slumped_posture" in [e.cue for e in store.events(sid)]  # detected, shown only in review
    marks = store.marks(sid)
    first = marks[0]  # the keyboard shortcut "1" marks the first cue
    assert first.cue == "slumped_posture" and first.t == pytest.approx(seen["typed"], abs=1.0)
    # The note and the two keys after it (the note and the key pressed just after it can reach the
    # server in either order): the note is its own words, not "looked at the door2".
    assert sorted((m.cue or "", m.note or "") for m in marks[1:]) == sorted(
        [("", "looked at the door"), (MARKABLE[1].id, ""), (MARKABLE[2].id, "")]), marks
    assert seen["help"]


def test_names_and_consent_are_kept_when_leaving_practice_and_coming_back(server):
    """Issue 22, item 5: they were reset, and sessions were filed under "Practitioner"."""
    url, _ = server
    with chromium() as browser:
        page = open_practice(browser, url, LAPTOP)
        for label, name in (("Partner's name", "Ana"), ("Practitioner's name", "Bo")):
            page.get_by_label(label, exact=True).fill(name)
            page.keyboard.press("Enter")
            wait_until_idle(page)
        page.get_by_role("link", name="Review").click()
        page.get_by_role("heading", name="Review").wait_for(timeout=30_000)
        wait_until_idle(page)
        page.get_by_role("link", name="Practice").click()
        page.get_by_role("heading", name="Practice").wait_for(timeout=30_000)
        wait_until_idle(page)
        assert page.get_by_label("Partner's name", exact=True).input_value() == "Ana"
        assert page.get_by_label("Practitioner's name", exact=True).input_value() == "Bo"
        assert page.get_by_label("I agree to be on camera", exact=False).is_checked()
        assert page.get_by_text("The camera starts only after both people have agreed.").count() == 0


def test_closing_the_tab_keeps_the_session_as_incomplete(server, fake_webcam):
    url, home = server
    with chromium(fake_webcam) as browser:
        page = open_practice(browser, url, LAPTOP)
        start(page)
        page.locator("#live-status[data-phase=calibrating]").wait_for(timeout=30000)
        sid = page.evaluate(STATUS_JS)["session"]
        page.close()  # no Stop: the tab goes away
    store = SessionStore(home)
    deadline = time.monotonic() + 90
    while store.session(sid).status != "incomplete" and time.monotonic() < deadline:
        time.sleep(1)
    info = store.session(sid)
    assert info.status == "incomplete" and info.frames > 0
    assert "before Stop" in info.note


def test_live_practice_works_with_only_loopback(fake_webcam, tmp_path):
    """In a network namespace with only `lo` (airplane mode), the local link carries the camera and
    a session is recorded; the WebRTC path says in one sentence that it cannot connect."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare to make a network namespace with only loopback")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"this machine does not allow network namespaces ({probe.stderr.strip()})")
    home = tmp_path / "home"
    home.mkdir()
    ran = subprocess.run(
        ["unshare", "-n", "sh", "-c", f'ip link set lo up && exec "{sys.executable}" -m tests.offline_check '
                                      f'"{fake_webcam}" "{home}"'],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    for name in ("offline-local-link.png", "offline-webrtc.png", "offline-webrtc-390.png"):
        if (home / name).exists():
            shutil.copy(home / name, ARTIFACTS / name)
    assert ran.returncode == 0, ran.stderr[-3000:]
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    print(result)
    assert result["default_link"] is True  # offline, the page chose the local link by itself
    assert result["local"]["status"] == "complete" and result["local"]["frames"] >= 60
    assert result["webrtc_message"] is not None and "could not connect" in result["webrtc_message"]
    assert result["sessions_after_failed_start"] == [result["local"]["session"]]  # no empty "incomplete 00:00"
    assert "Traceback" not in (home / "server.log").read_text()


def udp_addresses_of(port: int) -> list[str]:
    """Local addresses of the UDP sockets of the process serving TCP ``port`` (from `ss`)."""
    listening = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    pid = re.search(r"pid=(\d+)", listening).group(1)
    udp = subprocess.run(["ss", "-uanpH"], capture_output=True, text=True).stdout
    return [line.split()[3] for line in udp.splitlines() if f"pid={pid}," in line]


VIDEO_JS = """() => { const v = document.querySelector('video');
  return v ? {time: v.currentTime, ready: v.readyState, error: v.error && v.error.code} : null; }"""


def video_files_since(started: float, *folders: Path, skip: Path | None = None) -> list[Path]:
    """Video files written under ``folders`` since ``started`` (epoch seconds), outside ``skip``.
    Folders that go while we look (another test's browser profile in /tmp) are passed over:
    ``os.walk`` ignores them, where ``Path.rglob`` raised and failed this test in a full run."""
    found = []
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            here = Path(root)
            if skip is not None and (here == skip or skip in here.parents):
                dirs.clear()
                continue
            for name in files:
                path = here / name
                try:
                    if path.suffix.lower() in VIDEO_SUFFIXES and path.is_file() and path.stat().st_mtime >= started:
                        found.append(path)
                except OSError:
                    continue  # gone while we looked
    return found


def run_and_stop(page, until_s: float) -> int:
    statuses = poll(page, until_s, lambda status: None)
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text(re.compile(r"Session \d+ is saved\.")).wait_for(timeout=30000)
    return statuses[-1]["session"]


def test_without_the_recording_tick_no_video_is_written_anywhere(server, fake_webcam, tmp_path_factory):
    url, home = server
    started = time.time() - 1
    with chromium(fake_webcam) as browser:
        page = open_practice(browser, url, LAPTOP)
        start(page)
        assert page.locator("#live-status").get_attribute("data-recording") == "0"
        sid = run_and_stop(page, CALIBRATION_S + 3)
    info = SessionStore(home).session(sid)
    assert info.frames > 0 and info.video_path is None
    # pytest's folders are left out: every worker's and every other run's on this machine (they write
    # clips; a second run here failed this test with its steady.mp4).
    base = tmp_path_factory.getbasetemp()
    ours = next((p for p in base.parents if p.name.startswith("pytest-of-")), base.parent)
    assert video_files_since(started, home, Path(tempfile.gettempdir()), skip=ours) == []


def test_recording_when_both_opt_in_is_a_playable_video_that_goes_with_the_session(server, fake_webcam):
    url, home = server
    with chromium(fake_webcam) as browser:
        page = open_practice(browser, url, LAPTOP, record=True)
        start(page)
        page.locator("#live-status[data-recording='1']").wait_for(timeout=10000)
        page.get_by_text(re.compile(r"● recording, \d+\.\d MB")).wait_for(timeout=15000)
        page.screenshot(path=str(ARTIFACTS / "practice-recording-1280.png"))
        sid = run_and_stop(page, CHANGE_CLIP_S + 6.0)  # the partner sits lower from 10 s: nobody marks it
        page.screenshot(path=str(ARTIFACTS / "practice-recorded-1280.png"))
        page.goto(f"{url}/review?session={sid}")
        page.locator(".st-key-moments").wait_for(timeout=30000)
        page.locator("video").wait_for(state="attached", timeout=15000)  # drawn beside the list, a moment later
        wait_until_idle(page)
        state = page.evaluate(VIDEO_JS)
        assert state is not None and state["error"] is None
        # Play on the missed change: the recording starts 3 s before it.
        (missed,) = [e for e in SessionStore(home).events(sid) if e.cue == "slumped_posture"]
        page.locator(".st-key-moments button:visible", has_text="Play").first.click()
        wait_until_idle(page)
        for _ in range(50):
            state = page.evaluate(VIDEO_JS)
            if state["ready"] >= 1 and abs(state["time"] - (missed.start_s - 3.0)) < 1.0:
                break
            page.wait_for_timeout(200)
        assert abs(state["time"] - (missed.start_s - 3.0)) < 1.0, (state, missed)
        page.screenshot(path=str(ARTIFACTS / "review-live-recording-1280.png"), full_page=True)
    store = SessionStore(home)
    info = store.session(sid)
    video = store.own_video(info)
    assert video is not None and video.is_file() and video.parent == home / "videos"
    times = frame_times(video)
    t, _ = store.features(sid)
    print(f"recorded {len(times)} frames for {len(t)} analysed, {video.stat().st_size / 1e6:.2f} MB")
    assert abs(len(times) - len(t)) <= 0.1 * len(t)  # written at the analysed frame rate
    assert abs(times[-1] - t[-1]) <= 1.0  # the video's time is the session clock
    assert run_cli("sessions", "delete", str(sid), home=home).returncode == 0
    assert not video.exists()


def test_a_server_told_to_stop_ends_its_live_session_truthfully(fake_webcam, tmp_path):
    """Issue 21, item 12: SIGTERM during a live stream ends the session as incomplete, saying why,
    with no traceback in the server's output."""
    home = tmp_path / "home"
    servers: list = []
    log = ARTIFACTS / "practice-sigterm-server.log"
    with app_server(home, log, servers) as url, chromium(fake_webcam) as browser:
        page = open_practice(browser, url, LAPTOP)
        start(page)
        statuses = poll(page, 3, lambda status: None)
        sid = statuses[-1]["session"]
        servers[0].send_signal(signal.SIGTERM)
        servers[0].wait(timeout=60)
    info = SessionStore(home).session(sid)
    assert info.status == "incomplete" and info.note == STOPPED_NOTE, info
    assert info.duration_s is not None and info.duration_s >= 3.0
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_disk_during_live_practice_ends_it_and_says_what_was_kept(fake_webcam, tmp_path):
    """Issue 21, item 6: the data folder on a real 3 MB tmpfs that fills up while practising."""
    home = tmp_path / "home"
    home.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(home)], check=True)
    log = ARTIFACTS / "practice-disk-full-server.log"
    try:
        with app_server(home, log) as url, chromium(fake_webcam) as browser:
            page = open_practice(browser, url, LAPTOP)
            start(page)
            statuses = poll(page, CALIBRATION_S + 1, lambda status: None)
            sid = statuses[-1]["session"]
            filler = fill_up(home)  # the disk fills up
            notice = page.locator(".st-key-saved [data-testid=stAlert]", has_text="Recording stopped at")
            notice.wait_for(timeout=60_000)
            text = notice.inner_text()
            assert "The disk is full" in text and "what was stored before is kept" in text, text
            assert text.strip().endswith("The session is listed as incomplete.")
            assert page.get_by_text(f"Session {sid} is saved.").count() == 0
            page.screenshot(path=str(ARTIFACTS / "practice-disk-full-1280.png"))
            filler.unlink()
        info = SessionStore(home).session(sid)
        assert info.status == "incomplete" and info.note == text.strip(), (info, text)
        assert SessionStore(home).features(sid)[0].size > 0  # what was stored before is kept
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    finally:
        subprocess.run(["umount", "-l", str(home)], check=False)


def test_the_store_removed_during_a_live_stream_is_said_at_stop_never_saved(fake_webcam, tmp_path):
    """Issue 21, item 7: the page used to say "Session 1 is saved." and then there were none."""
    home = tmp_path / "home"
    log = ARTIFACTS / "practice-store-removed-server.log"
    with app_server(home, log) as url, chromium(fake_webcam) as browser:
        page = open_practice(browser, url, LAPTOP)
        start(page)
        statuses = poll(page, 2, lambda status: None)
        sid = statuses[-1]["session"]
        for suffix in ("", "-wal", "-shm"):  # as a person tidying the data folder might
            (home / f"sessions.sqlite3{suffix}").unlink(missing_ok=True)
        page.locator(".st-key-stop button").click()
        notice = page.locator(".st-key-saved [data-testid=stAlert]", has_text="was removed while this session")
        notice.wait_for(timeout=30_000)
        assert page.get_by_text(f"Session {sid} is saved.").count() == 0
        assert page.locator(".st-key-to_review").count() == 0  # nothing to review
        page.screenshot(path=str(ARTIFACTS / "practice-store-removed-1280.png"))
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def test_a_killed_server_leaves_a_recording_that_plays_up_to_the_kill(fake_webcam, tmp_path):
    """The writer's promise (footage.py): a frame waits at most QUEUE_S for the encoder and the muxer
    flushes a cluster every CLUSTER_MS, so a kill loses at most their sum plus a frame's interval.
    The kill comes right after the status line shows a newer analysed frame (data-frame: its session
    time), which was handed to the writer before the kill: the recording reaches it, less that loss.
    (The test used to take the session clock of a status up to a second old and add a second; right
    by the promise on a loaded machine, it failed by 3 ms in CI.)"""
    home = tmp_path / "home"
    servers: list = []
    with app_server(home, ARTIFACTS / "practice-killed-server.log", servers) as url, chromium(fake_webcam) as browser:
        page = open_practice(browser, url, LAPTOP, record=True)
        start(page)
        page.locator("#live-status[data-recording='1']").wait_for(timeout=10000)
        statuses = poll(page, CALIBRATION_S + 5, lambda status: None)
        sid, seen = statuses[-1]["session"], statuses[-1]["frame"]
        fresh = page.wait_for_function(
            f"() => {{ const t = +document.querySelector('#live-status').dataset.frame; return t > {seen} && t; }}",
            polling=20, timeout=30_000)
        servers[0].send_signal(signal.SIGKILL)  # no Stop, no clean-up: the process is gone
        servers[0].wait()
        analysed_s = float(fresh.json_value())
    store = SessionStore(home)
    video = store.own_video(store.session(sid))
    times = frame_times(video) or [-1.0]  # nothing decoded reads as -1 s and fails below
    may_lose = QUEUE_S + CLUSTER_MS / 1000 + 0.25  # + the interval between analysed frames (>= 4 a second)
    print(f"analysed to {analysed_s:.2f} s before the kill: the recording decodes {len(times)} frames, "
          f"to {times[-1]:.2f} s (may lose {may_lose:.2f} s)")
    assert times[-1] >= analysed_s - may_lose
