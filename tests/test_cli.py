"""The command line as a person uses it: a fresh process, a real store, real models."""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cue_trainer import InputError
from cue_trainer.labels import read_labels
from cue_trainer.recording import Recording
from cue_trainer.store import SessionStore, StoreFault, explain
from tests.clips import write_mp4
from tests.processes import REPO, analysing, loaded, needs_root, one_sentence, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def processed_home(clip, tmp_path_factory):
    """A store holding the 'moves_down' clip, then the 'steady' one, processed by the CLI."""
    home = tmp_path_factory.mktemp("home")
    outputs = [run_cli("process", str(clip(name)), "--calibration-s", "5", home=home) for name in ("moves_down", "steady")]
    return home, outputs


def test_process_prints_the_episode_table(processed_home):
    _, (down, steady) = processed_home
    assert down.returncode == 0, down.stderr
    assert "Session 1:" in down.stdout and "00:16 analysed at 10 fps" in down.stdout
    lines = down.stdout.splitlines()
    (row,) = [l for l in lines if l.startswith("Sitting lower / slumping compared with earlier")]
    assert "00:08–00:15" in row and '"I' in row  # label, start–end, the suggestion offered
    assert "Traceback" not in down.stderr
    assert "No cue episodes were detected." in steady.stdout


def test_a_baseline_longer_than_the_video_is_refused_before_anything_is_stored(clip, tmp_path):
    """Issue 22, item 8: a 16 s clip with the default 20 s baseline stored a useless session and
    warned after; now one sentence with a shorter baseline, exit 2, and no session."""
    home = tmp_path / "home"
    out = run_cli("process", str(clip("steady")), home=home)
    assert out.returncode == 2, out.stdout
    assert out.stderr.strip() == ("cue-trainer: The 20 s baseline is longer than steady.mp4 (16.0 s), so nothing "
                                  "would be left to analyse; nothing was stored. Try a 5 s baseline "
                                  "(--calibration-s 5).")
    assert json.loads(run_cli("sessions", "list", "--json", home=home).stdout) == []


def test_show_of_a_live_session_names_its_kind_and_people(home):
    """Issue 22, item 8: show printed "live: " with the names missing."""
    from cue_trainer.profiles import default_profile

    store = SessionStore(home)
    sid = store.create_session(source="live", profile_toml=default_profile().to_toml(), partner="Ann",
                               practitioner="Bo", mode="coach")
    store.end_session(sid, duration_s=3.0)
    first = run_cli("sessions", "show", str(sid), home=home).stdout.splitlines()[0]
    assert first.startswith(f"Session {sid} (complete), started ") and first.endswith(": live · coach · Ann with Bo")
    # A partner on a video call (issue 25): the picture source is said.
    call = store.create_session(source="live", profile_toml=default_profile().to_toml(), partner="Ann",
                                practitioner="Bo", mode="quiz", picture="call window")
    store.end_session(call, duration_s=3.0)
    first = run_cli("sessions", "show", str(call), home=home).stdout.splitlines()[0]
    assert first.endswith(": live · quiz · video call window · Ann with Bo")
    listed = json.loads(run_cli("sessions", "list", "--json", home=home).stdout)
    assert [d["picture"] for d in listed] == ["call window", "camera"]


def test_sessions_list_newest_first(processed_home):
    home, _ = processed_home
    out = run_cli("sessions", "list", home=home)
    assert out.returncode == 0
    rows = out.stdout.splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["2", "1"]
    data = json.loads(run_cli("sessions", "list", "--json", home=home).stdout)
    assert [d["id"] for d in data] == [2, 1]
    assert {"id", "started_at", "status", "source"} <= set(data[0])
    assert data[1]["status"] == "complete" and data[1]["source"] == "video"


