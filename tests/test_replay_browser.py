"""The Review with the picture, in a real headless browser: the moments list, Play seeking the
video to 3 s before a missed change, a video that has moved, and an upload kept for the Review and
deleted with its session."""
from __future__ import annotations

import re

import pytest

from cue_trainer.recording import Recording
from cue_trainer.review import LEAD_S, moments
from cue_trainer.store import SessionStore
from tests.browser import ARTIFACTS, app_server, chromium, wait_until_idle
from tests.clips import CLIPS, write_webm
from tests.processes import run_cli

pytestmark = pytest.mark.slow

VIDEO_STATE_JS = """() => {
  const v = document.querySelector('video');
  if (!v) return null;
  return {time: v.currentTime, ready: v.readyState, error: v.error ? v.error.code : null, paused: v.paused};
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    videos = tmp_path_factory.mktemp("videos")
    clip = write_webm(videos / "moves_down.webm", CLIPS["moves_down"])
    made = run_cli("process", str(clip), "--calibration-s", "5", home=home)
    assert made.returncode == 0, made.stderr
    store = SessionStore(home)
    (info,) = store.sessions()
    # Someone practised on it (a mark for another cue, after the baseline): its changes nobody
    # marked are "missed" (in a video nobody practised on they are plain changes).
    store.add_mark(info.id, 6.0, "face_touching")
    ARTIFACTS.mkdir(exist_ok=True)
    with app_server(home, ARTIFACTS / "replay-server.log") as url:
        yield url, store, info.id, clip


def open_review(page, url: str, sid: int) -> None:
    page.goto(f"{url}/review?session={sid}")
    page.locator(".st-key-moments").wait_for(timeout=30_000)
    wait_until_idle(page)


def video_time(page, near: float, timeout_s: float = 15.0, playing: bool = False) -> dict:
    """The <video> element's state once it has loaded and reached ``near`` (playing: from ``near``
    on, within a second and a half), or the last state seen."""
    state = None
    for _ in range(int(timeout_s * 5)):
        state = page.evaluate(VIDEO_STATE_JS)
        if state and state["ready"] >= 1 and (near - 0.5 <= state["time"] <= near + 1.5 if playing
                                              else abs(state["time"] - near) < 1.0):
            break
        page.wait_for_timeout(200)
    return state


def test_play_on_a_missed_moment_seeks_the_video_to_three_seconds_before_it(served):
    url, store, sid, _ = served
    found = moments(Recording.load(store, sid))
    missed = [m for m in found if m.kind == "missed"]
    assert missed, found  # the clip moves down and nobody marked it
    with chromium() as browser:
        for width, height, name in ((1280, 900, "laptop"), (390, 844, "phone")):
            page = browser.new_page(viewport={"width": width, "height": height})
            open_review(page, url, sid)
            rows = page.locator(".st-key-moments").get_by_text(re.compile("not marked"))
            rows.first.wait_for(timeout=15_000)  # the list's rows are drawn just after its frame
            assert rows.count() == len(missed)
            listed = page.locator(".st-key-moments").inner_text()
            assert listed.index("not marked") < listed.index("Suggestion at")  # missed moments come first
            state = video_time(page, 0.0)
            assert state is not None and state["error"] is None, state
            play = page.locator(".st-key-moments button:visible", has_text="Play").first
            if name == "phone":  # the list sits under the player: scroll it out of view first
                page.evaluate("() => document.querySelector('.st-key-moments').scrollIntoView({block: 'start'})")
                page.wait_for_function(f"() => document.querySelector('video').getBoundingClientRect().bottom < 0")
            play.click()
            wait_until_idle(page)
            # ...and brings the player into view.
            page.wait_for_function("() => { const r = document.querySelector('video').getBoundingClientRect();"
                                   " return r.top >= 0 && r.bottom <= window.innerHeight; }", timeout=15_000)
            target = missed[0].t - LEAD_S
            # Issue 22, item 3: Play plays (not only seeks).
            page.wait_for_function("() => { const v = document.querySelector('video'); return v && !v.paused; }")
            state = video_time(page, target, playing=True)
            assert abs(state["time"] - target) < 1.5, (state, target)
            assert state["ready"] >= 1 and not state["paused"], repr(state)
            assert page.get_by_text("The video's time is the session clock").is_visible()
            page.screenshot(path=str(ARTIFACTS / f"review-moments-{name}.png"), full_page=True)
            page.close()


def test_a_video_that_has_moved_is_one_sentence_and_the_review_still_works(served, tmp_path):
    url, store, sid, clip = served
    moved = clip.rename(tmp_path / "elsewhere.webm")
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            open_review(page, url, sid)
            assert page.get_by_text(f"The video {clip} has moved or been deleted; the Review works without it.").is_visible()
            assert page.evaluate(VIDEO_STATE_JS) is None
            page.locator(".st-key-moments").get_by_text(re.compile("not marked")).first.wait_for(timeout=15_000)
            assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        moved.rename(clip)


def test_an_upload_kept_for_the_review_plays_there_and_goes_with_the_session(served, tmp_path):
    """With its labels it joins the practice library: Review's "Practise on this video" opens it."""
    url, store, _, clip = served
    labels = tmp_path / "moves_down.tsv"
    labels.write_text("tier\tbegin\tend\tannotation\nslumped_posture\t8.0\t15.5\tsits lower\n")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/process")
        wait_until_idle(page)
        page.locator('input[type="file"]').first.set_input_files(str(clip))
        wait_until_idle(page)
        page.locator('.st-key-labels_upload input[type="file"]').set_input_files(str(labels))
        wait_until_idle(page)
        page.locator(".st-key-calib input").fill("5")
        page.locator(".st-key-calib input").press("Enter")
        wait_until_idle(page)
        page.get_by_text("Keep a copy of the uploaded video").click()
        wait_until_idle(page)
        page.get_by_role("button", name="Analyse").click()
        page.get_by_text("Moments").first.wait_for(timeout=120_000)
        wait_until_idle(page)
        info = store.sessions()[0]
        kept = store.own_video(info)
        assert info.source_path == clip.name and kept is not None and kept.is_file()
        assert kept.read_bytes() == clip.read_bytes()
        state = video_time(page, 0.0)
        assert state is not None and state["error"] is None, state
        page.screenshot(path=str(ARTIFACTS / "review-kept-upload.png"), full_page=True)
        assert [(x.cue, x.start_s, x.end_s, x.source) for x in store.labels(info.id)] == [
            ("slumped_posture", 8.0, 15.5, labels.name)]
        page.get_by_role("button", name="Practise on this video").click()
        page.get_by_role("button", name="Start practising on this video").wait_for(timeout=30_000)
        picked = page.locator(".st-key-vp_pick input").first.input_value()  # the chosen option's text
        assert picked.startswith(f"#{info.id} · ") and picked.endswith("· 1 labelled change"), picked
        page.screenshot(path=str(ARTIFACTS / "practise-kept-upload.png"), full_page=True)
    shown = run_cli("sessions", "show", str(info.id), home=store.home)
    assert f"Video copy: {kept}" in shown.stdout
    assert run_cli("sessions", "delete", str(info.id), home=store.home).returncode == 0
    assert not kept.exists()
