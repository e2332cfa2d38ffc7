"""Live practice with no network: run inside a network namespace whose only interface is loopback
(``unshare -n``, as root), the way a laptop in airplane mode is. Not a test module: the browser
test ``test_live_practice_works_with_only_loopback`` runs it and reads the JSON it prints.

    unshare -n sh -c 'ip link set lo up && python -m tests.offline_check WEBCAM.y4m HOME'
"""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from cue_trainer.store import SessionStore
from tests.browser import app_server, chromium, wait_until_idle


def consent(page, url: str) -> None:
    page.goto(f"{url}/practice")
    page.get_by_text("I agree to be on camera").click()
    page.get_by_text("I agree to practise noticing").click()
    page.get_by_label("Baseline length (s)", exact=True).fill("5")
    page.keyboard.press("Enter")
    wait_until_idle(page)


def main(webcam: Path, home: Path) -> dict:
    result: dict = {}
    with app_server(home, home / "server.log") as url, chromium(webcam) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        consent(page, url)
        # Offline, the page picks the local link by itself.
        result["default_link"] = page.get_by_role("radio", name="Camera, local link (works offline)").is_checked()
        page.get_by_role("button", name="Start camera").click()
        page.locator("#live-status").wait_for(timeout=30000)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            analysed = int(page.evaluate("() => document.querySelector('#live-status').dataset.analysed"))
            if analysed >= 60:
                break
            time.sleep(0.5)
        page.screenshot(path=str(home / "offline-local-link.png"))
        session = int(page.evaluate("() => document.querySelector('#live-status').dataset.session"))
        page.get_by_role("button", name="Stop", exact=True).click()
        page.get_by_text(f"Session {session} is saved.").wait_for(timeout=15000)
        info = SessionStore(home).session(session)
        result["local"] = {"session": session, "status": info.status, "frames": info.frames}

        # WebRTC cannot connect here: the page says so in one sentence instead of waiting forever.
        # After Stop the page reruns to unlock the setup; look only once it has settled, and open
        # the setup only if it is closed (clicking an open one would close it).
        wait_until_idle(page)
        setup = page.locator("details", has_text="Before you start")
        setup.wait_for(timeout=15000)
        if setup.get_attribute("open") is None:
            page.get_by_text("Before you start").click()
        direct = page.get_by_text("Camera, direct (WebRTC)")
        direct.wait_for(state="visible", timeout=15000)
        direct.click()
        wait_until_idle(page)
        page.frame_locator("iframe[title*='webrtc']").get_by_role("button", name="START").click()
        started = time.monotonic()
        message = page.get_by_text(re.compile("the camera stream could not connect", re.I)).first
        try:
            message.wait_for(timeout=40000)
            result["webrtc_message"] = message.inner_text()
            result["webrtc_message_after_s"] = round(time.monotonic() - started, 1)
        except Exception:
            result["webrtc_message"] = None
        # Issue 22, item 6: the start that never connected leaves nothing stored (waited for: the
        # page ends it just after saying so).
        deadline = time.monotonic() + 30
        while True:
            ids = [s.id for s in SessionStore(home).sessions()]
            if ids == [result["local"]["session"]] or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        result["sessions_after_failed_start"] = ids
        page.locator("iframe[title*='webrtc']").scroll_into_view_if_needed()
        page.screenshot(path=str(home / "offline-webrtc.png"))
        page.set_viewport_size({"width": 390, "height": 844})  # a phone: the sentence right under the video
        page.wait_for_timeout(800)
        page.locator("iframe[title*='webrtc']").scroll_into_view_if_needed()
        page.screenshot(path=str(home / "offline-webrtc-390.png"))
    return result


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]))))
