"""The Review page in a real headless browser, on a session made by `cue-trainer process`."""
import zipfile

import cv2
import numpy as np
import pytest

from cue_trainer.records import Suggestion
from cue_trainer.store import SessionStore
from tests.browser import ARTIFACTS, BROKEN_WORDS_JS, app_server, chromium, external_requests, wait_until_idle
from tests.builders import practise

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(stored, tmp_path_factory):
    home = stored("moves_down", into=tmp_path_factory.mktemp("stored") / "home")
    store = SessionStore(home)
    (info,) = store.sessions()
    store.add_mark(info.id, 9.0, "slumped_posture", "sank down")  # a hit
    store.add_mark(info.id, 12.0, "head_down")  # a false alarm
    ARTIFACTS.mkdir(exist_ok=True)
    with app_server(home, ARTIFACTS / "review-server.log") as url:
        yield url, store, info.id


def pixels_near(bgr_image, rgb, tol=40) -> int:
    target = np.array(rgb[::-1], dtype=int)
    return int((np.abs(bgr_image.astype(int) - target).max(axis=2) < tol).sum())


def test_review_page_in_a_browser(served, tmp_path):
    url, store, sid = served
    with chromium() as browser:
        for width, height in ((1280, 800), (390, 844)):
            page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
            outside = external_requests(page)
            page.goto(f"{url}/review?session={sid}")
            page.locator(".vega-embed canvas, .vega-embed svg").first.wait_for(timeout=30000)
            wait_until_idle(page)
            # The score reads at a glance, in one sentence.
            headline = page.locator("#score-headline").inner_text()
            assert headline == "You noticed 1 of 1 change, typically 1.0 s after it began; 1 mark matched nothing."
            # Every chart fits the page's width: the whole time axis is on screen, nothing clipped.
            charts = page.locator(".vega-embed")
            charts.nth(7).wait_for(timeout=15_000)  # drawn one after another
            # Issue 22, item 4: a cue the app never could see is one line, not a chart all in "can't see".
            assert charts.count() == 8
            assert page.get_by_text("No chart for Hand at face (needs hands): the app could not see what it needs").is_visible()
            for i in range(charts.count()):
                box = charts.nth(i).bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (width, i, box)
            table = page.locator("table").filter(has_text="false alarms").first.bounding_box()
            assert table["x"] >= 0 and table["x"] + table["width"] <= width + 0.5, table  # the score table too
            assert page.evaluate(BROKEN_WORDS_JS) == []
            # Screenshots of the whole page (tall viewport: Streamlit scrolls inside the page).
            page.set_viewport_size({"width": width, "height": 3400 if width > 600 else 5200})
            page.wait_for_timeout(1500)
            page.screenshot(path=str(ARTIFACTS / f"review-{width}.png"))
            page.set_viewport_size({"width": width, "height": height})
            assert outside == []
        chart = cv2.imdecode(np.frombuffer(page.locator(".vega-embed").first.screenshot(), np.uint8), cv2.IMREAD_COLOR)
        # The chart draws data, not just axes: the signal line's blue and the episode bar's red.
        assert pixels_near(chart, (28, 126, 214)) > 100, "no signal line drawn"
        assert pixels_near(chart, (253, 194, 194), tol=30) > 500, "no episode bar drawn"  # 35 % red on white
        page.close()

        page = browser.new_page(viewport={"width": 1280, "height": 1800}, accept_downloads=True)
        outside = external_requests(page)
        page.goto(f"{url}/review?session={sid}")
        page.locator(".vega-embed").first.wait_for(timeout=30000)
        wait_until_idle(page)
        # The score table: one hit for slumped_posture, one false alarm for head_down.
        rows = page.locator("table").filter(has_text="false alarms").locator("tbody tr")
        cells = {r.locator("th").inner_text().strip(): [c.strip() for c in r.locator("td").all_inner_texts()]
                 for r in rows.all()}
        assert cells["Sitting lower"][:2] == ["1 of 1", "0"]
        assert cells["Head lowered"][:2] == ["0 of 0", "1"]
        assert cells["All cues"][:2] == ["1 of 1", "1"]

        with page.expect_download() as download:
            page.get_by_role("button", name="CSV (zip)").click()
        saved = tmp_path / "export.zip"
        download.value.save_as(saved)
        with zipfile.ZipFile(saved) as z:
            names = z.namelist()
            assert f"session-{sid}/features.csv" in names
            assert len(z.read(f"session-{sid}/features.csv")) > 1000

        page.get_by_role("button", name="Delete this session").click()
        page.get_by_role("button", name="Delete permanently").click()
        page.get_by_text(f"Session {sid} was deleted.").wait_for(timeout=15000)
        assert outside == []
    assert store.sessions() == []
    assert (ARTIFACTS / "review-1280.png").stat().st_size > 20_000


def test_every_page_loads_without_a_traceback_in_the_server_log(served, tmp_path):
    """A new user reads a traceback in the terminal as "broken": loading every page prints none."""
    url, store, _ = served
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for path, text in (("", "cue-trainer"), ("practice", "Practice"), ("review", "Review"),
                           ("process", "Process a video"), ("sessions", "Sessions")):
            page.goto(f"{url}/{path}")
            page.get_by_role("heading", name=text).first.wait_for(timeout=30000)
            wait_until_idle(page)
    log = (ARTIFACTS / "review-server.log").read_text()
    assert "Traceback" not in log and "Exception" not in log, log[-3000:]