def test_sessions_show(processed_home):
    home, _ = processed_home
    out = run_cli("sessions", "show", "1", home=home)
    assert out.returncode == 0
    baseline = Recording.load(SessionStore(home), 1).stretches[-1].baseline
    shown = {m[1]: float(m[2]) for m in re.finditer(r"^  (\w+)\s+(-?\d+\.\d{3})   ", out.stdout, re.M)}
    # every measured feature but the per-frame ones, each with the stored baseline value
    assert set(shown) == {"body_scale", "nose_y", "shoulder_y", "shoulder_tilt_deg", "ear_shoulder", "head_yaw_deg",
                          "head_pitch_deg", "eye_openness", "motion", "eye_openness_avg", "face_scale", "gaze_yaw_deg",
                          "others_in_view", "eye_blink", "eyes_side", "partner_absence"}
    for name, value in shown.items():
        assert value == pytest.approx(baseline[name], abs=5e-4), name
    per_cue = out.stdout.split("Per cue\n", 1)[1].splitlines()
    assert per_cue[0].split() == ["cue", "episodes", "total", "(s)", "longest", "(s)"]
    assert per_cue[1].startswith("Sitting lower / slumping compared with earlier") and per_cue[1].split()[-3] == "1"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_writes_one_file_per_table(processed_home, tmp_path, fmt):
    home, _ = processed_home
    out = run_cli("sessions", "export", "1", "--format", fmt, "--out", str(tmp_path / "out"), home=home)
    assert out.returncode == 0, out.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(f"{t}.{fmt}" for t in ("sessions", "features", "events", "marks", "suggestions", "segments", "labels"))
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    assert len(read(tmp_path / "out" / f"features.{fmt}")) == 160
    assert read(tmp_path / "out" / f"events.{fmt}").cue.tolist() == ["slumped_posture"]
    # Issue 22, item 8: a second export into the same folder overwrote the first; now it is refused.
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()}
    again = run_cli("sessions", "export", "1", "--format", fmt, "--out", str(tmp_path / "out"), home=home)
    assert again.returncode == 2 and again.stderr.strip() == (
        f"cue-trainer: {tmp_path / 'out' / f'sessions.{fmt}'} is already there (an earlier export?); nothing was "
        "written. Export into an empty folder, for example --out export-session-N, or remove the old files first.")
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()} == before


def test_delete(stored, tmp_path):
    home = stored("moves_down", "steady", into=tmp_path / "home")
    sid = "2"
    out = run_cli("sessions", "delete", sid, home=home)
    assert out.returncode == 0 and f"Deleted session {sid}" in out.stdout
    assert int(sid) not in [d["id"] for d in json.loads(run_cli("sessions", "list", "--json", home=home).stdout)]
    again = run_cli("sessions", "delete", sid, home=home)
    assert again.returncode == 2 and f"There is no session {sid}" in again.stderr


BAD = {
    "missing": lambda p: None,
    "text_as_mp4": lambda p: p.write_text("minutes of the meeting\n" * 100),
    "zero_bytes": lambda p: p.write_bytes(b""),
}


@pytest.mark.parametrize(
    "args, message",
    [
        (["process", "{missing}"], r"There is no file at .*interview\.mp4\."),  # missing file
        (["process", "{text_as_mp4}"], r"is not a video this program can read"),  # text file as .mp4
        (["process", "{zero_bytes}"], r"is not a video this program can read"),  # empty file
        (["process", "{good}", "--profile", "{bad_profile}"], r"cues\.head_down\.threshold = 500 is out of range"),
        (["process", "{good}", "--fps", "0"], r"must be a finite number greater than 0"),  # bad option value
        # a baseline outside the profile's range (one frame, or forever)
        (["process", "{good}", "--calibration-s", "0.01"], r"'0.01' must be from 3 to 600 seconds"),
        (["process", "{good}", "--calibration-s", "inf"], r"'inf' must be from 3 to 600 seconds"),
        (["sessions", "show", "99"], r"There is no session 99"),  # unknown session
        (["sessions", "export", "99", "--out", "{dir}"], r"There is no session 99"),
    ],
)
def test_bad_input_exits_2_with_one_sentence_and_stores_nothing(tmp_path, clip, args, message):
    files = {}
    for name, make in BAD.items():
        (tmp_path / name).mkdir()
        files[name] = tmp_path / name / "interview.mp4"
        make(files[name])
    files["good"] = clip("steady")
    files["bad_profile"] = tmp_path / "bad.toml"
    files["bad_profile"].write_text("[cues.head_down]\nthreshold = 500\n")
    files["dir"] = tmp_path / "out"
    home = tmp_path / "home"
    out = run_cli(*[a.format(**files) for a in args], home=home)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert out.stdout == ""
    assert re.search(message, out.stderr), out.stderr
    if (home / "sessions.sqlite3").exists():
        assert sqlite3.connect(home / "sessions.sqlite3").execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0


def test_sigkill_mid_processing_keeps_committed_frames_and_lists_incomplete(tmp_path):
    video = write_mp4(tmp_path / "long.mp4", [(90.0, {})], fps=10.0)
    home = tmp_path / "home"
    env = {**os.environ, "CUE_TRAINER_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cue_trainer", "process", str(video), "--calibration-s", "5", "--no-progress"],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    db_path = home / "sessions.sqlite3"
    seen = 0
    deadline = time.monotonic() + 120
    try:
        while seen < 100 and time.monotonic() < deadline:
            time.sleep(0.2)
            if db_path.exists():
                try:
                    seen = sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM features").fetchone()[0]
                except sqlite3.OperationalError:  # schema being created
                    pass
        assert proc.poll() is None, "processing ended before it could be killed"
        assert seen >= 100
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    kept = sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM features").fetchone()[0]
    assert seen <= kept < 900
    (info,) = json.loads(run_cli("sessions", "list", "--json", home=home).stdout)
    assert info["status"] == "incomplete"
    assert info["frames"] == kept


