"""The session store: one SQLite file (WAL) holding sessions, per-frame features, cue events,
practitioner marks, suggestions and segments (calibration, pauses).

Owns: the schema and its migrations, ``SessionStore`` (the only module that runs SQL: rows are
decoded by column name into typed records at this edge), ``SessionInfo``, ``SessionRecorder`` (what
an analysis writes to). Imports: features (the column names), processes (whether a session's writer
still runs), records (value types).

Privacy: the store holds derived features and events only; no video frames, no raw landmarks.
Durability: frame rows are committed at least every ``commit_interval_s`` (0.5 s by default),
so a killed process keeps what it recorded; a session that never ended is listed as incomplete.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import socket
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from cue_trainer import InputError
from cue_trainer.features import FEATURES, FeatureFrame
from cue_trainer.processes import process_alive, process_started
from cue_trainer.records import CueEvent, Label, Mark, Response, Segment, Suggestion

Status = Literal["recording", "complete", "incomplete"]
#: How the practitioner practised: the app's cues shown (coach), hidden (quiz), or an attempt's test run.
Mode = Literal["coach", "quiz", "test"]
#: How a mode is written where people read it.
MODE_WORDS: dict[Mode, str] = {"quiz": "quiz", "coach": "coach", "test": "test run"}
Source = Literal["live", "video"]
#: Where a live session's picture came from.
Picture = Literal["camera", "call window"]

logger = logging.getLogger(__name__)

HOME_ENV = "CUE_TRAINER_HOME"
DB_NAME = "sessions.sqlite3"
#: How long a write waits for another program's lock on the store before it gives up (seconds).
BUSY_TIMEOUT_S = 30.0

TABLES = ("sessions", "features", "events", "marks", "suggestions", "segments", "labels")

#: The feature columns of schema v1; later ones are added by their migration (and features no
#: longer computed keep their column, so that old files stay readable).
_V1_FEATURES = (
    "present", "body_scale", "nose_y", "shoulder_y", "shoulder_tilt_deg", "ear_shoulder", "hand_face", "head_yaw_deg",
    "head_pitch_deg", "eye_openness", "speed", "motion", "eye_openness_avg",
)
_FEATURE_COLUMNS = ", ".join(f'"{name}" REAL' for name in _V1_FEATURES)
#: v4's new features: the face's size, gaze, PERCLOS, and the hand's gap to the face outline (in
#: face widths; it replaces "hand_face", which measured to the nose in shoulder widths).
_V4_FEATURES = ("hand_face_gap", "face_scale", "gaze_yaw_deg", "eyes_closed_share")
#: v6's: other people in view, and the face model's eye shapes (MediaPipe Tasks).
_V6_FEATURES = ("others_in_view", "eye_blink", "eyes_side")
#: v7's: why a frame has no partner.
_V7_FEATURES = ("partner_absence",)


def _add_feature_columns(names: tuple[str, ...]) -> str:
    """The migration that adds a REAL feature column for each of ``names``."""
    return "; ".join(f'ALTER TABLE features ADD COLUMN "{name}" REAL' for name in names)


_FEATURE_NAMES = ", ".join(f'"{name}"' for name in FEATURES)

#: Schema migrations; entry k brings a database from user_version k to k + 1.
MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        status TEXT NOT NULL CHECK (status IN ('recording', 'complete', 'incomplete')),
        source TEXT NOT NULL CHECK (source IN ('live', 'video')),
        source_path TEXT,
        partner TEXT,
        practitioner TEXT,
        mode TEXT,
        analysis_fps REAL,
        duration_s REAL,
        profile_toml TEXT NOT NULL,
        baseline_json TEXT,
        owner_pid INTEGER,
        owner_host TEXT,
        note TEXT
    );
    CREATE TABLE features (
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        t REAL NOT NULL,
        {_FEATURE_COLUMNS},
        PRIMARY KEY (session_id, t)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        cue TEXT NOT NULL,
        start_s REAL NOT NULL,
        end_s REAL NOT NULL,
        confirmed_s REAL NOT NULL,
        peak REAL
    );
    CREATE TABLE marks (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        t REAL NOT NULL,
        cue TEXT,
        note TEXT
    );
    CREATE TABLE suggestions (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        t REAL NOT NULL,
        cue TEXT NOT NULL,
        text TEXT NOT NULL,
        response TEXT CHECK (response IN ('asked', 'not_now'))
    );
    CREATE TABLE segments (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        kind TEXT NOT NULL CHECK (kind IN ('calibration', 'pause')),
        start_s REAL NOT NULL,
        end_s REAL,
        baseline_json TEXT
    );
    CREATE INDEX events_session ON events (session_id, start_s);
    CREATE INDEX marks_session ON marks (session_id, t);
    CREATE INDEX suggestions_session ON suggestions (session_id, t);
    CREATE INDEX segments_session ON segments (session_id, start_s);
    """,
    # v2: hand labels of true cue episodes, for tuning (pipelines/import_labels.py).
    """
    CREATE TABLE labels (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        cue TEXT NOT NULL,
        start_s REAL NOT NULL,
        end_s REAL NOT NULL,
        source TEXT
    );
    CREATE INDEX labels_session ON labels (session_id, start_s);
    """,
    # v3: the owner's process start time (a reused process id no longer looks like the owner), and
    # no rows without a session (foreign keys are enforced from now on; older files may hold some).
    """
    ALTER TABLE sessions ADD COLUMN owner_started TEXT;
    DELETE FROM features WHERE session_id NOT IN (SELECT id FROM sessions);
    DELETE FROM events WHERE session_id NOT IN (SELECT id FROM sessions);
    DELETE FROM marks WHERE session_id NOT IN (SELECT id FROM sessions);
    DELETE FROM suggestions WHERE session_id NOT IN (SELECT id FROM sessions);
    DELETE FROM segments WHERE session_id NOT IN (SELECT id FROM sessions);
    DELETE FROM labels WHERE session_id NOT IN (SELECT id FROM sessions);
    """,
    # v4: features measured since the real-footage evaluation (older sessions read them as NaN:
    # their cues fall back to the head alone, the mean eye openness, the shoulders; a hand at the
    # face is unknown in them).
    _add_feature_columns(_V4_FEATURES),
    # v5: the session's own copy of its video for the Review (an upload kept on request, or a live
    # recording both people agreed to), a file under <home>/videos/ deleted with the session.
    "ALTER TABLE sessions ADD COLUMN video_path TEXT",
    # v6: whether someone besides the partner was in view, and the face model's eye shapes (older
    # sessions read them as NaN: nobody else known, no shapes).
    _add_feature_columns(_V6_FEATURES),
    # v7: why a frame has no partner (older sessions read NaN: not known).
    _add_feature_columns(_V7_FEATURES),
    # v8: practice on a video. An *attempt* is a session of its own (its marks, its pauses, its
    # practitioner and mode: "quiz", "coach" or "test" for a test run) whose picture was another
    # session's video: ``practised_on`` names that session, whose episodes and labels it is scored
    # against. ``seeked`` is 1 when the practitioner moved the video's time while practising.
    """
    ALTER TABLE sessions ADD COLUMN practised_on INTEGER REFERENCES sessions(id);
    ALTER TABLE sessions ADD COLUMN seeked INTEGER;
    CREATE INDEX sessions_practised_on ON sessions (practised_on);
    """
    # ...and a row still "recording" from before v3 has no owner start time: a process that has its
    # id today is another program (it kept such a row "recording" for ever, and undeletable).
    """
    UPDATE sessions SET status = 'incomplete',
        note = COALESCE(note, 'This session never ended cleanly; it holds what was recorded until then.')
    WHERE status = 'recording' AND owner_started IS NULL;
    """,
    # v9: where a live session's picture came from: "camera" (a webcam, over WebRTC or the local
    # link) or "call window" (a shared window or tab of a video call). Older live sessions were
    # all on a camera; videos and attempts have none.
    """
    ALTER TABLE sessions ADD COLUMN picture TEXT CHECK (picture IN ('camera', 'call window'));
    UPDATE sessions SET picture = 'camera' WHERE source = 'live';
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
_SESSION_COLUMNS = {
    "started_at", "ended_at", "status", "source", "source_path", "partner", "practitioner", "mode", "analysis_fps",
    "duration_s", "profile_toml", "baseline_json", "note", "practised_on", "seeked", "picture",
}


def _statements(script: str) -> list[str]:
    """The SQL statements of a migration script, one by one (``executescript`` would commit the
    transaction they must run in)."""
    out, part = [], ""
    for piece in script.split(";"):
        part += piece + ";"
        if sqlite3.complete_statement(part):
            if any(line.strip() and not line.strip().startswith("--") for line in part.rstrip(";").splitlines()):
                out.append(part)
            part = ""
    return out


#: Integrity checks done in this process, by (file, size, modification time): their sentence or None.
_CHECKED: dict[tuple[str, int, int], str | None] = {}


def default_home() -> Path:
    """The data directory: ``$CUE_TRAINER_HOME`` if set, else the user's data dir for cue-trainer."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("cue-trainer", appauthor=False))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class SessionInfo:
    """One row of the session list. ``status`` is "recording", "complete" or "incomplete" (a
    session whose process ended without closing it, or whose input broke off)."""

    id: int
    started_at: str  # ISO 8601, UTC
    ended_at: str | None
    status: Status
    source: Source
    source_path: str | None
    partner: str | None
    practitioner: str | None
    mode: Mode | None  # "coach" or "quiz" (live sessions and attempts); "test" (an attempt's test run)
    duration_s: float | None
    frames: int
    events: int
    note: str | None
    video_path: str | None = None  # the session's own video copy (under <home>/videos/), if it has one
    practised_on: int | None = None  # an attempt: the session whose video was practised on
    seeked: bool = False  # an attempt in which the video's time was moved
    picture: Picture | None = None  # a live session's source: "camera" or "call window"

    @property
    def attempt(self) -> bool:
        """Whether this is practice on a video (another session's): an *attempt*."""
        return self.practised_on is not None

    @property
    def kind(self) -> str:
        """What kind of session, as every page and the command line write it: "live · coach",
        "live · quiz", "video", for a partner on a video call "live · coach · video call window",
        or for an attempt "video practice · quiz" (· coach, · test run)."""
        if self.attempt:
            return f"video practice · {MODE_WORDS.get(self.mode or '', self.mode or 'quiz')}"
        kind = f"live · {self.mode}" if self.source == "live" and self.mode else self.source
        return f"{kind} · video call window" if self.picture == "call window" else kind

    @property
    def people(self) -> str:
        """"Ann with Bo" (the partner with the practitioner), or whichever of them is named, or ""."""
        return " with ".join(x for x in (self.partner, self.practitioner) if x)

    def as_dict(self) -> dict:
        return asdict(self)


