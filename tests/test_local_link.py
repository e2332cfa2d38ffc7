"""The local link (cue_trainer/app/local_link.py) answers the app's own pages only: issue 21, item
11 (a foreign origin with a leaked token could send frames)."""
from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from cue_trainer.app.local_link import LocalLink
from cue_trainer.app.video import PracticeProcessor
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
