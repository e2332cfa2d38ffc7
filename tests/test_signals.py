"""The signals that the real-footage evaluation asked for, on hand-built landmarks and feature
streams: gaze, PERCLOS, the hand's gap to the face, the face's size, and their cues."""
from __future__ import annotations

import math

import numpy as np
import pytest

from cue_trainer.baseline import Baseline
from cue_trainer.cues import CUE_INDEX, cue_signals, detect_events
from cue_trainer.features import (FEATURES, GAZE_GAIN_DEG, HAND_HOLD_S, INDEX, LOOK_DOWN_PITCH_DEG,
                                  PERCLOS_WINDOW_S, FeatureExtractor,
                                  frame_features)
from cue_trainer.landmarks import FaceLandmark as F
from cue_trainer.landmarks import Landmarks
from cue_trainer.landmarks import PoseLandmark as P
from cue_trainer.profiles import default_profile
from tests.builders import NO_HANDS, SIZE, UPRIGHT, face_from, hand_at, pose_from, shapes

PROFILE = default_profile()
ASPECT = SIZE[0] / SIZE[1]


def features_of(**kw) -> np.ndarray:
    return frame_features(Landmarks(0.0, SIZE, **kw))


# --- per-frame measurements -------------------------------------------------------------------


def test_face_scale_is_the_cheek_to_cheek_width_and_turning_the_head_does_not_change_it():
    straight = features_of(face=face_from(radius=0.1))
    turned = features_of(face=face_from(radius=0.1, yaw_deg=30))
    assert straight[INDEX["face_scale"]] == pytest.approx(0.2, rel=1e-4)
    # A head turned 30° narrows the cheek-to-cheek line in the image by cos(30°) = 13 %; in 3-D it stays.
    assert turned[INDEX["face_scale"]] == pytest.approx(0.2 / math.cos(math.radians(30)), rel=1e-3)
    assert turned[INDEX["head_yaw_deg"]] == pytest.approx(30, abs=1e-3)


def test_gaze_adds_the_eyes_turn_from_the_look_shapes_to_the_heads():
    ahead = features_of(face=face_from(), blendshapes=shapes())
    eyes_right = features_of(face=face_from(), blendshapes=shapes(eyeLookOutLeft=0.6, eyeLookInRight=0.6))
    assert ahead[INDEX["gaze_yaw_deg"]] == pytest.approx(0.0, abs=1e-3)
    assert eyes_right[INDEX["eyes_side"]] == pytest.approx(0.6)
    assert eyes_right[INDEX["gaze_yaw_deg"]] == pytest.approx(0.6 * GAZE_GAIN_DEG, rel=1e-3)
    # The head turned one way and the eyes back the other: still looking at the camera.
    back = 14.0 / GAZE_GAIN_DEG
    compensated = features_of(face=face_from(yaw_deg=14.0), blendshapes=shapes(eyeLookInLeft=back, eyeLookOutRight=back))
    assert compensated[INDEX["gaze_yaw_deg"]] == pytest.approx(0.0, abs=0.1)


def test_gaze_is_not_measured_with_the_eyes_closed_or_without_the_shapes():
    # With the lids down the look shapes do not say where the eyes point; the head still does.
    closed = features_of(face=face_from(), blendshapes=shapes(eyeBlinkLeft=0.8, eyeBlinkRight=0.7,
                                                              eyeLookOutLeft=0.5, eyeLookInRight=0.5))
    assert closed[INDEX["eye_blink"]] == pytest.approx(0.75)
    assert math.isnan(closed[INDEX["gaze_yaw_deg"]])
    assert not math.isnan(closed[INDEX["head_yaw_deg"]])
    assert math.isnan(features_of(face=face_from())[INDEX["gaze_yaw_deg"]])


def test_hand_on_the_face_reads_zero_and_outside_it_the_gap_in_face_widths():
    face = face_from(center=(0.5, 0.35), radius=0.1)
    on_cheek = features_of(face=face, hands=hand_at([(0.5 + 0.05 / ASPECT, 0.38)]))
    assert on_cheek[INDEX["hand_face_gap"]] == 0.0
    # 0.04 image heights beside the cheek (which is at x = 0.5 + 0.1 image heights): 0.2 face widths
    # (the face is 0.2 image heights wide).
    beside = features_of(face=face, hands=hand_at([(0.5 + 0.14 / ASPECT, 0.35)]))
    assert beside[INDEX["hand_face_gap"]] == pytest.approx(0.04 / 0.2, rel=0.02)
    # 0.04 image heights below the chin (which is at 0.45): 0.2 face widths as well.
    below = features_of(face=face, hands=hand_at([(0.5, 0.49)]))
    assert below[INDEX["hand_face_gap"]] == pytest.approx(0.04 / 0.2, rel=0.02)


