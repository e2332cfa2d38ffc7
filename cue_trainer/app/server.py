"""The app's web server: Streamlit's pages, answered for this computer's own browser only.

Owns: ``SCRIPT`` (the Streamlit script the server runs), ``LoopbackOnly``, the guard in front
of every request, and ``MIDDLEWARE`` (that guard, as ``st.App`` takes it), and ``lifespan`` (what the server does
as it stops). Imports: nothing of ours (Starlette's types only; the live module only if loaded).

The server listens on 127.0.0.1 only, but that alone does not keep other sites out: a page in the
same browser can open a websocket to it, and a page whose own name was made to resolve to
127.0.0.1 (DNS rebinding) reaches it under that foreign name. Streamlit's own origin check lets
any ``localhost`` origin in whatever its port, and looks a foreign origin up against this
machine's internal and external addresses, which sends a request out to the internet. The guard
answers first: a request is served only when its Host is a loopback name and its Origin, when it
has one, is a page at a loopback name on the same port; everything else gets 403 before Streamlit
sees it, so nothing is looked up.
"""
from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

from starlette.middleware import Middleware

logger = logging.getLogger(__name__)

#: The Streamlit script: navigation over the pages (inside the package, so an installed copy has it).
SCRIPT = Path(__file__).with_name("pages") / "navigation.py"

#: The names by which a browser on this computer reaches the app.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

REFUSAL = b"cue-trainer answers only pages opened from this computer's own address (localhost)."


def _split(netloc: str, default_port: int) -> tuple[str, int] | None:
    """(host name in lower case, port) of ``host[:port]``; None when it cannot be read."""
    try:
        parts = urlsplit(f"//{netloc}")
        port = parts.port
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return None
    return parts.hostname.lower().rstrip("."), port or default_port


def allowed(host: str | None, origin: str | None) -> bool:
    """Whether a request with these Host and Origin headers comes from a page of this app on this
    computer: Host a loopback name, and Origin absent (not a page: a navigation, a program) or a
    page at a loopback name on the same port over http(s)."""
    ours = _split(host, 80) if host else None
    if ours is None or ours[0] not in LOOPBACK_NAMES:
        return False
    if origin is None:
        return True
    scheme, _, netloc = origin.partition("://")
    if scheme.lower() not in ("http", "https") or "/" in netloc:
        return False
    theirs = _split(netloc, 443 if scheme.lower() == "https" else 80)
    return theirs is not None and theirs[0] in LOOPBACK_NAMES and theirs[1] == ours[1]


class LoopbackOnly:
    """ASGI middleware: requests that ``allowed`` refuses get 403 (HTTP) or a refused handshake
    (websocket) before the app behind it sees them."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            host, origin = headers.get("host"), headers.get("origin")
            if not allowed(host, origin):
                logger.warning("Refused a %s request for %s with Host %r and Origin %r", scope["type"],
                               scope.get("path"), host, origin)
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
                else:
                    await send({"type": "http.response.start", "status": 403,
                                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                            (b"content-length", str(len(REFUSAL)).encode())]})
                    await send({"type": "http.response.body", "body": REFUSAL})
                return
        await self.app(scope, receive, send)


#: The guard as ``st.App(SCRIPT, middleware=MIDDLEWARE)`` takes it (app.entry and streamlit_app.py).
MIDDLEWARE = [Middleware(LoopbackOnly)]


@contextlib.asynccontextmanager
async def lifespan(_app):
    """The server's life, as ``st.App(..., lifespan=lifespan)`` takes it: when it is told to stop
    (SIGTERM, Ctrl-C), each live session still recording ends as incomplete and says why, rather
    than staying "recording" with no word."""
    yield
    live = sys.modules.get("cue_trainer.live")  # loaded once a session ran; nothing to end before
    if live is not None:
        ended = live.end_running()
        if ended:
            logger.warning("The app stopped while recording session(s) %s; they are kept as incomplete.",
                           ", ".join(map(str, ended)))
