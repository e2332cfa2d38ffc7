"""Benchmarks (``make bench``). Not collected by pytest; prints the figures the issues ask for.

1. Per-frame cost, side by side on the same 640×480 frames: bare MediaPipe Tasks inference
   (PoseLandmarker full + FaceLandmarker + HandLandmarker, two people) vs everything we add (partner choice, features,
   baseline, cues, coach, store), and the old backend's figures recorded before the port
   (``legacy_backend.json``). Target: our overhead <= 5 % of inference.
2. Batch cue engine replay on recorded-like features. Target: >= 1,000,000 frames/s.
3. ``process`` on a 60 s clip at the default analysis rate, as a multiple of real time.
4. Sweeping 100 thresholds of one cue over one hour of 15 fps features. Target: under 1 s.
5. Batch processing of a folder on 2 cores, serial vs parallel, as multiples of real time.
7. Local pool vs Ray on the same 4 clips, and one long clip in chunks (Ray's start-up apart); the
   cost of one 60 s chunk on a worker and the driver's stitching and writing rate, for the
   scaling estimate to N machines.
6. Live analysis with the opt-in recording off and on, side by side: a 15 fps camera fed in real
   time to a ``LiveSession`` (no browser on the machine here), analysed frames per second, frames
   the recorder dropped, and the recording's size per minute. Target: recording costs <= 10 % of
   the analysed frames per second.
"""
from __future__ import annotations

import json
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from cue_trainer.analysis import Analysis
from cue_trainer.cues import detect_events
from cue_trainer.features import FEATURES, INDEX
from cue_trainer.detector import quiet_native_stderr
from cue_trainer.landmarks import Detections
from cue_trainer.profiles import default_profile
from cue_trainer.store import SessionStore
from cue_trainer.videos import process_video
from tests.clips import frames, write_mp4

FPS = 10.0
# A clip with movement so tracking, features and cues all do real work.
STEPS = [(10.0, {}), (5.0, {"dy": 0.1}), (5.0, {"scale": 0.8}), (5.0, {"angle": 20.0}), (5.0, {})]


