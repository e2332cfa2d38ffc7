"""The opt-in recording: frames written off the caller's thread to a WebM file that OpenCV and
browsers decode; a bounded queue that drops rather than lags; a full disk is one sentence; a killed
process leaves a file that plays up to about the last second written."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from cue_trainer.footage import FootageWriter
from cue_trainer.frames import video_codec
from tests.clips import frame_times
from tests.processes import REPO


def frames(n: int, size=(640, 480)):
    w, h = size
    for i in range(n):
        img = np.zeros((h, w, 3), np.uint8)
        img[:, : (i * 7) % w] = (200, 120, 40)  # a bar that grows: every frame differs
        yield img


def decoded(path) -> tuple[int, float]:
    """(frames, seconds of the last one) as OpenCV reads the file back."""
    times = frame_times(path)
    return len(times), (times[-1] if times else 0.0)


def test_frames_are_written_with_the_session_clock_as_their_time(tmp_path):
    path = tmp_path / "s.webm"
    w = FootageWriter(path, fps=10.0, queue_frames=50)  # room for every frame: none may be dropped here
    for k, img in enumerate(frames(50)):
        assert w.write(img, 2.0 + k / 10)  # the session clock: starts after the stream connected
    w.close()
    assert w.error is None and w.written == 50 and w.dropped == 0
    assert video_codec(path) == "vp80"
    n, last_s = decoded(path)
    assert n == 51  # the first picture also stands at 0 s, before the stream connected
    assert last_s == pytest.approx(2.0 + 4.9, abs=0.15)  # the video's time is the session's time
    assert 0 < w.bytes == path.stat().st_size


def test_a_full_queue_drops_frames_and_counts_them_instead_of_waiting(tmp_path):
    w = FootageWriter(tmp_path / "s.webm", fps=30.0, queue_frames=2)
    accepted = sum(w.write(img, k / 30) for k, img in enumerate(frames(200, (1280, 720))))
    w.close()
    # Frames were dropped, so the caller never waited for the encoder (a waiting write drops none);
    # how fast a write returns is a speed, measured by make bench ([live]), not asserted here.
    assert w.dropped > 0 and accepted + w.dropped == 200
    assert w.written == accepted


def test_no_frame_waits_for_the_encoder_longer_than_a_second_at_any_rate(tmp_path):
    """A queue bounded only by a count at the nominal rate held 2.5 s of frames when a loaded
    machine analysed 6 frames a second, and a killed server lost that much of the recording. Here
    the count leaves room for every frame, and a stepped clock makes each write half a second after
    the last: as soon as a frame waits behind another, it has waited over QUEUE_S and new ones are
    dropped (a count alone dropped none)."""
    now = [0.0]
    w = FootageWriter(tmp_path / "s.webm", fps=30.0, queue_frames=1000, clock=lambda: now[0])
    accepted = 0
    for k, img in enumerate(frames(200, (1280, 720))):
        now[0] = k * 0.5
        accepted += w.write(img, k / 30)
    w.close()
    assert w.dropped > 0 and accepted + w.dropped == 200
    assert w.written == accepted


def test_the_recording_keeps_the_picture_as_given_not_what_is_drawn_on_it_after(tmp_path):
    """Issue 22, item 9: the page draws the landmark overlay onto the frame it has just handed to the
    recorder; the recording had the dots burned in."""
    import cv2

    path = tmp_path / "plain.webm"
    w = FootageWriter(path, fps=10.0, queue_frames=50)
    for k in range(20):
        img = np.full((240, 320, 3), 60, np.uint8)
        w.write(img, k / 10)
        img[:] = 255  # drawn on after the hand-over, as the overlay is
    w.close()
    capture = cv2.VideoCapture(str(path))
    means = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        means.append(float(bgr.mean()))
    capture.release()
    assert len(means) >= 15 and max(means) < 100, means  # the grey picture (60), never the white drawn on it


def test_a_full_disk_stops_the_recording_with_one_sentence(tmp_path):
    w = FootageWriter("/dev/full", fps=10.0)  # every write fails with "No space left on device"
    for k, img in enumerate(frames(40)):
        w.write(img, k / 10)
        time.sleep(0.005)
    w.close()
    assert w.error == "The disk is full, so the recording stopped; the practice and everything stored go on."
    assert not w.write(next(frames(1)), 10.0)  # stopped: nothing more is accepted


def test_closing_a_writer_that_stopped_on_a_full_disk_never_hangs():
    """The writer's thread ends on the error with its queue full; close() used to wait for room in
    that queue forever (the whole test suite hung here once)."""
    import threading

    w = FootageWriter("/dev/full", fps=10.0, queue_frames=2)
    for k, img in enumerate(frames(20)):
        w.write(img, k / 10)  # no pause: the queue is full when the thread gives up
    w._thread.join(30)  # the thread has stopped on the error (or encodes on: then close waits for it)
    closing = threading.Thread(target=w.close, daemon=True)
    closing.start()
    closing.join(60)  # a deadlock detector, not a speed limit
    assert not closing.is_alive(), "close() hung on a writer that had stopped"
    assert w.error == "The disk is full, so the recording stopped; the practice and everything stored go on."


KILLED = """
import sys, time
import numpy as np
from cue_trainer.footage import FootageWriter
w = FootageWriter(sys.argv[1], fps=10.0)
t0 = time.monotonic()
k = 0
while True:
    img = np.zeros((480, 640, 3), np.uint8); img[:, : (k * 7) % 640] = 200
    w.write(img, k / 10)
    k += 1
    print(k, flush=True)
    time.sleep(max(0.0, t0 + k / 10 - time.monotonic()))
"""


def test_a_killed_process_leaves_a_file_that_decodes_up_to_about_the_kill(tmp_path):
    path = tmp_path / "killed.webm"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    written = 0
    for line in proc.stdout:
        written = int(line)
        if written >= 60:  # six seconds of frames
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    n, last_s = decoded(path)
    assert n > 0
    print(f"killed after {written} frames ({(written - 1) / 10:.1f} s): the file decodes {n} frames, to {last_s:.1f} s")
    assert last_s >= (written - 1) / 10 - 2.0, (n, last_s, written)
