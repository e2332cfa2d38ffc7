"""Session store on a real SQLite file."""
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cue_trainer import InputError
from cue_trainer.features import FEATURES, INDEX, FeatureFrame
from cue_trainer.profiles import default_profile
from cue_trainer.records import CueEvent, Label, Mark, Segment, Suggestion
from cue_trainer.store import MIGRATIONS, SCHEMA_VERSION, TABLES, SessionStore, StoreFault
from tests.processes import needs_root, run_cli


def frame(t, **values):
    v = np.full(len(FEATURES), np.nan)
    v[INDEX["present"]] = 1.0
    for k, x in values.items():
        v[INDEX[k]] = x
    return FeatureFrame(t, v)


def filled(store: SessionStore, source_path="a.mp4") -> int:
    sid = store.create_session(source="video", source_path=source_path, profile_toml=default_profile().to_toml())
    for i in range(50):
        store.add_frame(sid, frame(i / 10, nose_y=0.3 + i / 1000))
    store.add_events(sid, [CueEvent("slumped_posture", 1.0, 4.0, 3.5, 0.4)])
    sug = store.add_suggestion(sid, Suggestion(3.5, "slumped_posture", "I notice… How are you?"))
    store.set_response(sug.id, "asked")
    store.add_mark(sid, 3.9, "slumped_posture", "sank down")
    store.add_segment(sid, Segment("calibration", 0.0, 1.0, '{"x": 1}'))
    store.set_labels(sid, [Label("slumped_posture", 1.2, 3.9)], source="hand")
    store.end_session(sid, duration_s=5.0)
    return sid


def test_schema_is_versioned_and_wal(home):
    store = SessionStore(home)
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= set(TABLES)


def test_frames_reach_the_file_within_the_commit_interval(home):
    store = SessionStore(home, commit_interval_s=0.2)
    sid = store.create_session(source="live", profile_toml="")
    other = sqlite3.connect(store.path)  # another reader, as after a crash
    store.add_frame(sid, frame(0.0))
    time.sleep(0.25)
    store.add_frame(sid, frame(0.1))  # the interval has passed: both rows are committed
    assert other.execute("SELECT COUNT(*) FROM features").fetchone()[0] == 2


def test_round_trip_of_features_keeps_nan(home):
    store = SessionStore(home)
    sid = store.create_session(source="live", profile_toml="")
    store.add_frame(sid, frame(0.5, nose_y=0.25))
    t, X = store.features(sid)
    assert t.tolist() == [0.5]
    assert X[0, INDEX["nose_y"]] == 0.25 and np.isnan(X[0, INDEX["hand_face_gap"]])


def test_list_is_newest_first_with_counts(home):
    store = SessionStore(home)
    first, second = filled(store, "a.mp4"), filled(store, "b.mp4")
    listed = store.sessions()
    assert [s.id for s in listed] == [second, first]
    assert listed[0].frames == 50 and listed[0].events == 1 and listed[0].status == "complete"


def test_a_session_whose_process_died_is_incomplete(home):
    code = (
        "import sys; from cue_trainer.store import SessionStore; "
        "s = SessionStore(sys.argv[1]); s.create_session(source='live', profile_toml='')"
    )
    subprocess.run([sys.executable, "-c", code, str(home)], check=True)
    (info,) = SessionStore(home).sessions()
    assert info.status == "incomplete" and info.ended_at is None


def test_delete_removes_every_row(home):
    store = SessionStore(home)
    keep, gone = filled(store), filled(store)
    store.delete_session(gone)
    db = sqlite3.connect(store.path)
    for table in TABLES:
        key = "id" if table == "sessions" else "session_id"
        assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE {key} = ?", (gone,)).fetchone()[0] == 0
        assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE {key} = ?", (keep,)).fetchone()[0] > 0
    with pytest.raises(InputError, match=f"There is no session {gone}"):
        store.delete_session(gone)


def test_a_store_from_a_newer_version_is_refused(home):
    SessionStore(home).close()
    db = sqlite3.connect(home / "sessions.sqlite3")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    with pytest.raises(InputError, match="written by a newer cue-trainer"):
        SessionStore(home)


