"""Ctrl-C during an analysis: it takes effect between two frames, never inside a library call.

Owns: ``Interrupted`` and ``ctrl_c_between_frames``. Imports: nothing of ours.
"""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Callable


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while a video was analysed; ``session_id`` is the session this run created (kept as
    incomplete), or None when it was stopped before creating one (while the models loaded)."""

    def __init__(self, session_id: int | None) -> None:
        super().__init__(session_id)
        self.session_id = session_id


@contextlib.contextmanager
def ctrl_c_between_frames(stop: Callable[[], bool] | None = None):
    """Ctrl-C takes effect between two frames: inside, the first press is only noted, and the
    ``stop_if_asked`` yielded raises ``KeyboardInterrupt`` at the next frame's end (as it does when
    ``stop`` says True); a second press raises at once. A press landing anywhere in a frame could
    stop a library half-way through building an object (MediaPipe's ``Image``, whose clean-up then
    prints a traceback as the program ends). Where Python's own Ctrl-C handler is not in place
    (another thread, the app, a batch's worker, which leaves Ctrl-C to the batch and is told by
    ``stop``) only ``stop`` is asked."""
    pressed = []

    def stop_if_asked() -> None:
        if pressed or (stop is not None and stop()):
            raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield stop_if_asked
        return

    def note(signum, frame) -> None:
        if pressed:
            raise KeyboardInterrupt
        pressed.append(signum)

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield stop_if_asked
    finally:
        signal.signal(signal.SIGINT, previous)