def per_frame(tmp: Path) -> None:
    # The reference: MediaPipe alone, as a bare loop would call it (the same models and options as
    # the detector, run one after the other).
    from mediapipe import Image, ImageFormat
    from mediapipe.tasks.python import BaseOptions, vision

    from cue_trainer.detector import (FACE_MODEL, HAND_CONFIDENCE, HAND_MODEL, MAX_BODIES, MAX_FACES, MAX_HANDS, POSE_MODEL,
                                      read_model)
    from cue_trainer.partner import PartnerTracker, PoseSmoother, partner_of

    clip = list(frames(STEPS, FPS))
    video = vision.RunningMode.VIDEO
    with quiet_native_stderr():  # MediaPipe's start-up notices are not benchmark output
        pose = vision.PoseLandmarker.create_from_options(vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=read_model(POSE_MODEL)), running_mode=video, num_poses=MAX_BODIES))
        face = vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=read_model(FACE_MODEL)), running_mode=video, num_faces=MAX_FACES,
            output_face_blendshapes=True))
        hands = vision.HandLandmarker.create_from_options(vision.HandLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=read_model(HAND_MODEL)), running_mode=video, num_hands=MAX_HANDS,
            min_hand_detection_confidence=HAND_CONFIDENCE, min_hand_presence_confidence=HAND_CONFIDENCE,
            min_tracking_confidence=HAND_CONFIDENCE))
    store = SessionStore(tmp / "home")
    profile = default_profile()
    sid = store.create_session(source="video", profile_toml=profile.to_toml())
    analysis = Analysis(profile, recorder=store.recorder(sid), calibration_s=5.0)
    tracker, smooth = PartnerTracker(), PoseSmoother()
    inference, pose_face, ours = [], [], []
    with quiet_native_stderr():
        for i, rgb in enumerate(clip * 2):
            t = i / FPS
            t0 = time.perf_counter()
            image = Image(image_format=ImageFormat.SRGB, data=rgb)
            p = pose.detect_for_video(image, int(t * 1000))
            f = face.detect_for_video(image, int(t * 1000))
            th = time.perf_counter()
            h = hands.detect_for_video(image, int(t * 1000))
            t1 = time.perf_counter()
            analysis.step(smooth(partner_of(Detections.from_tasks(t, (rgb.shape[1], rgb.shape[0]), p, f, h), tracker)))
            t2 = time.perf_counter()
            if i >= 10:  # skip model warm-up
                inference.append(t1 - t0)
                pose_face.append(th - t0)
                ours.append(t2 - t1)
        for model in (pose, face, hands):
            model.close()
    analysis.finish()
    store.end_session(sid, duration_s=2 * len(clip) / FPS)
    inf_ms, our_ms = 1000 * statistics.mean(inference), 1000 * statistics.mean(ours)
    pf_ms = 1000 * statistics.mean(pose_face)
    old = json.loads((Path(__file__).parent / "legacy_backend.json").read_text())
    old_pf, old_all = old["pose_full_plus_facemesh_refined_ms"], old["all_three_ms"]
    print(f"[per frame] {len(inference)} frames of 640x480, interleaved on the same frames, one model after another:")
    print(f"  bare MediaPipe Tasks inference, up to {MAX_FACES} faces and {MAX_BODIES} bodies, VIDEO mode: PoseLandmarker full + FaceLandmarker "
          f"(blendshapes) {pf_ms:.2f} ms; + HandLandmarker {inf_ms:.2f} ms (median {1000 * statistics.median(inference):.2f})")
    print(f"  old backend on the same frames (mediapipe 0.10.21, recorded before the port): Pose full + FaceMesh refined "
          f"{old_pf:.2f} ms; + Hands lite {old_all:.2f} ms  ->  new/old {pf_ms / old_pf:.2f} and {inf_ms / old_all:.2f}")
    print(f"  our per-frame pipeline (partner choice + smoothing + features + baseline + cues + coach + store): mean {our_ms:.3f} ms, "
          f"median {1000 * statistics.median(ours):.3f} ms, p99 {1000 * np.percentile(ours, 99):.3f} ms")
    print(f"  overhead = {100 * our_ms / inf_ms:.2f} % of inference (target <= 5 %)")


def batch_replay() -> None:
    n = 1_000_000  # about 18.5 hours at 15 fps
    rng = np.random.default_rng(0)
    t = np.arange(n) / 15.0
    X = np.full((n, len(FEATURES)), np.nan)
    X[:, INDEX["present"]] = (rng.random(n) > 0.01).astype(float)
    walk = lambda scale: np.cumsum(rng.normal(0, scale, n)) * 0.01 + 0.5  # noqa: E731
    for name in ("body_scale", "nose_y", "shoulder_y", "ear_shoulder", "eye_openness", "eye_openness_avg", "motion",
                 "hand_face_gap", "face_scale", "eyes_closed_share"):
        X[:, INDEX[name]] = np.abs(walk(0.05)) + 0.05
    for name in ("shoulder_tilt_deg", "head_yaw_deg", "head_pitch_deg", "gaze_yaw_deg"):
        X[:, INDEX[name]] = walk(3.0)
    with warnings.catch_warnings():  # columns that are all NaN (never measured) stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        centre = np.nanmedian(X[:1000], axis=0)
    profile = default_profile()
    detect_events(t[:1000], X[:1000], centre, profile)  # warm-up
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        events = detect_events(t, X, centre, profile)
        best = min(best, time.perf_counter() - t0)
    print(f"[batch replay] {n:,} frames, {len(events):,} events, best of 3: {best:.3f} s = {n / best:,.0f} frames/s "
          f"(target >= 1,000,000)")


