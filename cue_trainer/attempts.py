"""Practice on a video: an *attempt* is a session of its own whose picture is another session's
video (a processed file, a kept upload, a live recording, a library clip). Its marks carry the
video's own time, sent from the page with each key press; it is scored against the episodes (and
hand labels) already stored with that session, so nothing of the video is analysed again.

Owns: ``practisable`` (the sessions with a video one can practise on), ``Attempt`` (one attempt
being made: marks taken once each, the end). Imports: __init__, review, store.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from cue_trainer import InputError
from cue_trainer.review import review_video
from cue_trainer.store import SessionInfo, SessionStore

#: The modes of an attempt: Quiz (nothing of the analysis until the end), Coach (the recorded
#: badges and suggestions at their times), a test run (Quiz, the video plays through: no seeking,
#: no pause).
MODES = ("quiz", "coach", "test")


@dataclass(frozen=True)
class Practisable:
    """A session whose video can be practised on."""

    info: SessionInfo
    video: Path
    labelled: int  # hand-labelled changes
    attempts: int  # attempts made on it so far

    @property
    def title(self) -> str:
        name = Path(self.info.source_path).stem if self.info.source_path else f"session {self.info.id}"
        who = f" · {self.info.partner}" if self.info.partner else ""
        return f"#{self.info.id} · {name}{who}"


def practisable(store: SessionStore) -> list[Practisable]:
    """Every complete session (not itself an attempt) whose video is there and plays in a browser,
    with episodes computed after a baseline: newest first."""
    out = []
    for info in store.sessions():
        if info.attempt or info.status != "complete" or not info.frames:
            continue
        video, _ = review_video(store, info)
        if video is not None:
            out.append(Practisable(info, video, len(store.labels(info.id)), len(store.attempts(info.id))))
    return out


class Attempt:
    """One attempt being made on ``session_id``'s video.

    The page sends the whole list of marks made so far with every change (a list only grows), so a
    mark lost between page and server is sent again with the next one; ``take`` stores each once.
    """

    def __init__(self, store: SessionStore, session_id: int, *, practitioner: str | None, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, but got {mode!r}")
        base = store.session(session_id)
        if base.attempt:
            raise InputError(f"Session {session_id} is itself practice on a video; practise on the video's own "
                             f"session ({base.practised_on}).")
        self.store, self.base, self.mode = store, base, mode
        self.id = store.create_session(
            source="video", profile_toml=store.session_field(session_id, "profile_toml"),
            source_path=base.source_path, partner=base.partner, practitioner=practitioner, mode=mode,
            practised_on=session_id)
        self.taken = 0
        self.reached_s = 0.0
        self.seeked = False
        self.ended = False

    def take(self, marks: list[dict], *, seeked: bool = False) -> int:
        """Store the marks not stored yet (each ``{"t": video seconds, "cue": id or None, "note":
        text or None}``); returns how many were new. ``seeked``: the video's time was moved."""
        if self.ended:
            return 0
        if seeked and not self.seeked:
            self.seeked = True
            self.store.set_seeked(self.id)
        new = marks[self.taken:]
        for m in new:
            t = float(m["t"])
            if not math.isfinite(t) or t < 0:
                continue
            cue = m.get("cue") or None
            note = (m.get("note") or "").strip()[:500] or None
            if cue is not None or note is not None:
                self.store.add_mark(self.id, t, cue, note)
            self.reached_s = max(self.reached_s, t)
        self.taken = len(marks)
        return len(new)

    def finish(self, reached_s: float | None = None) -> int:
        """End the attempt (complete); returns its id. ``reached_s``: how far the video played."""
        if not self.ended:
            length = self.base.duration_s or 0.0
            reached = max(self.reached_s, reached_s or 0.0)
            self.store.end_session(self.id, duration_s=min(reached, length) if length else reached)
            self.ended = True
        return self.id
