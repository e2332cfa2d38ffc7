"""The cue engine: baseline-relative cue signals, thresholds with hysteresis and minimum duration.

Owns: ``cue_signals`` (features + baseline -> one signal per cue), ``CueState``, the streaming
``CueEngine`` (one frame at a time, O(1) state, used live), ``detect_events`` (numpy over a whole
session, used for replay and tuning; both apply the same rule and give identical ``CueEvent``s)
and ``runs`` (where a boolean series switches on and off). Imports: features, baseline,
catalogue, profiles, records.

The rule for one cue, on its signal s (negated for cues that fire *below* their threshold):

* a frame switches the cue on when s >= threshold, and off when s < threshold - hysteresis or
  when s is NaN (the landmarks it needs are not reliable: the cue is unknown, never guessed);
* an episode runs from its first "on" frame to the first "off" frame after it (or the last frame
  of the stream) — unless an "on" frame comes less than ``bridge_s`` after that "off" frame: then
  the dip was part of one change, and the episode goes on (it ends at the "off" frame that is
  not followed by an "on" one within ``bridge_s``, and is told that late by the streaming form);
* it counts (is *confirmed*) at the first frame not inside a dip that is at least
  ``min_duration_s`` after its start. Episodes that never reach that are dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from cue_trainer.baseline import Baseline
from cue_trainer.catalogue import BY_ID, CUE_IDS, CUES
from cue_trainer.features import CLOSED_FRACTION, FEATURES, INDEX, FeatureFrame
from cue_trainer.profiles import Profile
from cue_trainer.records import CueEvent

#: Below this baseline motion (shoulder widths per second) a person counts as already still, so
#: "much stiller than earlier" needs real movement in the baseline to compare with.
MOTION_FLOOR = 0.05

CUE_INDEX = {cue: i for i, cue in enumerate(CUE_IDS)}
#: Per cue (catalogue order): +1 for cues that fire above their threshold, -1 below. Multiplying a
#: signal by it makes "higher = more cue" for every cue.
SIGN = np.array([1.0 if c.direction == "above" else -1.0 for c in CUES])


def cue_signals(X: np.ndarray, center: np.ndarray) -> np.ndarray:
    """Signals of every cue for every frame.

    Args:
        X: (n_frames, len(FEATURES)) feature values.
        center: (len(FEATURES),) baseline centres (``Baseline.center_``).

    Returns:
        (n_frames, len(CUES)) float64 in catalogue order and units; NaN where the cue is unknown.
        Elementwise only, so a frame gives the same value alone or inside a whole session.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(FEATURES):
        raise ValueError(f"X must have shape (n_frames, {len(FEATURES)}), but got shape {X.shape}")
    f = {name: X[:, i] for name, i in INDEX.items()}
    c = {name: center[i] for name, i in INDEX.items()}
    out = np.full((X.shape[0], len(CUES)), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        slumped = ((f["nose_y"] - c["nose_y"]) + (f["shoulder_y"] - c["shoulder_y"])) / 2.0 / c["body_scale"]
        still = (c["motion"] - f["motion"]) / max(c["motion"], MOTION_FLOOR) if np.isfinite(c["motion"]) else np.full(
            X.shape[0], np.nan
        )
        eyes = 1.0 - f["eye_openness_avg"] / c["eye_openness"]
        tilt = np.abs(f["shoulder_tilt_deg"] - c["shoulder_tilt_deg"]) % 360.0
        tilt = np.minimum(tilt, 360.0 - tilt)
        # Composite: the mean of the parts that are known, if at least two are.
        parts = (np.clip(still, 0.0, 1.0), np.clip(eyes * 2.0, 0.0, 1.0), np.clip(slumped * 2.0, 0.0, 1.0))
        known = sum(np.isfinite(p).astype(np.float64) for p in parts)
        total = sum(np.where(np.isfinite(p), p, 0.0) for p in parts)
        energy = np.where(known >= 2, total / known, np.nan)

        out[:, CUE_INDEX["slumped_posture"]] = slumped
        out[:, CUE_INDEX["low_energy"]] = energy
        out[:, CUE_INDEX["low_movement"]] = still
        # Where the eyes point (head and eye-look shapes); the head alone where the gaze is not
        # measured (eyes closed, or a session recorded before gaze was).
        gaze = np.abs(f["gaze_yaw_deg"] - c["gaze_yaw_deg"])
        out[:, CUE_INDEX["looking_away"]] = np.where(np.isnan(gaze), np.abs(f["head_yaw_deg"] - c["head_yaw_deg"]), gaze)
        out[:, CUE_INDEX["head_down"]] = f["head_pitch_deg"] - c["head_pitch_deg"]
        # PERCLOS; the mean openness where it is not measured (sessions recorded before it was).
        perclos = f["eyes_closed_share"]
        out[:, CUE_INDEX["eyes_closing"]] = np.where(np.isnan(perclos), eyes, perclos)
        # Shoulders drawn up close the ear-to-shoulder gap *and* lift the shoulders; a head bowed
        # (over food, a phone) closes the gap too, but leaves the shoulders where they were. So the
        # smaller of the two, both in shoulder widths.
        lifted = (c["shoulder_y"] - f["shoulder_y"]) / c["body_scale"]
        out[:, CUE_INDEX["shoulders_raised"]] = np.fmin(c["ear_shoulder"] - f["ear_shoulder"], lifted)
        # Further from the camera: the face's width (it stays measurable when the shoulders are at
        # the frame's edge, and turning the head does not change it), else the shoulders'.
        shrink = 1.0 - f["face_scale"] / c["face_scale"]
        shrink = np.where(np.isnan(shrink), 1.0 - f["body_scale"] / c["body_scale"], shrink)
        out[:, CUE_INDEX["leaning_back"]] = np.fmax(shrink, tilt / 90.0)
        out[:, CUE_INDEX["face_touching"]] = f["hand_face_gap"]
    absent = ~(f["present"] == 1.0)
    out[absent, :] = np.nan  # nobody there: every cue but out_of_view is unknown
    out[:, CUE_INDEX["out_of_view"]] = np.where(absent, 1.0, 0.0)
    return out


@dataclass(frozen=True)
class CueState:
    """What the engine says about one cue right now.

    ``status`` is "active" (a confirmed episode is running), "inactive", or "unknown" (``reason``
    says what cannot be seen). ``value`` is the current signal in the cue's unit (NaN if unknown).
    ``above_s`` is how long the signal has been past the threshold (0 when it is not), to compare
    with ``min_duration_s``: an episode is confirmed once it has lasted that long.
    """

    cue: str
    status: Literal["active", "inactive", "unknown"]
    value: float
    threshold: float
    reason: str = ""
    above_s: float = 0.0
    min_duration_s: float = 0.0


@dataclass(frozen=True)
class CueUpdate:
    """The engine's output for one frame: states of enabled cues, cues confirmed at this frame
    (in catalogue order) and episodes that ended at this frame."""

    t: float
    states: dict[str, CueState]
    confirmed: list[str]
    ended: list[CueEvent]


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a boolean series is True: (starts, ends) index arrays, ``ends`` exclusive."""
    edges = np.diff(np.concatenate(([0], np.asarray(mask).astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _enabled(profile: Profile) -> list[str]:
    return [cue for cue in CUE_IDS if profile.cues[cue].enabled]


def _rule_arrays(profile: Profile, cues: list[str]):
    """(cue columns, signs, (on, off) thresholds, minimum durations, bridges) of ``cues``."""
    idx = np.array([CUE_INDEX[c] for c in cues], dtype=int)
    sign = SIGN[idx]
    on = np.array([profile.cues[c].threshold for c in cues]) * sign
    off = on - np.array([profile.cues[c].hysteresis for c in cues])
    min_d = np.array([profile.cues[c].min_duration_s for c in cues])
    bridge = np.array([profile.cues[c].bridge_s for c in cues])
    return idx, sign, np.stack([on, off]), min_d, bridge


class CueEngine:
    """Streaming cue detection: feed ``FeatureFrame``s in time order with ``step``; call
    ``finish`` at the end to close running episodes.

    Args:
        profile: thresholds and timings.
        baseline: the fitted baseline of this person.
    """

    def __init__(self, profile: Profile, baseline: Baseline) -> None:
        self.profile = profile
        self.center = baseline.center_
        self.cues = _enabled(profile)
        self._idx, self._sign, (self._on, self._off), self._min_d, self._bridge = _rule_arrays(profile, self.cues)
        n = len(self.cues)
        self._active = np.zeros(n, bool)
        self._dip_since = np.full(n, np.nan)  # when a running episode's signal dipped (NaN: it has not)
        self._start = np.zeros(n)
        self._confirmed = np.full(n, np.nan)
        self._peak = np.full(n, -np.inf)
        self._last_t: float | None = None
        # Why a cue is unknown: the catalogue's "can't see …", or a missing baseline value.
        probe = cue_signals(np.zeros((1, len(FEATURES))) + 1.0, self.center)[0]
        self._no_baseline = {c for c in self.cues if np.isnan(probe[CUE_INDEX[c]])}

    def _close(self, i: int, end_s: float) -> CueEvent | None:
        self._active[i] = False
        self._dip_since[i] = np.nan
        if np.isnan(self._confirmed[i]):
            return None
        return CueEvent(
            self.cues[i], float(self._start[i]), float(end_s), float(self._confirmed[i]), float(self._peak[i] * self._sign[i])
        )

    def step(self, ff: FeatureFrame) -> CueUpdate:
        t = ff.t
        s = cue_signals(ff.values[None, :], self.center)[0, self._idx] * self._sign
        on = s >= self._on
        off = ~(s >= self._off)
        ended, confirmed = [], []
        for i in range(len(self.cues)):
            if self._active[i]:
                if np.isnan(self._dip_since[i]):
                    if off[i]:
                        self._dip_since[i] = t
                elif on[i] and t - self._dip_since[i] < self._bridge[i]:
                    self._dip_since[i] = np.nan  # back within the bridge: the same change goes on
                if not np.isnan(self._dip_since[i]) and t - self._dip_since[i] >= self._bridge[i]:
                    event = self._close(i, float(self._dip_since[i]))
                    if event is not None:
                        ended.append(event)
            if not self._active[i] and on[i]:
                self._active[i] = True
                self._start[i] = t
                self._confirmed[i] = np.nan
                self._peak[i] = -np.inf
            if self._active[i] and np.isnan(self._dip_since[i]):
                self._peak[i] = max(self._peak[i], s[i])
                if np.isnan(self._confirmed[i]) and t - self._start[i] >= self._min_d[i]:
                    self._confirmed[i] = t
                    confirmed.append(self.cues[i])
        self._last_t = t
        states = {}
        for i, cue in enumerate(self.cues):
            value = float(s[i] * self._sign[i])
            threshold = float(self._on[i] * self._sign[i])
            if np.isnan(value):
                reason = (
                    "no baseline for this cue (not seen during calibration)"
                    if cue in self._no_baseline
                    else f"can't see {BY_ID[cue].needs}"
                )
                states[cue] = CueState(cue, "unknown", value, threshold, reason, min_duration_s=float(self._min_d[i]))
            else:
                status = "active" if self._active[i] and not np.isnan(self._confirmed[i]) else "inactive"
                above = float(t - self._start[i]) if self._active[i] else 0.0
                states[cue] = CueState(cue, status, value, threshold, above_s=above, min_duration_s=float(self._min_d[i]))
        return CueUpdate(t, states, confirmed, ended)

    def finish(self) -> list[CueEvent]:
        """Close running episodes at the last frame's time (or where their last dip began); returns
        the confirmed ones."""
        if self._last_t is None:
            return []
        events = [self._close(i, self._last_t if np.isnan(self._dip_since[i]) else float(self._dip_since[i]))
                  for i in range(len(self.cues)) if self._active[i]]
        return [e for e in events if e is not None]


def detect_events(t: np.ndarray, X: np.ndarray, baseline: Baseline | np.ndarray, profile: Profile) -> list[CueEvent]:
    """Batch cue detection over a whole recording (same rule and results as ``CueEngine``).

    Args:
        t: (n_frames,) increasing session times, seconds.
        X: (n_frames, len(FEATURES)) feature values.
        baseline: fitted ``Baseline`` or its ``center_`` array.
        profile: thresholds and timings.

    Returns:
        Confirmed episodes, sorted by end time then catalogue order (the order ``CueEngine`` emits).
    """
    center = baseline.center_ if isinstance(baseline, Baseline) else np.asarray(baseline, np.float64)
    t = np.asarray(t, dtype=np.float64)
    if t.ndim != 1 or t.shape[0] != np.asarray(X).shape[0]:
        raise ValueError(f"t must have shape ({np.asarray(X).shape[0]},), but got shape {t.shape}")
    if t.size == 0:
        return []
    cues = _enabled(profile)
    idx, sign, (on_thr, off_thr), min_d, bridge = _rule_arrays(profile, cues)
    S = cue_signals(X, center)[:, idx] * sign
    return detect_from_signals(t, S, on_thr, off_thr, min_d, cues, sign, bridge)


def detect_from_signals(
    t: np.ndarray,
    S: np.ndarray,
    on_thr: np.ndarray,
    off_thr: np.ndarray,
    min_d: np.ndarray,
    cues: list[str],
    sign: np.ndarray,
    bridge: np.ndarray | None = None,
) -> list[CueEvent]:
    """The batch rule on precomputed, sign-adjusted signals ``S`` (n_frames, n_cues): the
    building block for threshold sweeps, where the signals are computed once. ``bridge``: per
    cue, seconds (None: no bridge)."""
    bridge = np.zeros(len(cues)) if bridge is None else np.asarray(bridge, np.float64)
    n = t.shape[0]
    frame = np.arange(n)
    with np.errstate(invalid="ignore"):
        on = S >= on_thr
        off = ~(S >= off_thr)
    # A frame is active when the latest "on" frame is more recent than the latest "off" frame.
    last_on = np.maximum.accumulate(np.where(on, frame[:, None], -1), axis=0)
    last_off = np.maximum.accumulate(np.where(off, frame[:, None], -1), axis=0)
    active = last_on > last_off
    found = []  # (end index, cue column, start, end, confirmed, peak) arrays per cue
    padded = np.vstack([S, np.full((1, S.shape[1]), -np.inf)])  # lets a run end at n in reduceat
    for j in range(len(cues)):
        r0, r1 = runs(active[:, j])
        if r0.size == 0:
            continue
        # Runs less than the bridge apart are one episode (the streaming engine's comparison: the
        # next "on" frame's time minus the dip's first frame's time).
        joined = np.r_[False, t[r0[1:]] - t[r1[:-1]] < bridge[j]]
        first_run = np.flatnonzero(~joined)
        s0, s1 = r0[first_run], r1[np.r_[first_run[1:] - 1, r0.size - 1]]
        # Same float expression as the streaming engine: t_now - t_start >= min_duration_s.
        run_start_t = np.repeat(t[s0][np.cumsum(~joined) - 1], r1 - r0)
        in_runs = np.flatnonzero(active[:, j])  # the runs' frames, run after run
        ok = in_runs[t[in_runs] - run_start_t >= min_d[j]]
        if ok.size == 0:
            continue
        pos = np.searchsorted(ok, s0)  # first confirmed frame at or after each run's start
        first_ok = np.where(pos < ok.size, ok[np.minimum(pos, ok.size - 1)], n)
        keep = first_ok < s1
        if not keep.any():
            continue
        s0, s1, first_ok = s0[keep], s1[keep], first_ok[keep]
        # fmax: a dip inside an episode may hold frames where the cue is unknown (NaN).
        peaks = np.fmax.reduceat(padded[:, j], np.ravel(np.column_stack([s0, s1])))[::2] * sign[j]
        end_idx = np.minimum(s1, n - 1)
        # The frame at which the streaming engine tells the episode: the first one a bridge after
        # its dip began (n: at the end of the stream).
        told = np.array([k + int(np.argmax(t[k:] - t[k] >= bridge[j])) if k < n and (t[k:] - t[k] >= bridge[j]).any()
                         else n for k in s1], dtype=int)
        found.append((told, np.full(s0.size, j), t[s0], t[end_idx], t[first_ok], peaks))
    if not found:
        return []
    end_at, col, start_s, end_s, confirmed_s, peak = (np.concatenate(parts) for parts in zip(*found))
    order = np.lexsort((col, end_at))  # the order the streaming engine emits them in
    return [
        CueEvent(cues[col[k]], float(start_s[k]), float(end_s[k]), float(confirmed_s[k]), float(peak[k])) for k in order
    ]


def eyes_closed(X: np.ndarray, center: np.ndarray) -> np.ndarray:
    """Per frame: are the eyes at least ``features.CLOSED_FRACTION`` closed compared with the
    baseline (the per-frame judgement behind PERCLOS)? False where they cannot be measured."""
    X = np.asarray(X, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        closure = 1.0 - X[:, INDEX["eye_openness"]] / center[INDEX["eye_openness"]]
    return closure >= CLOSED_FRACTION
