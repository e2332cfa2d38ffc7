"""The local link (cue_trainer/app/local_link.py) answers the app's own pages only: issue 21, item
11 (a foreign origin with a leaked token could send frames)."""
from __future__ import annotations

import asyncio
import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from cue_trainer.app.local_link import LocalLink
from cue_trainer.app.video import ABANDONED_CALL_NOTE, PracticeProcessor
from cue_trainer.live import LiveSession
from cue_trainer.profiles import default_profile
from cue_trainer.store import SessionStore

APP_PORT = 8501


def attempt(link: LocalLink, token: str, origin: str | None) -> str:
    """What a WebSocket client with this Origin gets: "open", "refused <status>" or "closed <code>"."""

    async def go() -> str:
        headers = {"Origin": origin} if origin else {}
        try:
            async with connect(f"ws://127.0.0.1:{link.port}/?token={token}", additional_headers=headers,
                               origin=None) as ws:
                try:
                    await asyncio.wait_for(ws.recv(), timeout=1.0)
                except asyncio.TimeoutError:
                    return "open"
                except Exception:
                    return f"closed {ws.close_code}"
                return "open"
        except InvalidStatus as e:
            return f"refused {e.response.status_code}"

    return asyncio.run(go())


@pytest.fixture(scope="module")
def link():
    return LocalLink(app_port=APP_PORT)


def test_the_apps_own_page_connects_and_others_are_refused_before_any_frame(link, home):
    live = LiveSession(store=SessionStore(home), profile=default_profile(), calibration_s=3.0)
    token = link.open(PracticeProcessor(live, overlay=False))
    try:
        assert attempt(link, token, f"http://localhost:{APP_PORT}") == "open"
        assert attempt(link, token, f"http://127.0.0.1:{APP_PORT}") == "open"
        # A leaked token is no use elsewhere: another site, another local site, no Origin at all.
        assert attempt(link, token, "http://evil.test") == "refused 403"
        assert attempt(link, token, "http://localhost:3000") == "refused 403"
        assert attempt(link, token, None) == "refused 403"
        assert attempt(link, "not-a-token", f"http://localhost:{APP_PORT}") == "closed 1008"
    finally:
        link.close(token)
        live.stop()


def send_frames(link: LocalLink, token: str, jpegs: list[bytes]) -> list[dict]:
    """Send frames as the app's page does, one at a time; the link's answer to each."""
    import json

    async def go() -> list[dict]:
        async with connect(f"ws://127.0.0.1:{link.port}/?token={token}", origin=f"http://localhost:{APP_PORT}") as ws:
            out = []
            for jpeg in jpegs:
                await ws.send(jpeg)
                out.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=30)))
            return out

    return asyncio.run(go())


def test_a_call_window_s_preview_keeps_its_newest_picture_and_analyses_nothing_until_attached(link, home, astronaut):
    """Issue 25: before the partner is chosen, the shared window's pictures are kept for the still
    only; once a processor is attached, they are analysed, cropped to the partner's tile."""
    import cv2
    import numpy as np

    from cue_trainer.tiles import Box, TileFollower

    window = np.full((360, 640, 3), (32, 33, 36), np.uint8)
    window[20:340, 200:520] = cv2.resize(astronaut, (320, 320))
    dark = window.copy()
    dark[20:340, 200:520] //= 2
    jpeg = lambda rgb: cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1].tobytes()  # noqa: E731
    token = link.open()
    assert link.still(token) is None
    assert send_frames(link, token, [jpeg(dark), jpeg(window)]) == [{}, {}]
    still = link.still(token)
    assert still.shape == window.shape and np.abs(still.astype(int) - window).mean() < 3  # the newest
    store = SessionStore(home)
    live = LiveSession(store=store, profile=default_profile(), calibration_s=3.0, picture="call window", max_fps=1000)
    link.attach(token, PracticeProcessor(live, overlay=True, follower=TileFollower(still, Box(200, 20, 320, 320))))
    try:
        (answer,) = send_frames(link, token, [jpeg(window)])
        assert answer["tile"] == pytest.approx([200 / 640, 20 / 360, 320 / 640, 320 / 360], abs=0.02)
        assert answer["points"] and all(0.3 <= x <= 0.82 for x, _ in answer["points"])  # drawn in the tile
        assert live.snapshot().frames_analysed == 1
        # The sharing stops (the page's connection ends) without Stop: the session is kept as
        # incomplete, and says why in the words of a call.
        deadline = time.monotonic() + 60
        while not live.ended and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        link.close(token)
    info = store.session(live.session_id)
    assert info.picture == "call window" and info.status == "incomplete"
    assert info.note == ABANDONED_CALL_NOTE
