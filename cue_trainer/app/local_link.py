"""The local link: webcam frames from the page to the app over a WebSocket on 127.0.0.1.

Owns: ``LocalLink`` (one per app process: a WebSocket server in a thread of its own) and the page
script that captures the camera or a shared window or tab (a video call: ``getDisplayMedia``,
after a click, as browsers require), sends frames and draws the overlay it gets back. Live practice
then needs no network at all: with only the loopback interface up (a laptop in airplane mode), a
browser gathers no WebRTC candidate, so WebRTC cannot connect, but a WebSocket to 127.0.0.1 can.

Each stream is registered under an unguessable token; the page's frame carries it, and a connection
is taken only from the app's own page (its Origin: a loopback name on the app's port), so another
site that learnt a token still cannot send frames. Frames are JPEG;
the page keeps at most two on their way (one being analysed, the next waiting), so the picture
never lags behind the camera, and it caps the rate at the analysis rate.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import cv2
import numpy as np

from cue_trainer.app.video import ABANDON_GRACE_S, PracticeProcessor, abandon

logger = logging.getLogger(__name__)

#: Largest frame the link accepts (a 1080p JPEG is well under this).
MAX_FRAME_BYTES = 4 * 1024 * 1024

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><style>
body { margin: 0; font-family: "Source Sans Pro", sans-serif; }
#wrap { position: relative; width: 100%; background: #222; }
video, canvas { width: 100%; display: block; }
canvas { position: absolute; left: 0; top: 0; height: 100%; }
#msg { font-size: 14px; color: #c92a2a; min-height: 1.4em; padding: 2px 0; }
#share { position: absolute; inset: 0; margin: auto; height: 3em; width: 22em; font: inherit; font-size: 16px;
  color: white; background: #ff4b4b; border: 0; border-radius: 8px; cursor: pointer; }
#share:focus-visible { outline: 3px solid #1c7ed6; outline-offset: 2px; }
#wrap.window:not(.sharing) { min-height: 240px; }
</style></head><body>
<div id="wrap"><video id="v" autoplay muted playsinline></video><canvas id="o"></canvas></div>
<div id="msg" role="status"></div>
<script>
const LINK = "ws://127.0.0.1:__PORT__/?token=__TOKEN__", FPS = __FPS__, CAPTURE = "__CAPTURE__";
const v = document.getElementById("v"), o = document.getElementById("o"), msg = document.getElementById("msg");
const grab = document.createElement("canvas");
let ws = null, inflight = 0, last = 0;
const say = (t) => { msg.textContent = t; };
function draw(g) {
  o.width = v.videoWidth; o.height = v.videoHeight;
  const c = o.getContext("2d"), W = o.width, H = o.height;
  c.clearRect(0, 0, W, H);
  if (g && g.tile) {  // the partner's tile in a call window; the landmarks are drawn inside it only
    const [x, y, w, h] = g.tile;
    c.lineWidth = 3; c.strokeStyle = "rgb(255,196,0)"; c.strokeRect(x * W, y * H, w * W, h * H);
    c.font = "bold " + Math.max(14, Math.round(H / 30)) + "px sans-serif"; c.fillStyle = "rgb(255,196,0)";
    c.fillText("Partner", x * W + 6, y * H + Math.max(16, Math.round(H / 26)));
    c.beginPath(); c.rect(x * W, y * H, w * W, h * H); c.clip();
  }
  if (!g || !g.bones) return;
  c.lineWidth = 2; c.strokeStyle = "rgb(80,220,120)";
  for (const [x1, y1, x2, y2] of g.bones) { c.beginPath(); c.moveTo(x1 * W, y1 * H); c.lineTo(x2 * W, y2 * H); c.stroke(); }
  c.fillStyle = "white";
  for (const [x, y] of g.points) { c.beginPath(); c.arc(x * W, y * H, 3, 0, 7); c.fill(); }
  c.fillStyle = "rgb(120,200,255)";
  for (const [x, y] of g.face) { c.fillRect(x * W, y * H, 2, 2); }
}
function send() {
  if (!ws || ws.readyState !== 1 || inflight >= 2 || !v.videoWidth) return;  // one analysed, one on its way
  const wait = 1000 / FPS - (performance.now() - last);
  if (wait > 0) { setTimeout(send, wait); return; }
  last = performance.now();
  grab.width = v.videoWidth; grab.height = v.videoHeight;
  grab.getContext("2d").drawImage(v, 0, 0);
  inflight += 1;
  grab.toBlob((b) => b.arrayBuffer().then((buf) => ws.send(buf)), "image/jpeg", 0.85);
}
async function open() {
  if (CAPTURE === "window") {
    // Only the window or tab the person picks in the browser's own dialog is shared.
    // Asked for at full HD: otherwise a browser may send the window at its own screen's size or less.
    return navigator.mediaDevices.getDisplayMedia({video: {frameRate: {ideal: FPS}, width: {ideal: 1920}, height: {ideal: 1080}},
                                                   audio: false,
                                                   selfBrowserSurface: "exclude", surfaceSwitching: "include"});
  }
  return navigator.mediaDevices.getUserMedia({video: {width: 640, height: 480}, audio: false});
}
async function start() {
  try {
    v.srcObject = await open();
  } catch (e) {
    say(CAPTURE === "window"
      ? "Nothing is shared (" + e.name + "): press the button and pick the call's window or tab."
      : "No camera could be opened (" + e.name + "): check that one is connected and that this browser may use it.");
    if (CAPTURE === "window") share.hidden = false;
    return;
  }
  document.getElementById("wrap").classList.add("sharing");
  const track = v.srcObject.getVideoTracks()[0];
  track.onended = () => { say("Sharing stopped: the app gets no picture now. Press Stop, or start again."); if (ws) ws.close(1000); };
  ws = new WebSocket(LINK);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => { v.onplaying = send; send(); };
  ws.onmessage = (m) => { inflight -= 1; draw(JSON.parse(m.data)); send(); };
  ws.onclose = (e) => { if (e.code !== 1000) say("The local link to the app closed (" + (e.reason || e.code) + ")."); };
  ws.onerror = () => say("The local link to the app could not be opened.");
}
const share = document.createElement("button");
if (CAPTURE === "window") {  // a browser shares a window only after a click on this page
  share.id = "share"; share.textContent = "Share the call's window or tab";
  share.onclick = () => { share.hidden = true; say(""); start(); };
  document.getElementById("wrap").classList.add("window");
  document.getElementById("wrap").appendChild(share);
} else {
  start();
}
</script></body></html>
"""


