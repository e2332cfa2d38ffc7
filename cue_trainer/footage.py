"""Footage: a live session's analysed frames written to a WebM (VP8) file that browsers play, on a
thread of its own, when both people opted in.

Owns: ``FootageWriter``. Imports: nothing of ours (PyAV, which streamlit-webrtc brings, does the
encoding). The caller never waits: frames go through a bounded queue, and when the encoder falls
behind a frame is dropped and counted rather than delaying the analysis. Each frame carries the
session clock as its timestamp, so the video's time is the session's time (a pause is a still
picture; the first picture also covers the moments before it, so the file starts at 0). The
queue holds at most a second of frames and the muxer closes a cluster every half second, flushing
the file with it, so a killed process leaves a file that plays to within about 1.5 s of the kill.
"""
from __future__ import annotations

import collections
import errno
import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av  # PyAV: brought by streamlit-webrtc (aiortc), which the app imports anyway; FFmpeg with libvpx
import numpy as np

logger = logging.getLogger(__name__)

#: Target bit rate: about 4 MB per minute at 640x480 and 10-15 frames per second.
BIT_RATE = 500_000
#: Seconds a frame may wait for the encoder; while the oldest waiting frame has waited longer, new
#: ones are dropped. Queued frames are lost when the process is killed, so with the muxer's
#: half-second clusters a kill costs at most about 1.5 s of live video, whatever the frame rate (a
#: queue bounded only by a count at the nominal rate held 2.5 s when a loaded machine analysed 6
#: frames a second).
QUEUE_S = 1.0
#: Milliseconds of video per cluster; each is flushed to disk as it closes.
CLUSTER_MS = 500
_STOP = object()


class FootageWriter:
    """Write RGB frames to ``path`` (WebM, VP8) in the background.

    Args:
        path: the file to write (created; its folder must exist).
        fps: the nominal frame rate (the encoder's rate control; timestamps come from ``write``).
        queue_frames: frames that may wait before new ones are dropped (default: ``QUEUE_S`` of them
            at ``fps``); however many, none waits longer than ``QUEUE_S``.
        clock: seconds, monotonic: how long a frame has waited (``time.monotonic``).
    """

    def __init__(self, path: str | Path, fps: float, *, queue_frames: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self.fps = fps
        self.written = 0
        self.dropped = 0
        self.error: str | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=queue_frames or max(2, math.ceil(fps * QUEUE_S)))
        self._closed = False
        self._last_ms = -1
        self._clock = clock
        # When each queued frame was queued, oldest first (appended by write before its frame is
        # queued, taken off by the writer thread as it takes the frame).
        self._waiting: collections.deque[float] = collections.deque()
        self._thread = threading.Thread(target=self._run, name="footage", daemon=True)
        self._thread.start()

    def write(self, rgb: np.ndarray, t: float) -> bool:
        """Queue one frame shown at session time ``t`` (seconds); False when it was dropped (the
        encoder is behind, or the writer stopped)."""
        if self._closed or self.error is not None:
            return False
        now = self._clock()
        try:
            behind = now - self._waiting[0] > QUEUE_S  # the writer thread may take the oldest meanwhile
        except IndexError:
            behind = False
        if behind or self._queue.full():  # the encoder is behind: drop this frame at once (no copy made)
            self.dropped += 1
            return False
        self._waiting.append(now)
        try:
            # A copy: the caller may draw on its array next (the page's landmark overlay did, and
            # the recording then had the dots burned in); the recording keeps the camera's picture.
            self._queue.put_nowait((rgb.copy(), t))
            return True
        except queue.Full:
            self._waiting.pop()
            self.dropped += 1
            return False

    @property
    def bytes(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def close(self, timeout_s: float = 30.0) -> None:
        """Finish the file (waits, up to ``timeout_s``, for the queued frames to be encoded). A
        writer that stopped on an error (a full disk) has left its queue full and nobody reading
        it: then there is nothing to wait for."""
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + timeout_s
        while self._thread.is_alive():
            try:
                self._queue.put(_STOP, timeout=0.1)
                break
            except queue.Full:
                if time.monotonic() > deadline:
                    break
        self._thread.join(max(0.0, deadline - time.monotonic()))

    # -- the writer thread ---------------------------------------------------------------------
    def _run(self) -> None:
        container = stream = None
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    break
                self._waiting.popleft()
                if self.error is not None:
                    continue  # drain after a failure
                rgb, t = item
                if container is None:
                    container, stream = self._open(rgb.shape[1], rgb.shape[0])
                ms = int(round(t * 1000))
                if ms <= self._last_ms:  # timestamps must increase
                    continue
                # The file starts at 0 like the session clock: the first picture also stands for the
                # moments before it (the stream connecting), so that video time == session time.
                for pts in ((0, ms) if self._last_ms < 0 < ms else (ms,)):
                    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
                    frame.pts = pts
                    frame.time_base = Fraction(1, 1000)
                    for packet in stream.encode(frame):
                        container.mux(packet)
                self._last_ms = ms
                self.written += 1
        except OSError as e:
            self.error = self._sentence(e)
            logger.warning("Recording stopped: %s", e)
        except Exception as e:  # never take the practice down with the recording
            self.error = f"The recording stopped ({e.__class__.__name__}); the practice goes on."
            logger.exception("Recording failed")
        finally:
            if container is not None:
                try:
                    if self.error is None:
                        for packet in stream.encode():
                            container.mux(packet)
                    container.close()
                except Exception as e:  # a full disk may refuse the last bytes too
                    logger.warning("Closing the recording failed: %s", e)
                    if self.error is None:
                        self.error = self._sentence(e) if isinstance(e, OSError) else \
                            f"The recording could not be finished ({e.__class__.__name__})."

    def _open(self, width: int, height: int):
        # Short clusters, each flushed as it closes: a crash loses little more than the queue.
        container = av.open(str(self.path), mode="w", format="webm",
                            options={"cluster_time_limit": str(CLUSTER_MS), "flush_packets": "1"})
        stream = container.add_stream("libvpx", rate=Fraction(self.fps).limit_denominator(1000))
        stream.width, stream.height = width - width % 2, height - height % 2
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = BIT_RATE
        stream.time_base = Fraction(1, 1000)
        stream.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
        return container, stream

    def _sentence(self, e: BaseException) -> str:
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            return "The disk is full, so the recording stopped; the practice and everything stored go on."
        return f"The recording stopped ({getattr(e, 'strerror', None) or e}); the practice goes on."