def sweep_speed(tmp: Path) -> None:
    """100 thresholds of one cue over one hour of recorded 15 fps features (issue: under 1 s)."""
    from cue_trainer.baseline import Baseline
    from cue_trainer.features import FeatureFrame
    from cue_trainer.recording import Recording
    from cue_trainer.records import Segment
    from cue_trainer.tuning import sweep

    n = 3600 * 15
    rng = np.random.default_rng(1)
    store = SessionStore(tmp / "home-sweep")
    profile = default_profile()
    sid = store.create_session(source="video", profile_toml=profile.to_toml())
    X = np.full((n, len(FEATURES)), np.nan)
    X[:, INDEX["present"]] = 1.0
    X[:, INDEX["body_scale"]] = 0.4
    drift = np.cumsum(rng.normal(0, 0.002, n))
    X[:, INDEX["nose_y"]] = 0.3 + drift
    X[:, INDEX["shoulder_y"]] = 0.5 + drift
    for i in range(n):
        store.add_frame(sid, FeatureFrame(i / 15.0, X[i]))
    store.add_segment(sid, Segment("calibration", 0.0, 0.0, Baseline().fit(X[:300]).to_json()))
    store.end_session(sid, duration_s=n / 15.0)
    t0 = time.perf_counter()
    rec = Recording.load(store, sid)
    t1 = time.perf_counter()
    results = sweep([rec], "slumped_posture", np.linspace(0.05, 2.0, 100), profile=profile)
    t2 = time.perf_counter()
    print(f"[sweep] 100 thresholds of slumped_posture over 1 h of 15 fps features ({n:,} frames): "
          f"{t2 - t1:.3f} s (target < 1 s); loading the session and computing its signals once: {t1 - t0:.2f} s; "
          f"{len(results)} settings scored")


def batch_speed(tmp: Path) -> None:
    """A folder of four 30 s clips processed serially and on both cores."""
    from cue_trainer.batch import find_videos, process_many

    folder = tmp / "videos"
    folder.mkdir()
    for i in range(4):
        write_mp4(folder / f"clip{i}.mp4", STEPS, fps=30.0)
    videos = find_videos(folder)
    length = 4 * sum(s for s, _ in STEPS)
    for workers in (1, 2):
        t0 = time.perf_counter()
        process_many(videos, home=tmp / f"batch{workers}", profile=default_profile(), fps=10.0, workers=workers)
        elapsed = time.perf_counter() - t0
        print(f"[batch] {len(videos)} videos, {length:.0f} s in all, {workers} worker(s): {elapsed:.1f} s = "
              f"{length / elapsed:.2f}x real time")