@dataclass
class _Stream:
    processor: PracticeProcessor | None  # None: a preview (a call window before the partner is chosen)
    still: bytes | None = None  # the newest picture of a preview (JPEG)
    connections: int = 0
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class LocalLink:
    """A WebSocket server on 127.0.0.1 (a free port) in a daemon thread, serving every stream of
    this app process.

    Args:
        app_port: the app's own port: connections are taken from its pages only (their Origin).
        host: the address to bind; loopback, so that nothing outside this computer can connect.
    """

    def __init__(self, app_port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.origins = [f"{scheme}://{name}:{app_port}" for scheme in ("http", "https")
                        for name in ("localhost", "127.0.0.1", "[::1]")]
        self.port = 0
        self._streams: dict[str, _Stream] = {}
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="local-link", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the local link did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        from websockets.asyncio.server import serve

        async with serve(self._handle, self.host, 0, max_size=MAX_FRAME_BYTES, compression=None,
                         origins=self.origins) as server:  # any other Origin, or none, gets 403
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await asyncio.Future()  # serve until the process ends

    def open(self, processor: PracticeProcessor | None = None) -> str:
        """Register a stream; returns the token its page connects with. Without ``processor``, a
        preview: its pictures are kept (the newest, for ``still``), not analysed, until ``attach``."""
        token = secrets.token_urlsafe(18)
        self._streams[token] = _Stream(processor)
        return token

    def attach(self, token: str, processor: PracticeProcessor) -> None:
        """Analyse a preview's pictures from now on with ``processor``."""
        self._streams[token].processor = processor

    def still(self, token: str) -> np.ndarray | None:
        """The newest picture of a stream's preview (RGB), None before the first."""
        stream = self._streams.get(token)
        return None if stream is None or stream.still is None else _decode(stream.still)

    def close(self, token: str) -> None:
        """Forget a stream (after Stop); its page's connection is refused from now on."""
        stream = self._streams.pop(token, None)
        if stream is not None:
            stream.closed = True

    def page(self, token: str, fps: float, capture: str = "camera") -> str:
        """The HTML of the page frame that captures the camera (``capture`` "camera") or a shared
        window or tab ("window") and talks to this link."""
        assert capture in ("camera", "window")
        return (PAGE.replace("__PORT__", str(self.port)).replace("__TOKEN__", token)
                .replace("__FPS__", f"{fps:g}").replace("__CAPTURE__", capture))

    async def _handle(self, connection) -> None:
        token = parse_qs(urlsplit(connection.request.path).query).get("token", [""])[0]
        stream = self._streams.get(token)
        if stream is None:
            await connection.close(1008, "no such practice session")
            return
        with stream.lock:
            stream.connections += 1
        loop = asyncio.get_running_loop()
        try:
            async for message in connection:
                if not isinstance(message, bytes):
                    continue
                processor = stream.processor
                if processor is None:  # a preview: keep the newest picture, analyse nothing
                    stream.still = message
                    await connection.send("{}")
                    continue
                rgb = await loop.run_in_executor(None, _decode, message)
                if rgb is None:
                    continue
                geometry = await loop.run_in_executor(None, processor.geometry, rgb)
                await connection.send(json.dumps(geometry))
        except Exception:  # a broken connection ends this stream's link, not the app
            logger.info("Local link of a stream closed", exc_info=True)
        finally:
            with stream.lock:
                stream.connections -= 1
        # A page that reloads reconnects at once; a closed tab does not: then the session is kept
        # as incomplete, as with a WebRTC stream that ends without Stop.
        await asyncio.sleep(ABANDON_GRACE_S)
        live = stream.processor.live if stream.processor is not None else None
        if not stream.closed and stream.connections == 0 and live is not None and not live.ended:
            abandon(live)


def _decode(jpeg: bytes) -> np.ndarray | None:
    bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    return None if bgr is None else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def has_network() -> bool:
    """Whether this computer has an address other than loopback (else WebRTC cannot connect)."""
    import ifaddr

    return any(isinstance(ip.ip, str) and not ip.ip.startswith("127.")
               for adapter in ifaddr.get_adapters() for ip in adapter.ips)