class SessionRecorder:
    """What an ``Analysis`` records one session into: the store's write methods bound to a
    session id (its in-memory twin is ``analysis.MemoryRecorder``)."""

    def __init__(self, store: SessionStore, session_id: int) -> None:
        self.store = store
        self.session_id = session_id

    def add_frame(self, ff: FeatureFrame) -> None:
        self.store.add_frame(self.session_id, ff)

    def add_events(self, events: list[CueEvent]) -> None:
        self.store.add_events(self.session_id, events)

    def add_suggestion(self, s: Suggestion) -> Suggestion:
        return self.store.add_suggestion(self.session_id, s)

    def add_segment(self, segment: Segment) -> None:
        self.store.add_segment(self.session_id, segment)

    def flush(self) -> None:
        self.store.flush()


class SessionStore:
    """The local store. Thread-safe: the live page and its frame callback can share one.

    Args:
        home: data directory (default: ``default_home()``); created if missing.
        commit_interval_s: longest time buffered frame rows wait before a commit.
        busy_timeout_s: how long a write waits while another program holds the file locked.
    """

    def __init__(self, home: str | os.PathLike | None = None, *, commit_interval_s: float = 0.5,
                 busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.home = Path(home) if home is not None else default_home()
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"The data directory {self.home} cannot be created ({e.strerror}).") from None
        self.path = self.home / DB_NAME
        self.commit_interval_s = commit_interval_s
        self._lock = threading.RLock()
        # Processes that open a new store at once (the app and a batch, a batch's workers) all turn it
        # to WAL: SQLite answers "locked" at once, without waiting, to the one whose read lock would
        # otherwise deadlock with another's write. So the whole opening is tried again until the wait
        # a write would have had is over.
        deadline = time.monotonic() + busy_timeout_s
        while True:
            try:
                self._db = self._open(busy_timeout_s)
                break
            except sqlite3.DatabaseError as e:
                locked = isinstance(e, sqlite3.OperationalError) and "locked" in str(e)
                if not locked or time.monotonic() >= deadline:
                    raise InputError(f"The session store {self.path} cannot be opened ({e}).") from None
                time.sleep(0.05)
        self._pending: list[tuple] = []
        self._last_commit = time.monotonic()
        self._inode = self._file_id()

    def _open(self, busy_timeout_s: float) -> sqlite3.Connection:
        """A connection to the store's file in WAL mode with the schema migrated; closed again when
        that fails."""
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=busy_timeout_s)
        try:
            db.row_factory = sqlite3.Row  # rows are read by column name, never by position
            db.execute("PRAGMA foreign_keys=ON")  # no row can belong to a session that is gone
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _file_id(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def on_disk(self) -> bool:
        """Whether the file this store writes to is still the one at ``path`` (a file removed while
        open takes the writes and then vanishes with them)."""
        return self._inode is not None and self._file_id() == self._inode

    def damage(self) -> str | None:
        """One sentence when the file fails SQLite's integrity check (a disk fault, a copy made
        while it was written, another program's edit), else None. Its sessions may still read,
        but what is read may be wrong and a delete can lose more: it is said on reading, and
        deleting is refused. Checked once per state of the file in this process."""
        st = os.stat(self.path)
        key = (str(self.path), st.st_size, st.st_mtime_ns)
        if key not in _CHECKED:
            with self._lock:
                self.flush()
                problems = [r[0] for r in self._db.execute("PRAGMA integrity_check(5)").fetchall()]
            _CHECKED[key] = None if problems == ["ok"] else (
                f"The session store {self.path} is damaged (SQLite's integrity check: {problems[0]}). What it "
                "shows may be wrong: keep a copy of the file, export the sessions you need "
                "(cue-trainer sessions export), then move it away to start a new one.")
        return _CHECKED[key]

    # -- schema -----------------------------------------------------------------------------
    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise InputError(
                f"The session store {self.path} was written by a newer cue-trainer (schema {version}); please upgrade."
            )
        for k in range(version, SCHEMA_VERSION):
            # One process migrates at a time, and only from the version it finds under the lock:
            # two that open a new store at once (the app and a batch, two workers) both read 0.
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute("PRAGMA user_version").fetchone()[0] == k:
                    for statement in _statements(MIGRATIONS[k]):
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {k + 1}")
                    logger.info("Migrated %s to schema %d", self.path, k + 1)
                db.commit()
            except BaseException:
                db.rollback()
                raise

    def close(self) -> None:
        with self._lock:
            self.flush()
            self._db.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------
    def create_session(
        self,
        *,
        source: str,
        profile_toml: str,
        source_path: str | None = None,
        partner: str | None = None,
        practitioner: str | None = None,
        mode: Mode | None = None,
        analysis_fps: float | None = None,
        practised_on: int | None = None,
        picture: Picture | None = None,
    ) -> int:
        """Start a session (status "recording", owned by this process); returns its id.
        ``practised_on``: this session is an attempt on that session's video. ``picture``: a live
        session's source of pictures (default: a camera)."""
        if source == "live" and picture is None:
            picture = "camera"
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO sessions (started_at, status, source, source_path, partner, practitioner, mode,"
                " analysis_fps, profile_toml, owner_pid, owner_host, owner_started, practised_on, picture)"
                " VALUES (?, 'recording', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (_now(), source, source_path, partner, practitioner, mode, analysis_fps, profile_toml,
                 os.getpid(), socket.gethostname(), process_started(os.getpid()), practised_on, picture),
            )
            return int(cur.lastrowid)

    def set_seeked(self, session_id: int) -> None:
        """Record that the video's time was moved during this attempt."""
        with self._lock, self._db:
            self._db.execute("UPDATE sessions SET seeked = 1 WHERE id = ?", (session_id,))

    def add_frame(self, session_id: int, ff: FeatureFrame) -> None:
        """Buffer one frame's features; committed within ``commit_interval_s``."""
        with self._lock:
            values = [None if not np.isfinite(v) else float(v) for v in ff.values]
            self._pending.append((session_id, float(ff.t), *values))
            if time.monotonic() - self._last_commit >= self.commit_interval_s:
                self.flush()

    def flush(self) -> None:
        """Commit buffered frame rows now."""
        with self._lock:
            if self._pending:
                placeholders = ", ".join("?" * (len(FEATURES) + 2))
                with self._db:
                    self._db.executemany(
                        f"INSERT OR REPLACE INTO features (session_id, t, {_FEATURE_NAMES}) VALUES ({placeholders})",
                        self._pending,
                    )
                self._pending.clear()
            self._last_commit = time.monotonic()

    def add_events(self, session_id: int, events: list[CueEvent]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT INTO events (session_id, cue, start_s, end_s, confirmed_s, peak) VALUES (?, ?, ?, ?, ?, ?)",
                [(session_id, e.cue, e.start_s, e.end_s, e.confirmed_s, e.peak) for e in events],
            )

    def add_suggestion(self, session_id: int, s: Suggestion) -> Suggestion:
        """Record a suggestion offered; returns it with its ``id``."""
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO suggestions (session_id, t, cue, text) VALUES (?, ?, ?, ?)", (session_id, s.t, s.cue, s.text)
            )
            return replace(s, id=int(cur.lastrowid))

    def set_response(self, suggestion_id: int, response: Response) -> None:
        """Record what the practitioner did with a suggestion: "asked" or "not_now"."""
        with self._lock, self._db:
            self._db.execute("UPDATE suggestions SET response = ? WHERE id = ?", (response, suggestion_id))

    def add_mark(self, session_id: int, t: float, cue: str | None, note: str | None = None) -> int:
        """A practitioner's mark at session time ``t``: a cue they noticed and/or a free note."""
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO marks (session_id, t, cue, note) VALUES (?, ?, ?, ?)", (session_id, t, cue, note)
            )
            return int(cur.lastrowid)

    def set_labels(self, session_id: int, labels: list[Label], source: str | None = None) -> int:
        """Replace the session's hand labels; returns how many. ``source`` (e.g. the file they
        came from) is kept with each label that names none."""
        self.session(session_id)
        with self._lock, self._db:
            self._db.execute("DELETE FROM labels WHERE session_id = ?", (session_id,))
            self._db.executemany(
                "INSERT INTO labels (session_id, cue, start_s, end_s, source) VALUES (?, ?, ?, ?, ?)",
                [(session_id, x.cue, x.start_s, x.end_s, x.source or source) for x in labels],
            )
        return len(labels)

    def add_segment(self, session_id: int, segment: Segment) -> None:
        """A calibration (with the baseline it produced) or a pause, on the session clock.

        The newest calibration's baseline is also kept on the session row.
        """
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO segments (session_id, kind, start_s, end_s, baseline_json) VALUES (?, ?, ?, ?, ?)",
                (session_id, segment.kind, segment.start_s, segment.end_s, segment.baseline_json),
            )
            if segment.baseline_json is not None:
                self._db.execute("UPDATE sessions SET baseline_json = ? WHERE id = ?", (segment.baseline_json, session_id))

    def recorder(self, session_id: int) -> SessionRecorder:
        """Where an analysis records ``session_id``."""
        return SessionRecorder(self, session_id)

    def end_session(self, session_id: int, *, duration_s: float, status: str = "complete", note: str | None = None) -> None:
        """Close a session: "complete", or "incomplete" when its input broke off."""
        with self._lock:
            self.flush()
            with self._db:
                self._db.execute(
                    "UPDATE sessions SET ended_at = ?, status = ?, duration_s = ?, note = ? WHERE id = ?",
                    (_now(), status, duration_s, note, session_id),
                )

    def attempts(self, session_id: int) -> list[int]:
        """The ids of the attempts practised on this session's video, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT id FROM sessions WHERE practised_on = ? ORDER BY id", (session_id,))
            return [r["id"] for r in rows.fetchall()]

    def delete_session(self, session_id: int) -> str | None:
        """Remove a session, every row that belongs to it, its own video copy, and the attempts
        practised on its video (they are scored against its episodes, so they go with it).

        Returns:
            None, or one sentence when the stored video name pointed outside the data folder (that
            file was left alone; the session's rows are gone all the same).

        Raises:
            InputError: there is no such session, or it is still being recorded.
        """
        info = self.session(session_id)
        if info.status == "recording":
            raise InputError(f"Session {session_id} is still being recorded; stop it first, then delete it.")
        damage = self.damage()
        if damage is not None:  # deleting from a damaged file can lose more than the one session
            raise InputError(f"{damage} Nothing was deleted.")
        try:
            video, refused = self.own_video(info), None
        except InputError as e:  # the rows still go; a file outside the data folder is never touched
            video, refused = None, str(e)
        with self._lock:
            self.flush()
            with self._db:
                for sid in (*self.attempts(session_id), session_id):
                    for table in TABLES[1:]:
                        self._db.execute(f"DELETE FROM {table} WHERE session_id = ?", (sid,))
                    self._db.execute("DELETE FROM sessions WHERE id = ?", (sid,))
        if video is not None:
            video.unlink(missing_ok=True)
        return refused

    # -- videos -----------------------------------------------------------------------------
    @property
    def videos_dir(self) -> Path:
        """Where sessions' own video copies live (created when first needed)."""
        return self.home / "videos"

    def video_file(self, session_id: int, suffix: str) -> Path:
        """The path a session's own video copy gets (the folder is created)."""
        self.videos_dir.mkdir(parents=True, exist_ok=True)
        return self.videos_dir / f"session-{session_id}{suffix}"

    def keep_video(self, session_id: int, source: str | Path) -> Path:
        """Copy ``source`` into the data folder as the session's own video (a kept upload, for the
        Review) and record it; returns the copy.

        Raises:
            OSError: the copy failed (a full disk); no part of it is left and nothing is recorded.
        """
        copy = self.video_file(session_id, Path(source).suffix.lower())
        try:
            shutil.copyfile(source, copy)
        except OSError:
            copy.unlink(missing_ok=True)
            raise
        self.set_video(session_id, copy)
        return copy

    def set_video(self, session_id: int, path: Path | None) -> None:
        """Record (or, with None, forget) the session's own video copy; it must be under ``videos_dir``."""
        if path is not None and Path(path).resolve().parent != self.videos_dir.resolve():
            raise ValueError(f"path must be inside {self.videos_dir}, but got {path}")
        with self._lock, self._db:
            self._db.execute("UPDATE sessions SET video_path = ? WHERE id = ?",
                             (None if path is None else Path(path).name, session_id))

    def own_video(self, info: SessionInfo) -> Path | None:
        """The session's own video copy, if it has one (whether or not the file still exists).

        The stored name is only ever read as a file directly inside ``videos_dir``: a store that was
        damaged or shared by someone else may hold an absolute path, ``../x`` or a name that is a link
        out of the folder, and cue-trainer touches no file outside its data folder.

        Raises:
            InputError: the stored name points outside ``videos_dir``.
        """
        if not info.video_path:
            return None
        folder = self.videos_dir.resolve()
        path = (folder / info.video_path).resolve()
        if path.parent != folder or Path(info.video_path).name != info.video_path:
            raise InputError(f"Session {info.id}'s video copy is recorded as {info.video_path!r}, which is not a file "
                             f"in {self.videos_dir}; cue-trainer uses no file outside its data folder, so it is left "
                             "alone.")
        return path

    # -- reading ----------------------------------------------------------------------------
    _INFO_SQL = """
        SELECT s.id, s.started_at, s.ended_at, s.status, s.source, s.source_path, s.partner, s.practitioner,
               s.mode, s.note, s.owner_pid, s.owner_host, s.owner_started, s.video_path, s.practised_on, s.seeked,
               s.picture,
               COALESCE(s.duration_s, (SELECT MAX(t) FROM features f WHERE f.session_id = s.id)) AS duration_s,
               (SELECT COUNT(*) FROM features f WHERE f.session_id = s.id) AS frames,
               (SELECT COUNT(*) FROM events e WHERE e.session_id = s.id) AS events
        FROM sessions s
    """

    @staticmethod
    def _info(row: sqlite3.Row) -> SessionInfo:
        status = row["status"]
        if status == "recording" and not process_alive(row["owner_pid"], row["owner_host"], row["owner_started"]):
            status = "incomplete"  # its process is gone without closing it
        return SessionInfo(
            id=row["id"], started_at=row["started_at"], ended_at=row["ended_at"], status=status,
            source=row["source"], source_path=row["source_path"], partner=row["partner"],
            practitioner=row["practitioner"], mode=row["mode"], duration_s=row["duration_s"],
            frames=row["frames"], events=row["events"], note=row["note"], video_path=row["video_path"],
            practised_on=row["practised_on"], seeked=bool(row["seeked"]), picture=row["picture"],
        )

    def sessions(self) -> list[SessionInfo]:
        """Every session, newest first."""
        with self._lock:
            self.flush()
            rows = self._db.execute(self._INFO_SQL + " ORDER BY s.id DESC").fetchall()
        return [self._info(r) for r in rows]

    def session(self, session_id: int) -> SessionInfo:
        """One session.

        Raises:
            InputError: there is no session with that id.
        """
        with self._lock:
            self.flush()
            row = self._db.execute(self._INFO_SQL + " WHERE s.id = ?", (session_id,)).fetchone()
        if row is None:
            raise InputError(f"There is no session {session_id} in {self.path}.")
        return self._info(row)

    def session_field(self, session_id: int, column: str):
        """One stored column of the session row (e.g. "profile_toml", "baseline_json")."""
        if column not in _SESSION_COLUMNS:
            raise ValueError(f"column must be one of {sorted(_SESSION_COLUMNS)}, but got {column!r}")
        self.session(session_id)
        with self._lock:
            return self._db.execute(f'SELECT "{column}" FROM sessions WHERE id = ?', (session_id,)).fetchone()[0]

    def features(self, session_id: int) -> tuple[np.ndarray, np.ndarray]:
        """(t, X): times (n,) and features (n, len(FEATURES)) in time order, NaN for missing."""
        with self._lock:
            self.flush()
            cols = ", ".join(f'"{n}"' for n in FEATURES)
            cur = self._db.cursor()
            cur.row_factory = None  # plain tuples, straight into numpy
            rows = cur.execute(f"SELECT t, {cols} FROM features WHERE session_id = ? ORDER BY t", (session_id,)).fetchall()
        data = np.array(rows, dtype=np.float64).reshape(-1, len(FEATURES) + 1)  # None -> nan
        return data[:, 0], data[:, 1:]

    def _rows(self, sql: str, session_id: int) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, (session_id,)).fetchall()

    def events(self, session_id: int) -> list[CueEvent]:
        """The detected episodes, in the order they were recorded."""
        rows = self._rows("SELECT cue, start_s, end_s, confirmed_s, peak FROM events WHERE session_id = ? ORDER BY id",
                          session_id)
        return [CueEvent(cue=r["cue"], start_s=r["start_s"], end_s=r["end_s"], confirmed_s=r["confirmed_s"],
                         peak=r["peak"]) for r in rows]

    def marks(self, session_id: int) -> list[Mark]:
        """The practitioner's marks and notes, in time order."""
        rows = self._rows("SELECT id, t, cue, note FROM marks WHERE session_id = ? ORDER BY t, id", session_id)
        return [Mark(t=r["t"], cue=r["cue"], note=r["note"], id=r["id"]) for r in rows]

    def suggestions(self, session_id: int) -> list[Suggestion]:
        """The suggestions offered, with their ids and responses, in time order."""
        rows = self._rows("SELECT id, t, cue, text, response FROM suggestions WHERE session_id = ? ORDER BY t, id",
                          session_id)
        return [Suggestion(t=r["t"], cue=r["cue"], text=r["text"], id=r["id"], response=r["response"]) for r in rows]

    def segments(self, session_id: int) -> list[Segment]:
        """Calibrations and pauses, in time order."""
        rows = self._rows("SELECT kind, start_s, end_s, baseline_json FROM segments WHERE session_id = ?"
                          " ORDER BY start_s, id", session_id)
        return [Segment(kind=r["kind"], start_s=r["start_s"], end_s=r["end_s"], baseline_json=r["baseline_json"])
                for r in rows]

    def labels(self, session_id: int) -> list[Label]:
        """The session's hand labels, in time order."""
        rows = self._rows("SELECT cue, start_s, end_s, source FROM labels WHERE session_id = ? ORDER BY start_s, id",
                          session_id)
        return [Label(cue=r["cue"], start_s=r["start_s"], end_s=r["end_s"], source=r["source"]) for r in rows]

    def table(self, session_id: int, name: str):
        """One table's rows of a session as a pandas DataFrame (``name`` in ``TABLES``)."""
        import pandas as pd

        if name not in TABLES:
            raise ValueError(f"name must be one of {TABLES}, but got {name!r}")
        self.session(session_id)
        key = "id" if name == "sessions" else "session_id"
        order = {"sessions": "id", "features": "t", "events": "start_s", "marks": "t", "suggestions": "t",
                 "segments": "start_s", "labels": "start_s"}[name]
        # Features: today's columns (a retired feature's column stays in old files, unused).
        columns = f"session_id, t, {_FEATURE_NAMES}" if name == "features" else "*"
        with self._lock:
            self.flush()
            return pd.read_sql_query(
                f"SELECT {columns} FROM {name} WHERE {key} = ? ORDER BY {order}", self._db, params=(session_id,)
            )


#: What the store raises when the file itself is the trouble (damaged, locked, disk full): SQLite's
#: own errors, named here so that entry points can catch them without importing sqlite3.
StoreFault = sqlite3.Error


def explain(error: sqlite3.Error, path: Path | str | None = None, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> str:
    """One sentence for a person about a store fault (``StoreFault``); ``busy_timeout_s`` is how
    long the store that met it waited for a lock."""
    where = f" {path}" if path else ""
    text = str(error)
    if "disk is full" in text or "database or disk is full" in text:
        return (f"The disk is full, so the session store{where} could not be written; what was stored before "
                "is kept. Free some space and try again.")
    if "locked" in text or "busy" in text:
        return (f"The session store{where} is busy: another program has held it locked for over {busy_timeout_s:g} s. "
                "Try again when it is done.")
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return (f"The session store{where} is damaged ({text}). Keep a copy of it, then move it away to start "
                "a new one.")
    if "readonly" in text or "read-only" in text:
        return f"The session store{where} is read-only, so nothing can be recorded ({text})."
    return f"The session store{where} cannot be used ({text})."
