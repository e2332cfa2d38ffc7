"""Regression tests for the red-team pass (issue 10): each fault found gets one clear sentence and
loses nothing. Real files, real processes and signals, real mounts (a small tmpfs, as root)."""
import json
import re
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cue_trainer import InputError
from cue_trainer.features import FEATURES, FeatureFrame
from cue_trainer.labels import MAX_LABELS, read_labels
from cue_trainer.profiles import default_profile
from cue_trainer.records import Label
from cue_trainer.store import MIGRATIONS, SessionStore, StoreFault
from cue_trainer.videos import UPLOAD_PREFIX, ctrl_c_between_frames, remove_stale_uploads
from tests.clips import CLIPS, write_mp4, write_sideways_mp4
from tests.processes import REPO, run_cli, run_script

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="mounting a tmpfs needs root")


def one_sentence(out: subprocess.CompletedProcess, pattern: str) -> None:
    """Exit status 2, one line on stderr matching ``pattern``, no traceback."""
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert re.search(pattern, lines[0]), lines[0]


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a small tmpfs: ``mount(size, readonly=False)`` returns its folder; unmounted after."""
    mounted = []

    def mount(size: str, readonly: bool = False) -> Path:
        d = tmp_path / f"mnt{len(mounted)}"
        d.mkdir()
        opts = f"size={size}" + (",ro" if readonly else "")
        subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(d)], check=True)
        mounted.append(d)
        return d

    yield mount
    for d in mounted:
        subprocess.run(["umount", "-l", str(d)], check=False)


@pytest.fixture(scope="module")
def long_clip(clip_dir) -> Path:
    """A 60 s clip: long enough to act on a `process` while it runs."""
    path = clip_dir / "long.mp4"
    if not path.exists():
        write_mp4(path, [(60.0, {})], fps=10.0)
    return path


# -- 2. deleting a session while it is recorded; no orphaned rows -------------------------------

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
    finally:
        _, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err
    info = SessionStore(home).session(1)
    assert info.status == "complete" and info.frames == 600


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


# -- 3. process_folder arguments ------------------------------------------------------------------

@pytest.mark.parametrize(
    "args, message",
    [
        (["--calibration-s", "0"], r"'0' must be from 3 to 600 seconds"),  # crashed the batch before
        (["--calibration-s", "-5"], r"'-5' must be from 3 to 600 seconds"),
        (["--workers", "-3"], r"'-3' must be 1 or more"),  # a ValueError traceback before
        (["--fps", "nan"], r"must be a finite number greater than 0"),
    ],
)
def test_process_folder_validates_its_arguments_like_the_cli(tmp_path, args, message):
    out = run_script("pipelines/process_folder.py", str(tmp_path), "--home", str(tmp_path / "home"), *args)
    one_sentence(out, message)
    assert not (tmp_path / "home").exists()


# -- 4. Ctrl-C reports this run's own session -----------------------------------------------------

def loaded(pid: int, library: str) -> bool:
    """Whether process ``pid`` has a shared library whose path contains ``library`` mapped."""
    try:
        return library in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


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


def analysing(home: Path, n: int) -> bool:
    """Whether ``n`` sessions have frames stored (their workers are analysing)."""
    try:
        return sum(s.frames > 0 for s in SessionStore(home).sessions()) >= n
    except Exception:  # the store is still being created
        return False


@pytest.mark.slow
@pytest.mark.parametrize("when", ["loading", "analysing"])  # while the modules load; while both workers analyse
def test_ctrl_c_stops_a_folder_batch_with_one_sentence_and_its_sessions_incomplete(tmp_path, long_clip, when):
    # A terminal sends Ctrl-C to the whole process group: the batch and its worker processes. A
    # worker that was still importing printed a traceback; now the workers leave Ctrl-C to the batch.
    videos = tmp_path / "videos"
    videos.mkdir()
    for name in ("a.mp4", "b.mp4"):
        (videos / name).write_bytes(long_clip.read_bytes())
    home = tmp_path / "home"
    proc = subprocess.Popen([sys.executable, "pipelines/process_folder.py", str(videos), "--home", str(home),
                             "--workers", "2"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    if when == "loading":  # the press lands while the batch loads its modules and starts its workers
        deadline = time.monotonic() + 120
        while not loaded(proc.pid, "numpy") and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    else:  # waited for, not timed: on a loaded machine the models take longer to load
        deadline = time.monotonic() + 300
        while not analysing(home, 2) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert analysing(home, 2), "the two workers never both analysed"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    said = [line for line in err.splitlines() if line.strip() and not line.startswith("Processing:")]
    assert len(said) == 1 and re.fullmatch(r"process_folder: Stopped(; the videos finished are stored, and running "
                                           r"the same command again processes the rest)?\.", said[0]), err
    sessions = SessionStore(home).sessions() if home.exists() else []
    # Each ended by its worker ("interrupted"), not left open by a killed one, and none as if whole.
    assert all((s.status, s.note) == ("incomplete", "Processing was interrupted.") for s in sessions), sessions
    if when == "analysing":
        assert len(sessions) == 2, err  # both were being analysed


def test_ctrl_c_waits_for_the_end_of_the_frame_and_a_second_press_does_not():
    # CI once caught a press landing inside MediaPipe's Image constructor: its clean-up printed
    # a traceback after "Stopped; ...". Inside a frame, a press is only noted.
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    with ctrl_c_between_frames() as stop_if_asked:
        stop_if_asked()  # nothing pressed: the frame loop goes on
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler has run: a frame in progress is not cut
        with pytest.raises(KeyboardInterrupt):
            stop_if_asked()  # at the frame's end
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)  # a second press: at once, for a frame that hangs
            time.sleep(1)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Python's own again afterwards
    with ctrl_c_between_frames(stop=lambda: True) as stop_if_asked:  # a batch's worker, told by its batch
        with pytest.raises(KeyboardInterrupt):
            stop_if_asked()


# -- 5. one sentence where tracebacks were ----------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["sessions", "show", str(2**63)], ["sessions", "export", str(2**64), "--out", "x"],
    ["sessions", "score", "9" * 30], ["sessions", "delete", str(2**63)],
])
def test_huge_session_ids_are_one_sentence(home, args):
    one_sentence(run_cli(*args, home=home), r"there is no session \d+")


def test_import_labels_with_a_huge_session_id(home, tmp_path):
    labels = tmp_path / "l.csv"
    labels.write_text("cue,start_s,end_s\nhead_down,1,2\n")
    one_sentence(run_script("pipelines/import_labels.py", str(2**63), str(labels), "--home", str(home)),
                 r"there is no session")


@pytest.fixture
def one_session(clip, home) -> Path:
    assert run_cli("process", str(clip("moves_down")), "--calibration-s", "5", home=home).returncode == 0
    return home


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


@pytest.mark.slow
def test_delete_while_another_program_holds_a_write_lock(one_session):
    holder = sqlite3.connect(one_session / "sessions.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another client writing, for longer than the store waits (30 s)
    try:
        out = run_cli("sessions", "delete", "1", home=one_session, timeout=120)
    finally:
        holder.execute("ROLLBACK")
    one_sentence(out, r"is busy: another program has held it locked for over 30 s")
    assert [s.id for s in SessionStore(one_session).sessions()] == [1]


# -- 7, 8. what could not be seen; rotation --------------------------------------------------------

def test_framing_notes_say_what_is_hidden_and_what_to_do():
    """A dark picture in which the face is found but no body (shoulders, hands): the note names
    what is hidden, the cues that therefore can't be noticed, and what to change."""
    from cue_trainer.baseline import Baseline
    from cue_trainer.features import INDEX
    from cue_trainer.framing import framing_of

    X = np.full((100, len(FEATURES)), np.nan)
    X[:, INDEX["present"]] = 1.0
    X[:, INDEX["head_yaw_deg"]], X[:, INDEX["head_pitch_deg"]], X[:, INDEX["eye_openness"]] = 2.0, 10.0, 0.3
    X[:, INDEX["eye_openness_avg"]] = 0.3
    notes = framing_of(X, Baseline().fit(X)).notes()
    text = " ".join(notes)
    assert "Hands out of view or hidden 100 % of the time: “Hand at face” can't be noticed; move back a little" in text
    assert "Head and shoulders out of view or hidden 100 % of the time: “Sitting lower”" in text
    assert "Looking away" not in text  # the face was seen