def test_a_sessions_own_video_shows_in_list_and_show_exports_with_video_and_goes_with_delete(home, tmp_path):
    import numpy as np

    from cue_trainer.footage import FootageWriter
    from cue_trainer.profiles import default_profile
    from cue_trainer.store import SessionStore

    store = SessionStore(home)
    sid = store.create_session(source="live", profile_toml=default_profile().to_toml())
    store.end_session(sid, duration_s=2.0)
    assert run_cli("sessions", "export", str(sid), "--out", str(tmp_path / "none"), "--with-video",
                   home=home).stderr.strip().endswith("(none was recorded or kept); nothing was written.")
    assert not (tmp_path / "none").exists()
    video = store.video_file(sid, ".webm")
    writer = FootageWriter(video, fps=10.0)
    for k in range(20):
        writer.write(np.full((240, 320, 3), 10 * k, np.uint8), k / 10)
    writer.close()
    store.set_video(sid, video)
    listed = json.loads(run_cli("sessions", "list", "--json", home=home).stdout)
    assert [s["video_path"] for s in listed] == [video.name]
    assert f"Video copy: {video} (" in run_cli("sessions", "show", str(sid), home=home).stdout
    out = tmp_path / "out"
    done = run_cli("sessions", "export", str(sid), "--out", str(out), "--with-video", home=home)
    assert done.returncode == 0, done.stderr
    assert (out / video.name).read_bytes() == video.read_bytes()
    assert run_cli("sessions", "delete", str(sid), home=home).returncode == 0
    assert not video.exists() and (out / video.name).exists()  # the export is the person's own copy


def test_a_video_name_outside_the_data_folder_is_not_exported_shown_or_deleted(home, tmp_path):
    from cue_trainer.profiles import default_profile

    store = SessionStore(home)
    sid = store.create_session(source="live", profile_toml=default_profile().to_toml())
    store.end_session(sid, duration_s=2.0)
    secret = tmp_path / "secret.txt"
    secret.write_text("the person's own file")
    with sqlite3.connect(store.path) as db:  # a damaged or shared store
        db.execute("UPDATE sessions SET video_path = ? WHERE id = ?", (str(secret), sid))
    out = tmp_path / "out"
    export = run_cli("sessions", "export", str(sid), "--out", str(out), "--with-video", home=home)
    assert export.returncode == 2 and "Traceback" not in export.stderr
    assert "uses no file outside its data folder" in export.stderr
    assert not (out / secret.name).exists()
    shown = run_cli("sessions", "show", str(sid), home=home)
    assert shown.returncode == 0 and "uses no file outside its data folder" in shown.stdout
    listed = run_cli("sessions", "list", home=home)
    assert listed.returncode == 0, listed.stderr
    deleted = run_cli("sessions", "delete", str(sid), home=home)
    assert deleted.returncode == 0 and "is left alone" in deleted.stdout
    assert secret.read_text() == "the person's own file"


