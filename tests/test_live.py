"""LiveSession: the shared state of a live practice, with a real detector, store and photo frames,
and a stepped clock instead of waiting in real time."""
import time

import numpy as np
import pytest

from tests.clips import astronaut_canvas, frame_times, place
from tests.processes import fill_up
from cue_trainer.app.video import ABANDONED_NOTE
from cue_trainer.features import INDEX
from cue_trainer.detector import LandmarkDetector
from cue_trainer.live import LiveSession, end_running
from cue_trainer.profiles import default_profile
from cue_trainer.store import SessionStore


class SteppedClock:
    """A monotonic clock the test moves forward."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture(scope="module")
def detector():
    d = LandmarkDetector()
    yield d
    d.close()


@pytest.fixture(scope="module")
def photos():
    canvas = astronaut_canvas()
    return {"steady": canvas, "down": place(canvas, dy=0.2)}


def make(home, detector, **kw):
    clock = SteppedClock()
    live = LiveSession(store=SessionStore(home), profile=default_profile(), partner="Ann", practitioner="Bo",
                       calibration_s=2.0, detector=detector, clock=clock, **kw)
    return live, clock


def feed(live, clock, rgb, seconds, fps, jitter=0.0, seed=0):
    rng = np.random.default_rng(seed)
    analysed = 0
    for _ in range(int(round(seconds * fps))):
        clock.now += 1.0 / fps + rng.uniform(-jitter, jitter)
        analysed += live.process(rgb) is not None
    return analysed


def test_phases_cues_and_a_suggestion(home, detector, photos):
    live, clock = make(home, detector)
    assert live.snapshot().phase == "waiting"
    feed(live, clock, photos["steady"], 1.0, 15)
    snap = live.snapshot()
    assert snap.phase == "calibrating" and 0 < snap.calibration_left_s <= 2.0
    feed(live, clock, photos["steady"], 2.0, 15)
    snap = live.snapshot()
    assert snap.phase == "practising" and snap.baseline["nose_y"] == pytest.approx(0.25, abs=0.05)
    assert snap.states["slumped_posture"].status == "inactive"
    feed(live, clock, photos["down"], 4.0, 15)
    snap = live.snapshot()
    assert snap.states["slumped_posture"].status == "active"
    suggestion = snap.suggestion
    assert suggestion.cue == "slumped_posture" and suggestion.id is not None
    live.respond(suggestion.id, "asked")
    assert live.snapshot().suggestion is None
    assert [s.response for s in live.store.suggestions(live.session_id)] == ["asked"]
    feed(live, clock, np.zeros_like(photos["steady"]), 1.0, 15)  # the light goes out
    state = live.snapshot().states["slumped_posture"]
    assert state.status == "unknown" and state.reason == "can't see head and shoulders"


@pytest.mark.parametrize(
    "camera_fps, jitter, expected_share",
    [
        (15, 0.01, 1.0),  # a camera at the cap, with jitter: every frame analysed
        (30, 0.0, 0.5),  # twice the cap: every other frame
        (60, 0.002, 0.25),
    ],
)
def test_analysis_rate_is_capped_without_halving_a_camera_at_the_cap(home, detector, photos, camera_fps, jitter,
                                                                       expected_share):
    live, clock = make(home, detector, max_fps=15)
    analysed = feed(live, clock, photos["steady"], 2.0, camera_fps, jitter)
    assert analysed / (2.0 * camera_fps) == pytest.approx(expected_share, abs=0.05)
    snap = live.snapshot()
    assert snap.frames_received == 2 * camera_fps and snap.frames_analysed == analysed


def test_marks_pause_and_stop(home, detector, photos):
    live, clock = make(home, detector)
    feed(live, clock, photos["steady"], 3.0, 15)
    clock.now += 0.5
    t = live.mark("head_down")
    live.mark(None, "smiled at the joke")
    live.pause()
    assert feed(live, clock, photos["down"], 5.0, 15) == 0  # paused: nothing analysed or recorded
    live.resume()
    feed(live, clock, photos["steady"], 1.0, 15)
    sid = live.stop()
    first, second = live.store.marks(sid)
    assert (first.cue, first.note) == ("head_down", None) and (second.cue, second.note) == (None, "smiled at the joke")
    assert first.t == pytest.approx(t)
    info = live.store.session(sid)
    assert info.status == "complete" and info.frames == 60 and info.partner == "Ann"
    assert [s.kind for s in live.store.segments(sid)] == ["calibration", "pause"]
    assert live.process(photos["steady"]) is None  # after stop nothing more is recorded
    with pytest.raises(ValueError, match="cue must be one of"):
        live.mark("sadness")


def test_a_stream_that_never_sent_a_picture_leaves_nothing_stored(home, detector, photos):
    """Issue 22, item 6: a stuck start left an "incomplete 00:00" session in every list."""
    live, clock = make(home, detector)
    clock.now += 11.0  # no frame in the connect timeout
    assert live.discard_unconnected() and live.ended
    assert live.store.sessions() == []
    live, clock = make(home, detector)
    feed(live, clock, photos["steady"], 0.2, 15)
    assert not live.discard_unconnected() and not live.ended  # a picture came: kept, still running
    assert [s.id for s in live.store.sessions()] == [live.session_id]
    live.stop()


def test_a_stream_that_ends_without_stop_is_kept_as_incomplete(home, detector, photos):
    live, clock = make(home, detector)
    feed(live, clock, photos["steady"], 1.0, 15)
    live.abandon(ABANDONED_NOTE)
    info = live.store.session(live.session_id)
    assert info.status == "incomplete" and info.frames == 15
    assert "before Stop" in live.store.session_field(live.session_id, "note")


def test_a_closed_tab_whose_pictures_stopped_ends_the_session_without_the_stream_ending(home, detector, photos,
                                                                                         monkeypatch):
    """A browser that goes away without closing its WebRTC connection: the stream's end (on_ended)
    comes only when WebRTC's consent check fails, about 30 s later (the closing-tab browser test took
    40 s in some runs). The processor watches its tab: closed, and no picture for ABANDON_GRACE_S."""
    from cue_trainer.app import video

    monkeypatch.setattr(video, "ABANDON_GRACE_S", 0.2)
    live, clock = make(home, detector)
    processor = video.PracticeProcessor(live, overlay=False, browser="a-tab-no-longer-connected")
    for _ in range(5):
        clock.now += 0.1
        processor.landmarks(photos["steady"])
    deadline = time.monotonic() + 60  # a condition, not a time: the test waits only as long as it takes
    while not live.ended and time.monotonic() < deadline:
        time.sleep(0.05)
    info = live.store.session(live.session_id)
    assert info.status == "incomplete" and info.frames == 5
    assert live.store.session_field(live.session_id, "note") == video.ABANDONED_NOTE


def test_a_recording_holds_the_analysed_frames_and_nothing_while_paused(home, detector, photos):
    live, clock = make(home, detector, record=True, max_fps=10.0)
    assert live.snapshot().recording

    def in_real_time(rgb, seconds):
        # The recorder keeps a second of frames at most: feed it at the camera's pace, as live.
        analysed = 0
        for _ in range(int(seconds * 10)):
            started = time.monotonic()
            analysed += feed(live, clock, rgb, 0.1, 10)
            time.sleep(max(0.0, started + 0.1 - time.monotonic()))
        return analysed

    analysed = in_real_time(photos["steady"], 3.0)
    live.pause()
    assert in_real_time(photos["down"], 2.0) == 0  # paused: not analysed, not recorded
    live.resume()
    analysed += in_real_time(photos["steady"], 2.0)
    live.stop()
    video = live.store.own_video(live.store.session(live.session_id))
    assert live.footage.written == analysed and live.footage.dropped == 0 and live.footage.error is None
    times = frame_times(video)
    assert len(times) == analysed + 1  # plus the first picture standing at 0 s
    # The pause is a gap in the video's time, which stays the session's time.
    gaps = np.diff(times)
    assert gaps.max() == pytest.approx(2.1, abs=0.15) and times[-1] == pytest.approx(7.0, abs=0.15)


def test_another_person_in_view_is_shown_and_the_partner_stays_the_one_described(home):
    """Someone who comes into view after the baseline is a state on the status line, never a cue;
    once the partner has left, the one still in view is not described in their place."""
    from tests.clips import SCENES

    live, clock = make(home, None)  # a detector of its own: whom it follows belongs to this stream
    try:
        feed(live, clock, SCENES["partner"](), 3.0, 10)
        snap = live.snapshot()
        assert snap.phase == "practising" and not snap.others_in_view and snap.partner_in_view
        feed(live, clock, SCENES["both"](), 3.0, 10)
        snap = live.snapshot()
        assert snap.others_in_view and snap.partner_in_view
        assert not any(s.status == "active" for s in snap.states.values())
        feed(live, clock, SCENES["other"](), 3.0, 10)
        snap = live.snapshot()
        assert snap.others_in_view and not snap.partner_in_view
    finally:
        live.stop()
    _, X = live.store.features(live.session_id)
    assert X[:25, INDEX["others_in_view"]].max() == 0 and X[-20:, INDEX["present"]].max() == 0
    assert [e.cue for e in live.store.events(live.session_id)] in ([], ["out_of_view"])


def test_a_store_removed_while_recording_is_said_at_stop_not_saved(home, detector, photos):
    """Issue 21, item 7: the file removed under an open store takes the writes and vanishes with
    them; Stop says so instead of "saved"."""
    live, clock = make(home, detector)
    feed(live, clock, photos["steady"], 1.0, 15)
    (home / "sessions.sqlite3").unlink()
    feed(live, clock, photos["steady"], 1.0, 15)
    sid = live.stop()
    assert live.fault == (f"The session store {home / 'sessions.sqlite3'} was removed while this session was being "
                          "recorded, so nothing of it could be kept.")
    assert sid not in {s.id for s in SessionStore(home).sessions()}


@pytest.mark.skipif(__import__("os").geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_disk_ends_the_session_truthfully_and_keeps_what_was_stored(tmp_path, detector, photos):
    """Issue 21, item 6: on a real tmpfs that fills up while practising, the session ends with one
    sentence (when, why, what is kept); marks and Stop raise nothing; the rows committed stay."""
    import subprocess

    mnt = tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], check=True)
    try:
        live, clock = make(mnt, detector)
        feed(live, clock, photos["steady"], 3.0, 15)  # past the baseline, committed
        kept = len(SessionStore(mnt).features(live.session_id)[0])
        assert kept > 0
        filler = fill_up(mnt)  # the disk fills up
        deadline = time.monotonic() + 120
        while live.snapshot().phase != "ended":  # the next commit fails
            assert time.monotonic() < deadline, "the full disk was never noticed"
            clock.now += 1 / 15
            live.process(photos["steady"])
        snap = live.snapshot()
        assert snap.error.startswith("Recording stopped at 00:0") and "The disk is full" in snap.error, snap.error
        assert "what was stored before is kept" in snap.error
        assert snap.error.endswith("The session is listed as incomplete.")
        live.mark("slumped_posture")  # no traceback: the mark is lost and the page says why
        sid = live.stop()  # the disk is still full: the row cannot be closed yet
        assert live.fault == snap.error
        filler.unlink()
        assert SessionStore(mnt).session(sid).status == "recording"  # its process (this one) still runs
        assert sid in end_running()  # what the app does as it shuts down: now there is room
        store = SessionStore(mnt)
        assert len(store.features(sid)[0]) >= kept  # what was committed is kept
        info = store.session(sid)
        assert (info.status, info.note) == ("incomplete", snap.error)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