def ray_vs_local(tmp: Path) -> None:
    """The same 4 clips on the local pool and on a Ray cluster of this machine, side by side; then
    one 3-minute clip, which the local pool gives to one process and Ray cuts into 60 s chunks."""
    from cue_trainer.batch import find_videos, process_many
    from cue_trainer.cluster import connect, process_many_on_ray
    from cue_trainer.frames import VideoFileSource
    from cue_trainer.detector import LandmarkDetector
    from cue_trainer.videos import CHUNK_S, SessionWriter

    folder = tmp / "ray-videos"
    folder.mkdir()
    for i in range(4):
        write_mp4(folder / f"clip{i}.mp4", STEPS, fps=30.0)
    long = tmp / "ray-long"
    long.mkdir()
    write_mp4(long / "three-minutes.mp4", STEPS * 6, fps=30.0)
    videos, long_videos = find_videos(folder), find_videos(long)
    length, long_length = 4 * sum(s for s, _ in STEPS), 6 * sum(s for s, _ in STEPS)
    rt = {}
    for name, these, seconds in (("4 clips", videos, length), ("1 long clip", long_videos, long_length)):
        t0 = time.perf_counter()
        process_many(these, home=tmp / f"local-{name}", profile=default_profile(), fps=10.0, workers=2)
        rt[("local", name)] = seconds / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    ray = connect(None, num_cpus=2)
    start_up = time.perf_counter() - t0
    for name, these, seconds in (("4 clips", videos, length), ("1 long clip", long_videos, long_length)):
        t0 = time.perf_counter()
        process_many_on_ray(these, home=tmp / f"ray-{name}", profile=default_profile(), fps=10.0)
        rt[("ray", name)] = seconds / (time.perf_counter() - t0)
    ray.shutdown()
    print(f"[ray] on this machine (2 cores), 10 fps analysis; Ray's start-up (a local cluster) {start_up:.1f} s, "
          "not counted below (each run includes its workers' model start):")
    for name, seconds in (("4 clips", length), ("1 long clip", long_length)):
        print(f"  {name} ({seconds:.0f} s of video): local pool {rt[('local', name)]:.2f}x real time, "
              f"Ray {rt[('ray', name)]:.2f}x  (Ray/local = {rt[('ray', name)] / rt[('local', name)]:.2f})")

    # What the scaling estimate needs: a worker's cost per chunk, and the driver's rate.
    source = VideoFileSource(long_videos[0], fps=10.0)
    with LandmarkDetector() as detector:
        list(detector.detections(source.chunk(0, CHUNK_S)))  # models warm
        t0 = time.perf_counter()
        found = list(detector.detections(source.chunk(1, CHUNK_S), chunk_s=CHUNK_S))
        chunk_cost = time.perf_counter() - t0
    store = SessionStore(tmp / "driver")
    t0 = time.perf_counter()
    for _ in range(5):
        writer = SessionWriter(store, source_path="bench", profile=default_profile(), fps=10.0, calibration_s=5.0,
                               expected_frames=None, duration_s=None)
        for d in found:
            writer.add(d)
        writer.finish()
    store.close()
    driver = 5 * len(found) / (time.perf_counter() - t0)
    per_machine = CHUNK_S / chunk_cost  # seconds of video per second, one detector on a 2-core machine
    print(f"  one {CHUNK_S:g} s chunk ({len(found)} frames) on one detector: {chunk_cost:.1f} s "
          f"= {per_machine:.2f}x real time per 2-core machine")
    print(f"  the driver stitches and writes {driver:,.0f} frames/s (one features row each, events and "
          f"suggestions besides) = {driver / 10:,.0f} s of 10 fps video per second")
    print(f"  -> the single writer becomes the bottleneck at about N = {driver / 10 / per_machine:.0f} such machines")


def process_speed(tmp: Path) -> None:
    video = write_mp4(tmp / "minute.mp4", STEPS * 2, fps=30.0)
    store = SessionStore(tmp / "home2")
    result = process_video(video, store=store, profile=default_profile(), fps=10.0)
    print(f"[process] {result.duration_s:.0f} s clip (30 fps file) at the default 10 fps analysis rate: "
          f"{result.elapsed_s:.1f} s including model start = {result.duration_s / result.elapsed_s:.2f}x real time")


def live_recording(tmp: Path, seconds: float = 30.0, camera_fps: float = 15.0) -> None:
    from cue_trainer.live import LiveSession

    clip = list(frames([(seconds / 2, {}), (seconds / 2, {"dy": 0.1})], camera_fps))
    results = {}
    for record in (False, True, False, True):  # interleaved, so that drift in the machine hits both
        store = SessionStore(tmp / f"live-{record}-{len(results)}")
        live = LiveSession(store=store, profile=default_profile(), calibration_s=5.0, record=record)
        started = time.monotonic()
        for k, rgb in enumerate(clip):
            time.sleep(max(0.0, started + k / camera_fps - time.monotonic()))
            live.process(rgb)
        snap = live.snapshot()
        live.stop()
        elapsed = time.monotonic() - started
        size = live.footage.bytes if live.footage is not None else 0
        dropped = live.footage.dropped if live.footage is not None else 0
        results.setdefault(record, []).append((snap.frames_analysed / elapsed, dropped, size / (elapsed / 60)))
    off = statistics.mean(r[0] for r in results[False])
    on = statistics.mean(r[0] for r in results[True])
    print(f"[live] a {camera_fps:g} fps camera for {seconds:g} s, twice each, interleaved (no browser running):")
    print(f"  analysed frames/s: recording off {off:.2f}, on {on:.2f}  (on/off = {on / off:.3f}; target >= 0.90)")
    print(f"  recorder dropped {sum(r[1] for r in results[True])} frames; the recording takes "
          f"{statistics.mean(r[2] for r in results[True]) / 1e6:.2f} MB per minute (640x480 VP8)")