@pytest.mark.slow
def test_process_says_when_the_person_was_mostly_out_of_view(clip, home):
    out = run_cli("process", str(clip("goes_dark")), "--calibration-s", "5", home=home)
    assert out.returncode == 0
    assert re.search(r"The person was in view in only \d+ % of the analysed time\.", out.stdout), out.stdout


@pytest.mark.slow
def test_a_phone_video_with_a_rotation_tag_is_analysed_upright(tmp_path, home):
    """Pixels stored sideways plus a "rotate 90°" tag: analysed as shown, upright; the same pixels
    without the fix would read as lying down (leaning_back) and turning away."""
    video = write_sideways_mp4(tmp_path / "phone.mp4", CLIPS["steady"])
    out = run_cli("process", str(video), "--calibration-s", "5", home=home)
    assert out.returncode == 0, out.stderr
    assert "sideways" not in out.stdout
    events = [line for line in out.stdout.splitlines() if line.startswith(("Leaning back", "Looking away"))]
    assert events == []  # what a sideways reading would give
    show = run_cli("sessions", "show", "1", home=home).stdout
    tilt = float(next(line.split()[1] for line in show.splitlines() if line.strip().startswith("shoulder_tilt_deg")))
    assert abs(tilt) < 20


@pytest.mark.slow
def test_a_person_turned_sideways_in_the_pixels_gets_a_warning(tmp_path, home, clip):
    from tests.clips import tag_rotation

    video = tmp_path / "turned.mp4"
    video.write_bytes(clip("steady").read_bytes())
    tag_rotation(video, 90)  # now shown on its side
    out = run_cli("process", str(video), "--calibration-s", "5", home=home)
    assert "the picture may be sideways, or the person lying down" in " ".join(out.stdout.split())