def test_a_version_1_store_is_migrated_and_keeps_its_sessions(home):
    from cue_trainer.store import MIGRATIONS

    home.mkdir(parents=True)
    db = sqlite3.connect(home / "sessions.sqlite3")
    db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.execute("INSERT INTO sessions (started_at, status, source, profile_toml) VALUES ('2026-01-01', 'complete', 'video', '')")
    db.execute("INSERT INTO sessions (started_at, status, source, profile_toml) VALUES ('2026-01-02', 'complete', 'live', '')")
    db.execute("INSERT INTO features (session_id, t, present, nose_y, hand_face) VALUES (1, 0.5, 1, 0.3, 0.7)")
    db.commit()
    db.close()
    store = SessionStore(home)
    assert sqlite3.connect(store.path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 9
    # A frame stored before v4 keeps its values; the features measured since read as not measured.
    t, X = store.features(1)
    assert t.tolist() == [0.5] and X[0, INDEX["nose_y"]] == 0.3
    assert np.isnan(X[0, [INDEX[n] for n in ("hand_face_gap", "face_scale", "gaze_yaw_deg", "eyes_closed_share")]]).all()
    live, info = store.sessions()
    assert info.status == "complete"
    # v9: a live session from before it was on a camera; a video has no picture source.
    assert (live.picture, info.picture) == ("camera", None) and live.kind == "live"
    assert store.set_labels(info.id, [Label("head_down", 1.0, 2.0)]) == 1
    assert store.labels(info.id) == [Label("head_down", 1.0, 2.0)]


def test_a_row_recording_since_before_v3_under_a_live_process_id_ends_as_incomplete_and_can_be_deleted(home):
    """Issue 21, item 17: its owner's id belongs to a live process (this one) but nothing says it
    is the same process; it was "recording" for ever and could not be deleted."""
    import os

    from cue_trainer.store import MIGRATIONS

    home.mkdir(parents=True)
    db = sqlite3.connect(home / "sessions.sqlite3")
    db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.execute("INSERT INTO sessions (started_at, status, source, profile_toml, owner_pid, owner_host)"
               " VALUES ('2026-01-01', 'recording', 'live', '', ?, ?)", (os.getpid(), socket.gethostname()))
    db.commit()
    db.close()
    store = SessionStore(home)
    (info,) = store.sessions()
    assert info.status == "incomplete" and "never ended cleanly" in info.note
    store.delete_session(info.id)
    assert store.sessions() == []
    # A session recorded now, by this process, is still "recording" (the migration ran once).
    sid = store.create_session(source="live", profile_toml="")
    assert store.session(sid).status == "recording"


def test_typed_readers_decode_rows_by_name(home):
    """Each reader returns records, so no reader has to guard against NaN or decode positions."""
    store = SessionStore(home)
    sid = filled(store)
    (sug,) = store.suggestions(sid)
    assert sug == Suggestion(3.5, "slumped_posture", "I notice… How are you?", id=sug.id, response="asked")
    assert store.marks(sid) == [Mark(3.9, "slumped_posture", "sank down", id=store.marks(sid)[0].id)]
    assert store.segments(sid) == [Segment("calibration", 0.0, 1.0, '{"x": 1}')]
    assert store.labels(sid) == [Label("slumped_posture", 1.2, 3.9, "hand")]
    assert store.events(sid) == [CueEvent("slumped_posture", 1.0, 4.0, 3.5, 0.4)]
    info = store.session(sid)
    assert (info.source, info.source_path, info.duration_s, info.frames, info.events) == ("video", "a.mp4", 5.0, 50, 1)
    assert info.as_dict()["status"] == "complete"


def _damaged_video_name(store: SessionStore, session_id: int, name: str) -> None:
    """What a damaged or shared store file can hold: any text as the session's video name."""
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE sessions SET video_path = ? WHERE id = ?", (name, session_id))


@pytest.mark.parametrize("kind", [
    "absolute",  # an absolute path to a file of the person's own
    "dotdot",  # a relative path climbing out of videos/
    "link",  # a plain name, but the entry in videos/ is a link to a file outside
])
def test_a_video_name_pointing_outside_the_data_folder_is_refused_and_the_file_left_alone(home, tmp_path, kind):
    store = SessionStore(home)
    sid = filled(store)
    outside = tmp_path / "precious.mp4"
    outside.write_bytes(b"not ours")
    if kind == "link":
        store.videos_dir.mkdir(parents=True)
        (store.videos_dir / "session-1.mp4").symlink_to(outside)
    name = {"absolute": str(outside), "dotdot": "../../precious.mp4", "link": "session-1.mp4"}[kind]
    _damaged_video_name(store, sid, name)
    info = store.session(sid)
    with pytest.raises(InputError, match=r"is not a file in .*videos; cue-trainer uses no file outside its data folder"):
        store.own_video(info)
    refused = store.delete_session(sid)
    assert "is left alone" in refused
    assert outside.read_bytes() == b"not ours"
    assert store.sessions() == []  # the session's rows went all the same


def test_a_video_copy_inside_the_folder_is_still_found_and_deleted(home):
    store = SessionStore(home)
    sid = filled(store)
    video = store.video_file(sid, ".mp4")
    video.write_bytes(b"ours")
    store.set_video(sid, video)
    assert store.own_video(store.session(sid)) == video.resolve()
    assert store.delete_session(sid) is None
    assert not video.exists()


def test_a_kept_upload_is_copied_into_the_data_folder(home, tmp_path):
    store = SessionStore(home)
    sid = filled(store)
    upload = tmp_path / "Interview.MP4"
    upload.write_bytes(b"a video" * 1000)
    copy = store.keep_video(sid, upload)
    assert copy.read_bytes() == upload.read_bytes() and copy.name == f"session-{sid}.mp4"
    assert store.own_video(store.session(sid)) == copy.resolve()


@needs_root
def test_a_kept_upload_that_does_not_fit_leaves_no_part_of_it(tmp_path, tmpfs):
    full = SessionStore(tmpfs("200k") / "home")
    other = filled(full)
    big = tmp_path / "big.mp4"
    big.write_bytes(bytes(400_000))
    with pytest.raises(OSError):
        full.keep_video(other, big)
    assert list(full.videos_dir.iterdir()) == [] and full.session(other).video_path is None


def damaged(home) -> int:
    """A store whose index no longer matches its table (as after another program's edit or a
    disk fault): every row still reads, SQLite's integrity check fails. Returns its session."""
    store = SessionStore(home)
    sid = filled(store)
    store.add_events(sid, [CueEvent("head_down", 1.0, 2.0, 1.5, 0.3), CueEvent("head_down", 3.0, 4.0, 3.5, 0.4)])
    store.close()
    db = sqlite3.connect(home / "sessions.sqlite3")
    db.execute("PRAGMA writable_schema=ON")
    db.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX events_session ON events (session_id, end_s)' "
               "WHERE name = 'events_session'")
    db.commit()
    db.close()
    return sid