def test_the_body_models_hand_points_count_when_the_shoulders_are_out_of_the_picture():
    face = face_from(center=(0.5, 0.35), radius=0.1)
    # Only a wrist and an index finger, over the mouth; no shoulders (a head-and-shoulders close-up).
    pose = pose_from({P.NOSE: (0.5, 0.36), P.LEFT_WRIST: (0.52, 0.47), P.LEFT_INDEX: (0.5, 0.40)})
    values = features_of(face=face, pose=pose)
    assert values[INDEX["hand_face_gap"]] == 0.0
    assert math.isnan(values[INDEX["body_scale"]])


def test_no_hand_in_sight_is_unknown_not_far_away():
    values = features_of(face=face_from(), pose=pose_from(NO_HANDS))
    assert math.isnan(values[INDEX["hand_face_gap"]])


def test_a_hand_lost_for_a_moment_keeps_its_gap_then_becomes_unknown():
    ex = FeatureExtractor()
    face = face_from()
    ex.step(Landmarks(0.0, SIZE, face=face, hands=hand_at([(0.5, 0.35)])))
    held = ex.step(Landmarks(HAND_HOLD_S - 0.1, SIZE, face=face))
    gone = ex.step(Landmarks(HAND_HOLD_S + 0.2, SIZE, face=face))
    assert held["hand_face_gap"] == 0.0
    assert math.isnan(gone["hand_face_gap"])


# --- PERCLOS ----------------------------------------------------------------------------------


def pitched(face: np.ndarray, degrees: float) -> np.ndarray:
    """``face`` with the head tilted ``degrees`` down (the chin nearer the camera than the forehead)."""
    out = face.copy()
    half = float(out[F.CHIN, 1] - out[F.FOREHEAD, 1]) * math.tan(math.radians(degrees)) / 2 / ASPECT  # z in x's scale
    out[F.CHIN, 2], out[F.FOREHEAD, 2] = half, -half
    return out


