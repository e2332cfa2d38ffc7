"""A real app server and a real headless Chromium whose webcam plays a Y4M clip.

Uses Debian's chromium (``apt-get install chromium``; .ci/run installs it) through Playwright,
which never downloads a browser of its own.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[1]
#: Screenshots the browser tests save, to be looked at by a person.
ARTIFACTS = REPO / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Runs ``streamlit run`` with an audit hook that writes every socket connection, send and name
#: lookup for an address outside this machine to the file named by $AUDIT_LOG, one line each.
_AUDITED = """
import ipaddress, os, sys
log = open(os.environ["AUDIT_LOG"], "a", buffering=1)
def outside(host):
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str) or host in ("", "localhost"):
        return False
    try:
        return not ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return True  # a name to look up
def hook(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.bind") and isinstance(args[1], tuple):
        if outside(args[1][0]):
            log.write(f"{event} {args[1]}\\n")
    elif event in ("socket.getaddrinfo", "socket.gethostbyname") and outside(args[0]):
        log.write(f"{event} {args[0]}\\n")
sys.addaudithook(hook)
from streamlit.web import cli
sys.argv = ["streamlit", *sys.argv[1:]]
sys.exit(cli.main())
"""


@contextlib.contextmanager
def app_server(home: Path, log: Path, started: list | None = None, audit_log: Path | None = None):
    """``streamlit run streamlit_app.py`` on a free localhost port; yields its base URL (and appends
    the server's ``Popen`` to ``started``, for a test that kills it). With ``audit_log``, every
    connection, send or name lookup of the server for an address outside this machine is written
    there (Python's audit hooks)."""
    port = free_port()
    env = {**os.environ, "CUE_TRAINER_HOME": str(home)}
    command = ["-m", "streamlit"]
    if audit_log is not None:
        env["AUDIT_LOG"] = str(audit_log)
        command = ["-c", _AUDITED]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, *command, "run", "streamlit_app.py", "--server.port", str(port)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        if started is not None:
            started.append(proc)
        url = f"http://localhost:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the app server did not start; see {log}") from None
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextlib.contextmanager
def chromium(fake_webcam: Path | None = None, *, share_tab: str | None = None):
    """A headless Chromium (Playwright browser); with ``fake_webcam`` its camera plays that Y4M
    file. With ``share_tab``, a page's ``getDisplayMedia`` shares the tab of that title with no
    dialog (Chromium's tab-capture switch; the fake media UI would share a screen instead, which
    headless Chromium cannot, so it is left out then)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium).")
    args = [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
    ]
    if share_tab is not None:
        args += [f"--auto-select-tab-capture-source-by-title={share_tab}"]
    else:
        args += ["--use-fake-ui-for-media-stream"]
    if fake_webcam is not None:
        args += ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={fake_webcam}"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            yield browser
        finally:
            browser.close()


def external_requests(page) -> list[str]:
    """Start recording requests that leave this machine; returns the (live) list of their URLs.
    The app must make none (DESIGN.md: everything stays on the machine)."""
    seen: list[str] = []

    def check(request) -> None:
        url = request.url
        if not url.startswith(("data:", "blob:", "about:")) and "//localhost:" not in url and "//127.0.0.1:" not in url:
            seen.append(url)

    page.on("request", check)
    return seen


def wait_until_idle(page, timeout_s: float = 20.0) -> None:
    """Wait until Streamlit has finished rerunning the script (its status widget is gone)."""
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=timeout_s * 1000)
    page.wait_for_timeout(300)


#: Texts of every button whose label breaks inside a word (a word's letters on two lines).
BROKEN_WORDS_JS = """() => {
  const broken = [];
  for (const b of document.querySelectorAll('button')) {
    if (!b.offsetParent) continue;  // not shown
    const walker = document.createTreeWalker(b, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const re = /\\S+/g; let m;
      while ((m = re.exec(node.textContent))) {
        const r = document.createRange();
        r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
        if (tops.size > 1) broken.push(b.innerText);
      }
    }
  }
  return broken;
}"""


def inside(box: dict | None, width: float, height: float) -> bool:
    """Whether an element's bounding box lies wholly inside a width × height viewport."""
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width + 0.5 \
        and box["y"] + box["height"] <= height + 0.5