# -- 9. process_folder: empty folder, killed worker, relative paths -----------------------------------

def test_an_empty_folder_is_one_sentence(tmp_path):
    out = run_script("pipelines/process_folder.py", str(tmp_path), "--home", str(tmp_path / "home"))
    one_sentence(out, r"There are no videos \(\.mp4, .*\) in ")


@pytest.mark.slow
def test_a_video_processed_by_relative_path_is_not_processed_again(clip, tmp_path):
    folder = tmp_path / "videos"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(clip("steady").read_bytes())
    home = tmp_path / "home"
    ran = subprocess.run([sys.executable, "-m", "cue_trainer", "process", "a.mp4", "--calibration-s", "5"],
                         cwd=folder, env={**os.environ, "CUE_TRAINER_HOME": str(home)}, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    out = run_script("pipelines/process_folder.py", str(folder), "--home", str(home), "--calibration-s", "5")
    assert out.returncode == 0 and out.stdout.split()[0] == "skipped", out.stdout


def recording(home: Path) -> int:
    """How many sessions of the store in ``home`` are being recorded now."""
    with SessionStore(home) as store:
        return sum(s.status == "recording" for s in store.sessions())


@pytest.mark.slow
def test_a_killed_worker_does_not_abort_the_batch(clip_dir, tmp_path):
    # 20 s each: the kill comes as soon as both workers analyse (a condition), well inside that.
    clip = clip_dir / "twenty.mp4"
    if not clip.exists():
        write_mp4(clip, [(20.0, {})], fps=10.0)
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.mp4").write_bytes(clip.read_bytes())
    proc = subprocess.Popen([sys.executable, "pipelines/process_folder.py", str(folder), "--workers", "2",
                             "--calibration-s", "5", "--home", str(tmp_path / "home")], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Once both workers are analysing (their sessions are in the store), one of them is killed.
    home = tmp_path / "home"
    deadline = time.monotonic() + 300
    while not (home.exists() and recording(home) == 2):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"the workers never both analysed: {out}{err}")
        time.sleep(0.2)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    workers = [int(c) for c in children
               if "spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes().decode(errors="replace")]
    assert workers, "no worker process found"
    os.kill(workers[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=600)
    assert "Traceback" not in err and "BrokenProcessPool" not in err, err
    rows = [line.split() for line in out.splitlines()]
    assert sorted(r[1].rsplit("/", 1)[1] for r in rows) == ["a.mp4", "b.mp4", "c.mp4"]  # each reported
    sessions = SessionStore(tmp_path / "home").sessions()
    assert sorted(Path(s.source_path).name for s in sessions if s.status == "complete") == ["a.mp4", "b.mp4", "c.mp4"]
    # Issue 21, item 13: one session per video; the partial ones the broken pool left are gone.
    assert len(sessions) == 3, [(s.id, s.source_path, s.status) for s in sessions]


# -- 10. tune.py refuses instead of writing a useless profile ---------------------------------------

@pytest.fixture
def tuned_home(clip, home) -> Path:
    assert run_cli("process", str(clip("moves_down")), "--calibration-s", "5", home=home).returncode == 0
    return home


@pytest.mark.parametrize(
    "truth, args, message",
    [
        (False, [], r"The sessions hold no labels or marks of slumped_posture"),  # no ground truth at all
        (True, ["--thresholds", "1:2:0"], r"asks for 0 thresholds; give 1 to 1000"),  # an empty grid
        (True, ["--thresholds", "0.3,5"], r"thresholds of slumped_posture must lie in 0.05..2, but got 5"),
        (True, ["--name", "../../x"], r"must be a plain name"),
    ],
)
def test_tune_refuses_and_writes_nothing(tuned_home, truth, args, message):
    if truth:
        SessionStore(tuned_home).add_mark(1, 9.0, "slumped_posture")
    out = run_script("pipelines/tune.py", "--home", str(tuned_home), "--sessions", "1", "--cues", "slumped_posture",
                     *args)
    one_sentence(out, message)
    assert not (tuned_home / "profiles").exists() and not (tuned_home.parent / "x.toml").exists()


def test_tune_refuses_when_no_setting_finds_anything(tuned_home):
    store = SessionStore(tuned_home)
    store.set_labels(1, [Label("slumped_posture", 100.0, 101.0)])  # a label no episode can match
    out = run_script("pipelines/tune.py", "--home", str(tuned_home), "--sessions", "1", "--cues", "slumped_posture",
                     "--truth", "labels")
    one_sentence(out, r"no setting detects any true episode \(F1 is 0 everywhere\); no profile was written")
    assert not (tuned_home / "profiles").exists()


# -- 11. labels past the end; huge label files ------------------------------------------------------

def test_labels_past_the_sessions_end_are_refused_naming_the_line(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("cue,start_s,end_s\nhead_down,1,2\nhead_down,120,130\n")
    with pytest.raises(InputError, match=r"line 3: the episode starts at 120 s, after the session's end \(16\.0 s\)"):
        read_labels(path, session_end_s=16.0)


def test_a_huge_label_file_is_capped_in_one_sentence(tmp_path):
    path = tmp_path / "many.csv"
    with open(path, "w") as f:
        f.write("cue,start_s,end_s\n")
        f.writelines(f"head_down,{i},{i + 1}\n" for i in range(MAX_LABELS + 5))
    with pytest.raises(InputError, match=r"holds more than 100,000 labels; split it"):
        read_labels(path)


# -- 12. leftovers of a crash -------------------------------------------------------------------------

def test_uploads_left_by_a_killed_process_are_removed_on_start(tmp_path, home, monkeypatch):
    dead = subprocess.Popen(["true"])
    dead.wait()  # a process id that no longer runs
    stale = tmp_path / f"{UPLOAD_PREFIX}{dead.pid}-0-abc"
    stale.mkdir()
    (stale / "interview.mp4").write_bytes(b"x" * 1000)
    mine = tmp_path / f"{UPLOAD_PREFIX}{os.getpid()}-0-def"  # this process is alive: kept
    mine.mkdir()
    assert remove_stale_uploads(tmp_path) == [stale]
    assert not stale.exists() and mine.exists()
    # The Process page does it when it loads (in the real temp folder).
    real = Path(os.environ.get("TMPDIR", "/tmp")) / f"{UPLOAD_PREFIX}{dead.pid}-0-xyz"
    real.mkdir()
    monkeypatch.setenv("CUE_TRAINER_HOME", str(home))
    AppTest.from_file(str(REPO / "cue_trainer/app/pages/process.py"), default_timeout=60).run()
    assert not real.exists()


def test_a_reused_process_id_is_not_taken_for_the_owner(home):
    store = SessionStore(home)
    sid = store.create_session(source="live", profile_toml="")
    assert store.session(sid).status == "recording"  # this process, started when it did
    db = sqlite3.connect(store.path)
    db.execute("UPDATE sessions SET owner_started = '1' WHERE id = ?", (sid,))  # same id, another start
    db.commit()
    assert store.session(sid).status == "incomplete"


def test_the_export_of_a_killed_session_says_incomplete_and_keeps_owner_and_path_out(home, tmp_path):
    store = SessionStore(home)
    sid = store.create_session(source="video", source_path="/home/ann/private/interview.mp4", profile_toml="")
    db = sqlite3.connect(store.path)
    db.execute("UPDATE sessions SET owner_pid = 999999 WHERE id = ?", (sid,))  # its process is gone
    db.commit()
    store.export(sid, tmp_path / "out", "csv")
    text = (tmp_path / "out" / "sessions.csv").read_text()
    header, row = text.splitlines()[:2]
    assert "owner" not in header and "incomplete" in row and "recording" not in row
    assert "interview.mp4" in row and "/home/ann" not in row


# -- 13. devices and pipes are not "a folder" --------------------------------------------------------

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