@pytest.mark.slow
def test_cli_refuses_to_delete_a_session_that_process_is_writing(long_clip, home):
    writer = subprocess.Popen([sys.executable, "-m", "cue_trainer", "process", str(long_clip), "--no-progress"],
                              env={**os.environ, "CUE_TRAINER_HOME": str(home)}, cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not SessionStore(home).sessions():
            time.sleep(0.2)
        out = run_cli("sessions", "delete", "1", home=home)
        one_sentence(out, r"Session 1 is still being recorded; stop it first, then delete it\.")
        assert writer.poll() is None, "the clip was processed before the delete was tried"
    finally:
        writer.send_signal(signal.SIGINT)  # the rest of the clip adds nothing to what is checked
        _, err = writer.communicate(timeout=300)
    assert writer.returncode == 130, err
    info = SessionStore(home).session(1)  # the refused delete took nothing: the writer's rows are all there
    assert info.status == "incomplete" and 0 < info.frames < 600
    assert len(SessionStore(home).features(1)[0]) == info.frames


@pytest.mark.slow
@pytest.mark.parametrize("when, expected", [
    ("loading", r"^Stopped( before anything was stored)?\.$"),  # while numpy, OpenCV, the models load
    ("analysing", r"^Stopped; session 2 is kept as incomplete\.$"),  # its own id, not "the newest"
])
def test_ctrl_c_names_the_session_this_run_created(long_clip, home, clip, when, expected):
    assert run_cli("process", str(clip("steady")), "--calibration-s", "5", home=home).returncode == 0  # session 1
    # As from a terminal: Ctrl-C reaches the process even when this suite runs in the background
    # (where a shell starts its children with SIGINT ignored, and Python then never raises it).
    proc = subprocess.Popen([sys.executable, "-m", "cue_trainer", "process", str(long_clip), "--no-progress"],
                            env={**os.environ, "CUE_TRAINER_HOME": str(home)}, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # Wait for the moment, not for a time: a loaded machine makes each come later.
    deadline = time.monotonic() + 120
    ready = {"loading": lambda: loaded(proc.pid, "numpy"),
             "analysing": lambda: analysing(home, 2)}[when]
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    # 130, or killed by the SIGINT itself when it lands while Python starts (a shell reports 130 for both).
    assert proc.returncode in (130, -signal.SIGINT), err
    assert "Traceback" not in err and "session 1" not in err
    assert re.search(expected, err.strip()), err
    statuses = {s.id: s.status for s in SessionStore(home).sessions()}
    assert statuses[1] == "complete"
    if when == "analysing":
        assert statuses[2] == "incomplete"


@pytest.mark.parametrize("args", [
    ["sessions", "show", str(2**63)], ["sessions", "export", str(2**64), "--out", "x"],
    ["sessions", "score", "9" * 30], ["sessions", "delete", str(2**63)],
])
def test_huge_session_ids_are_one_sentence(home, args):
    one_sentence(run_cli(*args, home=home), r"there is no session \d+")


@pytest.fixture
def one_session(stored, home) -> Path:
    return stored("moves_down", into=home)


@needs_root
def test_export_into_a_read_only_folder(one_session, tmpfs):
    out = tmpfs("1m", readonly=True)
    one_sentence(run_cli("sessions", "export", "1", "--out", str(out), home=one_session), r"cannot be written")
    one_sentence(run_cli("sessions", "export", "1", "--out", str(out / "new"), home=one_session),
                 r"cannot be created")


@needs_root
def test_export_onto_a_full_disk_leaves_no_half_written_file(one_session, tmpfs):
    out = tmpfs("8k")
    result = run_cli("sessions", "export", "1", "--out", str(out), "--format", "csv", home=one_session)
    one_sentence(result, r"features\.csv cannot be written \(No space left on device\)")
    assert not [p for p in out.iterdir() if p.name.startswith("features")]  # neither the file nor its part


@needs_root
@pytest.mark.slow
def test_a_disk_that_fills_up_during_process(long_clip, tmpfs):
    home = tmpfs("600k")
    out = run_cli("process", str(long_clip), "--no-progress", home=home)
    one_sentence(out, r"The disk is full, so the session store could not be written; what was stored before is kept")
    (info,) = json.loads(run_cli("sessions", "list", "--json", home=home).stdout)
    assert info["status"] == "incomplete" and info["frames"] > 0  # what was committed stays


def test_a_store_damaged_in_the_middle(one_session):
    path = one_session / "sessions.sqlite3"
    SessionStore(one_session).close()  # checkpoint the log into the file
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle: middle + 8192] = os.urandom(8192)
    path.write_bytes(bytes(data))
    for wal in one_session.glob("sessions.sqlite3-*"):
        wal.unlink()
    out = run_cli("sessions", "show", "1", home=one_session)
    one_sentence(out, r"is damaged \(|cannot be opened \(")


def test_delete_while_another_program_holds_a_write_lock(one_session):
    holder = sqlite3.connect(one_session / "sessions.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another client writing, for longer than the store waits
    store = SessionStore(one_session, busy_timeout_s=1.0)  # the CLI's store waits 30 s (BUSY_TIMEOUT_S)
    try:
        with pytest.raises(StoreFault) as fault:
            store.delete_session(1)
    finally:
        holder.execute("ROLLBACK")
    assert explain(fault.value, busy_timeout_s=1.0) == (
        "The session store is busy: another program has held it locked for over 1 s. Try again when it is done.")
    assert [s.id for s in SessionStore(one_session).sessions()] == [1]


@pytest.mark.parametrize("kind", ["devnull", "fifo"])
def test_devices_and_pipes_are_not_regular_files(tmp_path, home, kind):
    if kind == "devnull":
        path = Path("/dev/null")
    else:
        path = tmp_path / "pipe.mp4"
        os.mkfifo(path)
    one_sentence(run_cli("process", str(path), home=home, timeout=60), r"is not a regular file")
    one_sentence(run_cli("process", "x.mp4", "--profile", str(path), home=home, timeout=60),
                 r"The profile file .* is not a regular file")
    with pytest.raises(InputError, match="is not a regular file"):
        read_labels(path)