def test_uploading_a_video_lands_on_its_review(served, clip, tmp_path):
    url, store, _ = served
    before = {s.id for s in store.sessions()}
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        outside = external_requests(page)
        page.goto(f"{url}/process")
        page.locator("input[type=file]").first.set_input_files(str(clip("leans_back")))
        # The upload's chip (the baseline warning names the file too, once the page has checked it).
        page.get_by_test_id("stFileChipName").filter(has_text="leans_back.mp4").wait_for()
        page.get_by_label("Baseline length (s)", exact=True).fill("5")
        page.keyboard.press("Enter")
        wait_until_idle(page)
        page.get_by_role("button", name="Analyse").click()
        page.get_by_role("heading", name="Review").wait_for(timeout=120000)
        try:
            page.locator(".vega-embed").first.wait_for(timeout=30000)
        finally:
            page.screenshot(path=str(ARTIFACTS / "process-to-review.png"), full_page=True)
        (new,) = {s.id for s in store.sessions()} - before
        assert page.url.endswith(f"/review?session={new}")
        assert store.session(new).source_path == "leans_back.mp4"
        assert "/review" in page.url

        # A text file with a video's name: one sentence, nothing stored.
        fake = tmp_path / "interview.mp4"
        fake.write_text("minutes of the meeting\n" * 50)
        page.goto(f"{url}/process")
        page.locator("input[type=file]").first.set_input_files(str(fake))
        page.get_by_test_id("stFileChipName").filter(has_text="interview.mp4").wait_for()
        wait_until_idle(page)
        page.get_by_role("button", name="Analyse").click()
        page.get_by_text("interview.mp4 is not a video this program can read").wait_for(timeout=30000)
        assert outside == []
    assert {s.id for s in store.sessions()} - before == {new}
    assert [e.cue for e in store.events(new)] == ["leaning_back"]


def test_sessions_page_shows_progress_in_a_browser(tmp_path):
    """Several practised sessions: the list with names, mode and score, and the progress charts."""
    home = tmp_path / "home"
    store = SessionStore(home)
    for practitioner, marks in (("Bo", []), ("Bo", [(11.0, "slumped_posture")]), ("Cy", [(25.0, "head_down")]),
                                ("Bo", [(10.5, "slumped_posture")])):
        practise(store, practitioner, marks)
    with app_server(home, ARTIFACTS / "sessions-server.log") as url, chromium() as browser:
        for width, height in ((1280, 1400), (390, 2600)):
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{url}/sessions")
            page.locator(".vega-embed canvas, .vega-embed svg").first.wait_for(timeout=30000)
            wait_until_idle(page)
            page.wait_for_timeout(1000)
            assert page.locator(".vega-embed").count() == 3
            page.screenshot(path=str(ARTIFACTS / f"sessions-{width}.png"))
    assert "Traceback" not in (ARTIFACTS / "sessions-server.log").read_text()


#: Markdown a person could put into a name: an image from anywhere, a link, an icon, LaTeX.
MARKDOWN_NAME = "![t](http://tracker.invalid/x.png) [here](http://tracker.invalid/y) :material/warning: $x^2$ *b*"


def test_names_and_profile_names_are_plain_text_never_markdown(served):
    """Issue 21, item 5: a profile's name and the people's names are shown as typed; nothing is
    fetched, linked or drawn from them."""
    from cue_trainer.profiles import default_profile

    url, store, _ = served
    (store.home / "profiles").mkdir(exist_ok=True)
    (store.home / "profiles" / "tracker.toml").write_text(f"[profile]\nname = {MARKDOWN_NAME!r}\n".replace("'", '"'))
    sid = store.create_session(source="live", partner=MARKDOWN_NAME, practitioner="Bo", mode="quiz",
                               profile_toml=default_profile().to_toml())
    store.add_suggestion(sid, Suggestion(2.0, "slumped_posture", f"I notice {MARKDOWN_NAME}. How are you?"))
    store.end_session(sid, duration_s=5.0, note=f"Ended by {MARKDOWN_NAME}")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1800})
        fetched = []
        page.route("http://tracker.invalid/**", lambda route: (fetched.append(route.request.url), route.abort()))
        page.goto(f"{url}/review?session={sid}")
        page.get_by_text("Score under profile").wait_for(timeout=30000)
        wait_until_idle(page)
        page.get_by_role("combobox", name="Score under profile").click()
        page.get_by_role("option", name="tracker").click()
        page.get_by_text("Re-scored under the profile").wait_for(timeout=15000)
        wait_until_idle(page)
        page.screenshot(path=str(ARTIFACTS / "review-markdown-names-1280.png"))
        text = page.locator("body").inner_text().replace("\u2060", "")  # the joiners that keep addresses text
        assert f"Re-scored under the profile “{MARKDOWN_NAME}”" in text
        assert f"Ended by {MARKDOWN_NAME}" in text
        assert f"I notice {MARKDOWN_NAME}. How are you?" in text
        assert page.locator("img[src*='tracker'], a[href*='tracker'], .katex").count() == 0
        assert fetched == []
    store.delete_session(sid)
