"""Practice on a video in a real headless browser (issue 23): a library clip (real footage, hand
labelled) is prepared from the local cache with no connection, played in the page, marked with
the keys at known video times while the server is loaded, paused with P (no mark taken while
paused), and scored on its Review against the app and against the careful labels."""
from __future__ import annotations

import contextlib
import multiprocessing
import shutil

import pytest

from cue_trainer.library import cached, manifest
from cue_trainer.recording import Recording
from cue_trainer.scoring import headline
from cue_trainer.store import SessionStore
from tests.browser import ARTIFACTS, app_server, chromium, wait_until_idle
from tests.composites import dev_clip

pytestmark = pytest.mark.slow

TIME_JS = "() => document.querySelector('.st-key-practice-video video').currentTime"


def _spin() -> None:
    while True:
        pass


@contextlib.contextmanager
def loaded(n: int = 2):
    """``n`` processes keeping this machine's cores busy (the server then answers slowly)."""
    procs = [multiprocessing.get_context("spawn").Process(target=_spin, daemon=True) for _ in range(n)]
    for p in procs:
        p.start()
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.join()


def video_at(page, t: float) -> None:
    """Wait until the page's video has played past ``t`` seconds."""
    page.wait_for_function(f"() => ({TIME_JS})() > {t}", timeout=60_000)


def press_at(page, key: str) -> tuple[float, float]:
    """Press ``key``; the player's time just before and just after."""
    before = page.evaluate(TIME_JS)
    page.keyboard.press(key)
    return before, page.evaluate(TIME_JS)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    _, clips = manifest()
    clip = next(c for c in clips if c.name == "cap12")
    # The clip as a person who fetched it before has it: in the data folder's cache, by its hash.
    target = cached(clip, home / "eval-cache")
    target.parent.mkdir(parents=True)
    shutil.copyfile(dev_clip("cap12"), target)
    ARTIFACTS.mkdir(exist_ok=True)
    audit = ARTIFACTS / "video-practice-audit.log"
    audit.write_text("")
    with app_server(home, ARTIFACTS / "video-practice-server.log", audit_log=audit) as url:
        yield url, SessionStore(home), clip, audit


def open_video_practice(page, url: str) -> None:
    page.goto(f"{url}/practice")
    wait_until_idle(page)
    page.locator("[data-testid=stRadio]").first.get_by_text("A video", exact=True).click()
    wait_until_idle(page)


def test_a_library_clip_is_practised_with_the_video_time_and_scored_both_ways(served):
    url, store, clip, audit = served
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        open_video_practice(page, url)
        page.locator(".st-key-lib-cap12 button").click()  # "Fetch and prepare": here from the cache
        page.get_by_role("button", name="Start practising on this video").wait_for(timeout=120_000)
        (base,) = [s for s in store.sessions()]
        assert base.source_path == str(cached(clip, store.home / "eval-cache").resolve())
        assert len(store.labels(base.id)) == len(clip.labels) == 2
        page.screenshot(path=str(ARTIFACTS / "video-practice-pick-1280.png"), full_page=True)
        page.get_by_role("button", name="Start practising on this video").click()
        page.locator(".st-key-practice-video video").wait_for(timeout=30_000)
        wait_until_idle(page)
        # Quiz: jump near the leaning back (labelled 35.2-40.8 s; the app's episode from about 36 s).
        page.evaluate(f"() => {{ const v = document.querySelector('.st-key-practice-video video'); v.currentTime = 34; }}")
        page.keyboard.press("p")
        pressed = []
        with loaded():
            video_at(page, 38.5)
            pressed.append(("leaning_back", *press_at(page, "8")))
            # Nothing of the app's analysis is shown in Quiz, though an episode is under way.
            assert page.evaluate("() => [...document.querySelectorAll('*')].map(e => e.shadowRoot)"
                                 ".filter(Boolean).map(r => r.querySelector('#vp-coach'))"
                                 ".filter(Boolean)[0].children.length") == 0
            page.keyboard.press("p")  # pause
            page.wait_for_function(f"() => document.querySelector('.st-key-practice-video video').paused")
            paused_at = page.evaluate(TIME_JS)
            page.keyboard.press("9")  # while paused: not taken
            page.screenshot(path=str(ARTIFACTS / "video-practice-1280.png"))
            page.keyboard.press("p")
            video_at(page, 46.0)
            pressed.append(("face_touching", *press_at(page, "9")))
            page.wait_for_timeout(300)
        page.get_by_role("button", name="Finish and score").click()
        page.get_by_role("button", name="Review attempt").wait_for(timeout=30_000)
        (attempt,) = [s for s in store.sessions() if s.attempt]
        assert attempt.status == "complete" and attempt.practised_on == base.id and attempt.seeked
        marks = store.marks(attempt.id)
        assert [m.cue for m in marks] == [cue for cue, _, _ in pressed]
        for m, (_, before, after) in zip(marks, pressed):
            assert before - 0.3 <= m.t <= after + 0.3, (m, before, after)
        assert not any(abs(m.t - paused_at) < 0.05 and m.cue == "face_touching" for m in marks)
        page.get_by_role("button", name="Review attempt").click()
        page.locator("#label-headline").wait_for(timeout=30_000)
        wait_until_idle(page)
        rec = Recording.load(store, attempt.id)
        assert page.locator("#score-headline").inner_text() == headline(rec.score()[-1])
        labelled = rec.score_against_labels()[-1]
        assert (labelled.episodes, labelled.hits, labelled.false_alarms) == (2, 2, 0)  # the labels give this
        assert page.locator("#label-headline").inner_text() == headline(labelled)
        page.screenshot(path=str(ARTIFACTS / "video-practice-review-1280.png"), full_page=True)
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(f"{url}/review?session={attempt.id}")
        phone.locator("#label-headline").wait_for(timeout=30_000)
        phone.screenshot(path=str(ARTIFACTS / "video-practice-review-390.png"), full_page=True)
        # A second use: the clip is ready, and nothing is fetched or analysed again.
        open_video_practice(phone, url)
        phone.locator(".st-key-library").get_by_text("Practice library").click()
        assert phone.locator(".st-key-lib-cap12 button").inner_text().strip().endswith("Choose")
        phone.screenshot(path=str(ARTIFACTS / "video-practice-pick-390.png"), full_page=True)
    assert len([s for s in store.sessions() if not s.attempt]) == 1
    assert audit.read_text() == ""  # no connection left this machine