def run_eyes(openness: list[float], fps: float = 30.0, pitch: list[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(t, X) of a face whose eye openness (and head pitch, degrees down) follow ``openness`` and
    ``pitch``, frame by frame."""
    ex = FeatureExtractor()
    pitch = pitch or [0.0] * len(openness)
    rows = [ex.step(Landmarks(k / fps, SIZE, face=pitched(face_from(openness=o), p), pose=pose_from(UPRIGHT))).values
            for k, (o, p) in enumerate(zip(openness, pitch))]
    return np.arange(len(openness)) / fps, np.array(rows)


def baseline_of(X: np.ndarray, n: int) -> Baseline:
    return Baseline().fit(X[:n])


def eyes_closing(t, X, b):
    return [e for e in detect_events(t, X, b, PROFILE) if e.cue == "eyes_closing"]


OPEN, CLOSED = 0.30, 0.06


def with_blinks(seconds: float, fps: float, blink_every_s: float, blink_frames: int) -> list[float]:
    series = [OPEN] * int(seconds * fps)
    step = int(blink_every_s * fps)
    for start in range(step, len(series), step):
        series[start:start + blink_frames] = [CLOSED] * blink_frames
    return series


def test_perclos_is_the_share_of_the_window_with_the_eyes_at_least_half_closed():
    fps = 30.0
    t, X = run_eyes([OPEN] * 150 + [CLOSED] * 90, fps)
    share = X[:, INDEX["eyes_closed_share"]]
    assert np.isnan(share[:60]).all()  # no usual openness to compare with yet (3 s)
    assert share[149] == 0.0
    # 1 s into the closure, 30 of the 45 frames of the 1.5 s window are closed.
    assert share[150 + 29] == pytest.approx(30 / (PERCLOS_WINDOW_S * fps), abs=0.03)
    assert share[-1] == 1.0


@pytest.mark.parametrize("blink_every_s, blink_frames", [(3.0, 9), (1.0, 6), (0.5, 4)])
def test_blinks_never_become_an_eyes_closing_episode(blink_every_s, blink_frames):
    # Up to two blinks a second, each up to 0.3 s long (the talkingface annotation's blinks last 7-9
    # frames at 30 fps, 2-3 of them fully closed).
    fps = 30.0
    t, X = run_eyes(with_blinks(60, fps, blink_every_s, blink_frames), fps)
    b = baseline_of(X, int(20 * fps))
    assert eyes_closing(t, X, b) == []
    assert np.nanmax(cue_signals(X, b.center_)[:, CUE_INDEX["eyes_closing"]]) < PROFILE.cues["eyes_closing"].threshold


def test_eyes_closed_for_five_seconds_are_noticed_within_the_minimum_duration_and_a_second():
    fps = 10.0
    t, X = run_eyes(with_blinks(30, fps, 4.0, 1) + [CLOSED] * 50 + [OPEN] * 50, fps)
    b = baseline_of(X, int(20 * fps))
    [episode] = eyes_closing(t, X, b)
    min_d = PROFILE.cues["eyes_closing"].min_duration_s
    assert 0 <= episode.confirmed_s - 30.0 <= min_d + 1.0
    assert episode.end_s == pytest.approx(35.0 + PERCLOS_WINDOW_S / 2, abs=0.3)


def test_a_glance_down_of_two_seconds_is_not_an_episode():
    # Lids lowered to look down read as closed eyes; two seconds of it is a glance, not a closure.
    fps = 10.0
    t, X = run_eyes([OPEN] * 300 + [CLOSED] * 20 + [OPEN] * 100, fps)
    assert eyes_closing(t, X, baseline_of(X, 200)) == []


def test_lids_lowered_to_look_down_are_not_closing_eyes_but_closed_eyes_are():
    """Issue 20, item 3: looking down with lowered lids (openness 0.06, as closed) for 5 s with the
    head pitched 15 degrees down is no eyes-closing episode; the same lids with the head level are."""
    fps = 10.0
    openness = [OPEN] * 300 + [CLOSED] * 50 + [OPEN] * 100
    t, X = run_eyes(openness, fps, pitch=[0.0] * 300 + [LOOK_DOWN_PITCH_DEG + 5] * 50 + [0.0] * 100)
    assert X[310, INDEX["head_pitch_deg"]] == pytest.approx(LOOK_DOWN_PITCH_DEG + 5, abs=0.01)
    assert eyes_closing(t, X, baseline_of(X, 200)) == []
    t, X = run_eyes(openness, fps)
    [episode] = eyes_closing(t, X, baseline_of(X, 200))
    assert episode.start_s == pytest.approx(30.0 + PERCLOS_WINDOW_S / 2, abs=0.2)  # half the window closed


# --- looking away needs a steady turn --------------------------------------------------------


def run_gaze(sides: list[float], yaws: list[float], fps: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """(t, X) of a face turned ``yaws`` (degrees) whose eyes' turn (the look shapes, -1..1 toward
    the image's right) follows ``sides``, frame by frame."""
    ex = FeatureExtractor()
    rows = []
    for k, (side, yaw) in enumerate(zip(sides, yaws)):
        look = (shapes(eyeLookOutLeft=side, eyeLookInRight=side) if side >= 0
                else shapes(eyeLookInLeft=-side, eyeLookOutRight=-side))
        rows.append(ex.step(Landmarks(k / fps, SIZE, face=face_from(yaw_deg=yaw), blendshapes=look,
                                      pose=pose_from(UPRIGHT))).values)
    return np.arange(len(sides)) / fps, np.array(rows)


def looking_away(t, X, b):
    return [e for e in detect_events(t, X, b, PROFILE) if e.cue == "looking_away"]


def test_an_eye_reading_that_flips_from_side_to_side_is_not_looking_away():
    """Issue 20, item 3: a talking person's eye reading flips from side to side (the gaze -5 to -30
    degrees while the head turned 5): 6 s of it is no episode, though every other pair of frames
    reads past the threshold. The same eyes held to one side for 6 s are one episode."""
    yaws = [0.0] * 200 + [-5.0] * 60 + [0.0] * 60
    flips = [0.0] * 200 + [-1.0 if (k // 2) % 2 else 0.0 for k in range(60)] + [0.0] * 60
    t, X = run_gaze(flips, yaws)
    raw = np.abs(-5.0 + GAZE_GAIN_DEG * np.array(flips[200:260]))
    threshold = PROFILE.cues["looking_away"].threshold
    assert raw.max() > threshold  # one frame's reading alone would fire
    assert np.nanmax(np.abs(X[200:260, INDEX["gaze_yaw_deg"]])) < threshold
    assert looking_away(t, X, baseline_of(X, 150)) == []
    held = [0.0] * 200 + [-1.0] * 60 + [0.0] * 60
    t, X = run_gaze(held, yaws)
    [episode] = looking_away(t, X, baseline_of(X, 150))
    assert episode.start_s == pytest.approx(20.0, abs=0.7)  # held within a quarter of a second


# --- the cues on hand-built feature streams --------------------------------------------------


def stream(n: int, **columns) -> np.ndarray:
    X = np.full((n, len(FEATURES)), np.nan)
    X[:, INDEX["present"]] = 1.0
    for name, values in columns.items():
        X[:, INDEX[name]] = values
    return X


def test_looking_away_follows_the_gaze_and_falls_back_to_the_head_without_it():
    center = stream(1, head_yaw_deg=5.0, gaze_yaw_deg=15.0)[0]
    X = stream(3, head_yaw_deg=[20.0, 20.0, 35.0], gaze_yaw_deg=[15.0, 45.0, np.nan])
    away = cue_signals(X, center)[:, CUE_INDEX["looking_away"]]
    # Head turned 15° with the eyes on the camera: not away. Head and eyes 30° away: away. No
    # gaze (eyes closed): the head's 30°.
    np.testing.assert_allclose(away, [0.0, 30.0, 30.0])


def test_leaning_back_reads_the_face_when_the_shoulders_are_not_seen():
    center = stream(1, face_scale=0.2, body_scale=0.4, shoulder_tilt_deg=0.0)[0]
    X = stream(4, face_scale=[0.2, 0.15, np.nan, np.nan], body_scale=[np.nan, np.nan, 0.3, np.nan],
               shoulder_tilt_deg=[np.nan, np.nan, 0.0, np.nan])
    lean = cue_signals(X, center)[:, CUE_INDEX["leaning_back"]]
    np.testing.assert_allclose(lean[:3], [0.0, 0.25, 0.25])
    assert math.isnan(lean[3])


def test_a_lean_of_three_and_a_half_seconds_is_an_episode_and_a_steady_face_is_not():
    n = 300
    face = np.full(n, 0.2) + np.random.default_rng(0).normal(0, 0.002, n)  # 1 % jitter, as on calm clips
    still = stream(n, face_scale=face)
    t = np.arange(n) / 10.0
    b = Baseline().fit(still[:100])
    assert [e for e in detect_events(t, still, b, PROFILE) if e.cue == "leaning_back"] == []
    leaned = face.copy()
    leaned[200:235] *= 0.75  # 25 % smaller for 3.5 s, as in cap13
    [e] = [e for e in detect_events(t, stream(n, face_scale=leaned), b, PROFILE) if e.cue == "leaning_back"]
    assert (e.start_s, e.end_s) == pytest.approx((20.0, 23.5), abs=0.11)
    assert e.confirmed_s - 20.0 <= PROFILE.cues["leaning_back"].min_duration_s + 1.0


def test_a_bowed_head_is_not_raised_shoulders_and_a_shrug_is():
    """Issue 20, item 3: bowing the head over food brings the ears down to the shoulders (the gap
    shrank from 0.49 to 0.33 shoulder widths on a real clip) but leaves the shoulders; a shrug lifts
    the shoulders toward the ears."""
    upright = features_of(pose=pose_from(UPRIGHT))
    ears = (P.NOSE, P.LEFT_EAR, P.RIGHT_EAR)
    bowed = features_of(pose=pose_from({p: (x, y + 0.04) if p in ears else (x, y) for p, (x, y) in UPRIGHT.items()}))
    shrug = features_of(pose=pose_from({p: (x, y - 0.04) if p in (P.LEFT_SHOULDER, P.RIGHT_SHOULDER) else (x, y)
                                        for p, (x, y) in UPRIGHT.items()}))
    signal = cue_signals(np.stack([bowed, shrug]), upright)[:, CUE_INDEX["shoulders_raised"]]
    threshold = PROFILE.cues["shoulders_raised"].threshold
    shoulder_width = upright[INDEX["body_scale"]]
    assert upright[INDEX["ear_shoulder"]] - bowed[INDEX["ear_shoulder"]] > threshold  # the gap alone would fire
    assert signal[0] == pytest.approx(0.0, abs=1e-9)
    assert signal[1] == pytest.approx(0.04 / shoulder_width, rel=0.01) and signal[1] > threshold


def test_face_touching_fires_on_a_touch_and_not_on_a_gesture_under_the_chin():
    n = 100
    t = np.arange(n) / 10.0
    b = Baseline().fit(stream(50, hand_face_gap=np.nan, face_scale=0.2))
    gap = np.full(n, np.nan)
    gap[20:40] = 0.0  # a hand on the cheek for 2 s
    gap[60:69] = [0.1, 0.03, 0.0, 0.05, 0.12, 0.15, 0.18, 0.2, 0.3]  # a gesture that brushes the chin for 0.8 s
    events = [e for e in detect_events(t, stream(n, hand_face_gap=gap, face_scale=0.2), b, PROFILE)
              if e.cue == "face_touching"]
    assert [(e.start_s, e.end_s) for e in events] == [pytest.approx((2.0, 4.0))]
