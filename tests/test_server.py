"""The app's server answers this computer's own pages only (issue 21, items 2 and 3): real requests
on loopback to a real server, with an audit hook that records every outside connection or lookup."""
import asyncio
import urllib.error
import urllib.request

import pytest
import websockets

from cue_trainer.app.server import allowed
from cue_trainer.profiles import default_profile
from cue_trainer.store import SessionStore
from tests.browser import app_server

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("host, origin, ok", [
    ("localhost:8501", None, True),  # a navigation or a program: no Origin
    ("127.0.0.1:8501", "http://127.0.0.1:8501", True),  # the page itself
    ("[::1]:8501", "http://[::1]:8501", True),  # the page over IPv6 loopback
    ("LOCALHOST:8501", "http://localhost:8501", True),  # names are case-blind
    ("evil.test:8501", "http://evil.test:8501", False),  # DNS rebinding: a foreign name resolving here
    ("evil.test", None, False),  # the same without an Origin
    ("127.0.0.1:8501", "http://localhost:8501", True),  # another loopback name, the same server
    ("localhost", "http://localhost:80", True),  # default ports
    ("localhost:8501", "http://localhost:9001", False),  # another site on this computer
    ("localhost:8501", "http://evil.test", False),  # a foreign page opening a websocket here
    ("localhost:8501", "null", False),  # a sandboxed frame or a file
    ("localhost:8501", "file://", False),
    ("localhost:8501", "http://localhost:8501/x", False),  # not an origin
    ("localhost.evil.test:8501", None, False),  # a name that only starts like ours
    ("user@localhost:8501", None, False),  # not a host at all
    (None, None, False),  # HTTP/1.0 without a Host
])
def test_only_this_computers_pages_are_allowed(host, origin, ok):
    assert allowed(host, origin) is ok


def _status(url: str, **headers) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _websocket(port: int, host: str = "127.0.0.1", **headers) -> str:
    """'open', or the HTTP status that refused the handshake; ``host`` is the name in the request's
    Host (the connection goes to 127.0.0.1 whatever it is, as after DNS rebinding)."""
    async def go():
        try:
            async with websockets.connect(f"ws://{host}:{port}/_stcore/stream", host="127.0.0.1", port=port,
                                          additional_headers=headers, subprotocols=["streamlit"], open_timeout=20):
                return "open"
        except websockets.exceptions.InvalidStatus as e:
            return e.response.status_code

    return asyncio.run(go())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app, with a session whose names would show on the Sessions page, under an audit hook."""
    home = tmp_path_factory.mktemp("home")
    store = SessionStore(home)
    sid = store.create_session(source="live", partner="Ann", practitioner="Bo", mode="quiz",
                               profile_toml=default_profile().to_toml())
    store.end_session(sid, duration_s=5.0)
    audit = home / "outside.log"
    audit.touch()
    logs = tmp_path_factory.mktemp("logs")
    with app_server(home, logs / "server.log", audit_log=audit) as url:
        yield url, int(url.rsplit(":", 1)[1]), audit


def test_a_rebinding_host_gets_nothing(server):
    url, port, _ = server
    assert _status(f"http://127.0.0.1:{port}/", Host="evil.test") == 403
    assert _status(f"http://127.0.0.1:{port}/_stcore/health", Host=f"evil.test:{port}") == 403
    assert _websocket(port, host="evil.test", Origin=f"http://evil.test:{port}") == 403
    # The app's own page still loads and connects: the guard is not simply shut.
    assert _status(f"{url}/_stcore/health") == 200
    assert _websocket(port, Origin=f"http://127.0.0.1:{port}") == "open"


def test_another_origin_cannot_open_the_apps_websocket(server):
    _, port, _ = server
    assert _websocket(port, Origin="http://localhost:9001") == 403  # another site on this computer
    assert _websocket(port, Origin="http://evil.test") == 403


def test_no_request_makes_the_server_look_up_or_reach_an_outside_address(server):
    """Streamlit's own origin check looked a foreign origin up against this machine's external IP
    (an HTTP request to a lookup service) and its internal one (a UDP socket towards 8.8.8.8)."""
    url, port, audit = server
    for origin in ("http://evil.test", "http://192.0.2.1:8501", "http://localhost:9001"):
        _websocket(port, Origin=origin)
    assert _websocket(port, Origin=f"http://localhost:{port}") == "open"
    assert _status(f"{url}/") == 200
    assert audit.read_text() == ""