def test_a_damaged_store_is_said_on_reading_and_nothing_is_deleted_from_it(home):
    """Issue 21, item 15: a store that fails the integrity check was read and deleted from without a word."""
    sid = damaged(home)
    store = SessionStore(home)
    damage = store.damage()
    assert damage.startswith(f"The session store {store.path} is damaged (SQLite's integrity check: row ")
    assert "keep a copy of the file" in damage
    with pytest.raises(InputError, match=r"is damaged .* Nothing was deleted\.$"):
        store.delete_session(sid)
    assert [s.id for s in store.sessions()] == [sid] and len(store.events(sid)) == 3  # all still there
    # The command line says it once, and still lists what it can.
    out = run_cli("sessions", "list", home=home)
    assert out.returncode == 0 and out.stderr.count("is damaged") == 1
    assert [line.split()[0] for line in out.stdout.splitlines()[1:]] == [str(sid)]
    out = run_cli("sessions", "delete", str(sid), home=home)
    assert out.returncode != 0 and "Nothing was deleted." in out.stderr
    assert [s.id for s in SessionStore(home).sessions()] == [sid]


def test_a_sound_store_has_no_damage(home):
    store = SessionStore(home)
    filled(store)
    assert store.damage() is None


def _open_at_once(home: str, barrier) -> str:
    barrier.wait()
    try:
        SessionStore(home).close()
        return "ok"
    except Exception as e:  # what a second process got
        return f"{type(e).__name__}: {e}"


def test_processes_that_open_a_new_store_at_once_each_get_it(tmp_path):
    """Two processes creating the store together (the app and a batch, a batch's workers) both
    read schema 0; one failed on "table sessions already exists" (the parallel test run caught it)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(4) as pool:
        for k in range(5):
            barrier = manager.Barrier(4)
            home = str(tmp_path / f"home{k}")
            assert pool.starmap(_open_at_once, [(home, barrier)] * 4) == ["ok"] * 4
            assert sqlite3.connect(Path(home) / "sessions.sqlite3").execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_session_still_recording_is_not_deleted_and_orphans_cannot_exist(home):
    store = SessionStore(home)
    sid = store.create_session(source="video", profile_toml=default_profile().to_toml())  # this process records
    with pytest.raises(InputError, match=rf"Session {sid} is still being recorded; stop it first"):
        store.delete_session(sid)
    store.end_session(sid, duration_s=1.0)
    store.delete_session(sid)  # once ended, it goes
    store.add_frame(sid, FeatureFrame(0.0, np.zeros(len(FEATURES))))
    with pytest.raises(StoreFault, match="FOREIGN KEY"):
        store.flush()  # a row of a session that is gone is refused by the database itself


def test_migration_to_v3_removes_orphaned_rows(home):
    home.mkdir(parents=True)
    db = sqlite3.connect(home / "sessions.sqlite3")
    db.executescript(MIGRATIONS[0] + ";" + MIGRATIONS[1] + "; PRAGMA user_version = 2;")
    db.execute("INSERT INTO sessions (started_at, status, source, profile_toml) VALUES ('2026-01-01', 'complete', 'video', '')")
    db.execute("INSERT INTO events (session_id, cue, start_s, end_s, confirmed_s) VALUES (1, 'head_down', 1, 2, 1)")
    db.execute("INSERT INTO events (session_id, cue, start_s, end_s, confirmed_s) VALUES (7, 'head_down', 1, 2, 1)")
    db.commit()
    db.close()
    store = SessionStore(home)
    assert [e.cue for e in store.events(1)] == ["head_down"]
    assert sqlite3.connect(store.path).execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1


def test_a_reused_process_id_is_not_taken_for_the_owner(home):
    store = SessionStore(home)
    sid = store.create_session(source="live", profile_toml="")
    assert store.session(sid).status == "recording"  # this process, started when it did
    db = sqlite3.connect(store.path)
    db.execute("UPDATE sessions SET owner_started = '1' WHERE id = ?", (sid,))  # same id, another start
    db.commit()
    assert store.session(sid).status == "incomplete"