COACH_JS = """() => [...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)
  .map(r => r.querySelector('#vp-coach')).filter(Boolean)[0].innerText"""


def start(page, url: str, mode: str) -> None:
    open_video_practice(page, url)
    page.locator(".st-key-vp_mode").get_by_text(mode, exact=True).click()
    wait_until_idle(page)
    page.get_by_role("button", name="Start practising on this video").click()
    page.locator(".st-key-practice-video video").wait_for(timeout=30_000)
    wait_until_idle(page)


def test_coach_shows_the_recorded_episodes_at_their_times_and_a_test_run_cannot_seek(served):
    url, store, clip, audit = served
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        open_video_practice(page, url)
        if page.locator(".st-key-lib-cap12 button", has_text="Fetch").count():  # run alone: prepare it first
            page.locator(".st-key-lib-cap12 button").click()
            page.get_by_role("button", name="Start practising on this video").wait_for(timeout=120_000)
        start(page, url, "Coach")
        assert page.evaluate(COACH_JS) == ""
        page.evaluate("() => { document.querySelector('.st-key-practice-video video').currentTime = 37; }")
        page.keyboard.press("p")
        # The app's leaning-back episode was confirmed at about 37.9 s: its badge shows then.
        page.wait_for_function(f"() => ({COACH_JS})().includes('Leaning back')", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "video-practice-coach-1280.png"))
        page.get_by_role("button", name="Finish and score").click()
        page.get_by_role("button", name="Review attempt").wait_for(timeout=30_000)
        start(page, url, "Test run")
        assert page.evaluate("() => document.querySelector('.st-key-practice-video video').controls") is False
        page.keyboard.press("p")
        video_at(page, 0.5)
        page.evaluate("() => { document.querySelector('.st-key-practice-video video').currentTime = 30; }")
        page.wait_for_function(f"() => ({TIME_JS})() < 5")  # put back where it was
        page.keyboard.press("p")  # no pause in a test run
        page.wait_for_timeout(500)
        assert page.evaluate("() => document.querySelector('.st-key-practice-video video').paused") is False
        page.get_by_role("button", name="Finish and score").click()
        page.get_by_role("button", name="Review attempt").wait_for(timeout=30_000)
    coach, test = [s for s in store.sessions() if s.attempt and s.mode in ("coach", "test")][::-1]
    assert (coach.kind, test.kind) == ("video practice · coach", "video practice · test run")
    assert coach.seeked and not test.seeked
    assert audit.read_text() == ""