def live_in_browser(tmp: Path) -> None:
    """The whole live path on this machine: headless Chromium's fake camera (15 fps) through
    WebRTC into the app, analysed while the page refreshes its panels. The frames analysed per
    second and how long after an episode's confirmation its badge shows (once measured as test
    asserts; they belong here: on a machine the test suite loads they pass or fail by luck)."""
    from cue_trainer.store import SessionStore
    from tests.browser import app_server, chromium
    from tests.clips import write_y4m
    from tests.test_practice_browser import CHANGE_CLIP_S, DOWN_FOR_S, LAPTOP, open_practice, poll, start

    webcam = write_y4m(tmp / "partner.y4m", [(CHANGE_CLIP_S, {}), (DOWN_FOR_S, {"dy": 0.2}), (6.0, {})], fps=15)
    home = tmp / "browser-home"
    home.mkdir()
    with app_server(home, tmp / "server.log") as url, chromium(webcam) as browser:
        page = open_practice(browser, url, LAPTOP)
        start(page)
        statuses = poll(page, CHANGE_CLIP_S + 6.0, lambda status: None)
        page.get_by_role("button", name="Stop", exact=True).click()
        page.get_by_text("is saved.").first.wait_for(timeout=30000)
    store = SessionStore(home)
    sid = statuses[-1]["session"]
    t, _ = store.features(sid)
    rate = (len(t) - 1) / (t[-1] - t[0])
    episodes = [e for e in store.events(sid) if e.cue == "slumped_posture"]
    first = next((s for s in statuses if "slumped_posture" in s["active"]), None)
    latency = (first["badgesNow"] - episodes[0].confirmed_s) if first and episodes else float("nan")
    print(f"[live in the browser] a 15 fps fake camera through WebRTC, Coach mode, nothing else running: "
          f"{rate:.1f} frames/s analysed (target >= 12; 7.8-8.3 when Streamlit's per-run garbage "
          f"collection and its file watcher were on); the badge {latency:+.2f} s after the episode's "
          f"confirmation (target <= 1.0)")


def call_in_browser(tmp: Path) -> None:
    """A partner on a video call (issue 25): headless Chromium shares a 1280x720 call tab (two real
    clips, a layout switch) to the app on the same two cores; frames analysed per second of the
    partner's tile, and the time from the click on "Start with this person" to the first analysed
    frame (the session and its detector start on that click)."""
    from tests.browser import app_server, chromium
    from tests.test_call_browser import CALL_TITLE, practise_on_call

    home = tmp / "call-home"
    home.mkdir()
    with app_server(home, tmp / "call-server.log") as url, chromium(share_tab=CALL_TITLE) as browser:
        seen = practise_on_call(browser, url, tmp)
    last = seen["statuses"][-1]
    print(f"[call window] a shared 1280x720 call tab, browser and app on the same 2 cores: "
          f"{last['analysed'] / last['now']:.1f} frames/s analysed (target >= 10); first analysed frame "
          f"{seen['first_frame_s']:.1f} s after the click on the partner")


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        live_in_browser(tmp)
        call_in_browser(tmp)
        live_recording(tmp)
        per_frame(tmp)
        batch_replay()
        process_speed(tmp)
        sweep_speed(tmp)
        batch_speed(tmp)
        ray_vs_local(tmp)


if __name__ == "__main__":
    main()
