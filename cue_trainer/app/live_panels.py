"""The Practice page's live panels: the session clock and phase, the practitioner's marks and
controls, and (Coach mode only) the cue badges, the current suggestion and the live values.

Owns: ``status_panel``, ``suggestion_panel``, ``controls_panel`` (with ``mark_grid``), ``cue_panel`` (fragments: the status and cue panels
refresh without rerunning the page, and so does the mark grid, which turns on as the baseline
ends; the other controls rerun only when used) and the
text helpers they share. Reads the ``LiveSession`` the webcam processor holds; never touches the
worker thread's state except through the session's lock-guarded methods.
"""
from __future__ import annotations

import base64
import html
import io
import math
import wave

import numpy as np
import streamlit as st

from cue_trainer.catalogue import BY_ID, CUES, MARKABLE
from cue_trainer.clock import format_clock
from cue_trainer.cues import CueState
from cue_trainer.features import FEATURE_DOCS
from cue_trainer.framing import small_picture
from cue_trainer.app.plain import plain

PHASE_TEXT = {
    "waiting": "Waiting for the partner to be in view",
    "calibrating": "Baseline: please sit naturally",
    "practising": "Practising",
    "paused": "Paused — nothing is analysed or recorded",
    "ended": "Ended",
}
#: Phases in which the baseline is not done yet: marks are off.
BASELINE_PHASES = ("waiting", "calibrating")
#: What a mark key says while marks are off for the baseline (app.keys shows it).
MARKS_AFTER_BASELINE = "Marks start when the baseline is done: for now the partner just sits naturally."
KEYS_HELP = (
    f"**Keys** — `{MARKABLE[0].key}`–`{MARKABLE[-1].key}` mark what you noticed (the number on each button) · "
    "`P` pause or resume · `N` write a note · `?` show or hide this help. Keys work as soon as the camera "
    "runs; marks start once the baseline is done; while you type a note, keys type into the note."
)
#: With no frame at all after this long, the camera stream did not connect (say so, don't wait forever).
CONNECT_TIMEOUT_S = 10.0
#: How long a newly started cue's badge flashes, seconds.
FRESH_S = 2.0


def _live(source):
    processor = source.processor
    return processor.live if processor is not None else None


def format_value(cue: str, value: float) -> str:
    """A cue's signal in its unit, rounded as people read it ("not yet" when unknown)."""
    if value is None or not math.isfinite(value):
        return "not yet"
    unit = BY_ID[cue].unit
    if unit == "degrees":
        return f"{value:.0f}°"
    if unit == "share":
        return f"{100 * value:.0f} %"
    if unit == "shoulder widths":
        return f"{value:.2f} shoulder widths"
    return f"{value:.2f}"


def state_text(state: CueState) -> str:
    """What a cue's state means, in words."""
    if state.status == "unknown":
        return state.reason
    if state.status == "active":
        return "showing now"
    if state.above_s > 0:
        return f"past the threshold for {state.above_s:.1f} of {state.min_duration_s:g} s"
    return "not showing"


@st.fragment(run_every=1.0)
def status_panel(source, *, unconnected=None, on_no_picture=None, on_fault=None, notice: str | None = None) -> None:
    """Session clock, phase and the baseline countdown; refreshes every second (the clock's tick).

    ``unconnected()`` finds a session whose stream has no processor (any more): one that never
    connected. With no picture after ``CONNECT_TIMEOUT_S`` it is handed to ``on_no_picture``
    (which ends it and says so) instead of waiting forever. ``notice``: what to say, before a
    stream runs, about how the last one ended. A session the store stopped recording (disk full,
    store removed) is handed to ``on_fault``, which ends the stream and says what was kept.
    """
    live = _live(source)
    if live is None and unconnected is not None:
        live = unconnected()
        if live is not None and on_no_picture is not None:
            snap = live.snapshot()
            if snap.frames_received == 0 and snap.now_s > CONNECT_TIMEOUT_S:
                on_no_picture(live)
                return
            live = None
    if live is None:
        if notice:
            st.error(notice)
        st.caption(source.start_hint)
        return
    if st.session_state.get("controls_for") != live.session_id:
        # The clock appears together with the mark buttons (drawn by the page's next full run), so
        # that a key pressed as soon as the clock runs always has its button.
        st.caption("Starting the session…")
        return
    if live.fault is not None and on_fault is not None:
        on_fault(live)
        return
    snap = live.snapshot()
    fps = snap.frames_analysed / snap.now_s if snap.now_s > 0 else 0.0
    recording = ""
    if snap.recording and snap.recording_error is None:
        recording = (f' · <span class="recording">● recording, {snap.recorded_bytes / 1e6:.1f} MB'
                     + (f", {snap.recording_dropped} frames dropped" if snap.recording_dropped else "") + "</span>")
    others = ""
    if snap.others_in_view and snap.phase not in ("ended", "paused"):
        # A state, never a cue: the badge says whom the app describes.
        others = ('<br><span class="others-badge">Another person in view · only the partner is described'
                  + ("" if snap.partner_in_view else " (the partner is not in view)") + "</span>")
    follower = source.processor.follower if source.processor is not None else None
    tile = ",".join(map(str, follower.tile.as_list())) if follower is not None else ""
    size = source.processor.picture_size if source.processor is not None else None
    picture_size = "x".join(map(str, size)) if size else ""
    st.markdown(
        f'<div id="live-status" data-phase="{snap.phase}" data-now="{snap.now_s:.3f}" '
        f'data-frame="{"" if snap.t is None else f"{snap.t:.3f}"}" data-tile="{tile}" data-picture="{picture_size}" '
        f'data-session="{snap.session_id}" data-received="{snap.frames_received}" '
        f'data-analysed="{snap.frames_analysed}" data-recording="{int(snap.recording)}" '
        f'data-others="{int(snap.others_in_view)}">'
        f'<span class="clock">{format_clock(snap.now_s)}</span> · '
        f"{PHASE_TEXT[snap.phase]} <span class=\"suggestion-time\">· session {snap.session_id} · "
        f"{fps:.0f} frames/s, {100 * snap.dropped_share:.0f} % skipped{recording}</span>{others}</div>",
        unsafe_allow_html=True,
    )
    # The same slots on every refresh, filled or emptied, so that nothing stale stays on screen.
    progress, error, picture = st.empty(), st.empty(), st.empty()
    if follower is not None and snap.phase != "ended":
        if follower.lost:
            picture.warning("The partner's tile is not in the shared picture now: the app keeps to where it was "
                            "and goes on when it is back. Is the call still in the shared window?")
        elif (advice := small_picture(follower.tile.h)) is not None:
            picture.warning(advice)
    if snap.phase == "calibrating" and snap.calibration_left_s is not None:
        total = live.calibration_s
        done = min(1.0, max(0.0, 1.0 - snap.calibration_left_s / total))
        progress.progress(done, text=f"Baseline: {snap.calibration_left_s:.0f} s left of {total:.0f} s · marks start after it")
    if snap.frames_received == 0 and snap.now_s > CONNECT_TIMEOUT_S:
        error.error(f"No picture has reached the app in {CONNECT_TIMEOUT_S:g} s: the camera stream could not "
                    "connect. If this computer is offline, press Stop and choose “Camera, local link” under Picture in Setup.")
    elif snap.error:
        error.warning(snap.error)
    elif snap.recording_error:
        error.warning(snap.recording_error)


@st.fragment(run_every=0.5)
def mark_grid(source) -> None:
    """A button per markable cue (its key on it). Off while paused or ended, and before the baseline
    is done: nothing is analysed yet, so nothing could be scored (a key then gets a short notice from
    app.keys). Redrawn twice a second, so that the buttons turn on as the baseline ends."""
    live = _live(source)
    if live is None:
        return
    disabled = live.snapshot().phase in ("ended", "paused", *BASELINE_PHASES)
    with st.container(horizontal=True, gap="small", key="mark-grid"):
        for spec in MARKABLE:
            # Streamlit shows the shortcut key on the button itself.
            if st.button(spec.short, key=f"mark-{spec.id}", shortcut=spec.key, help=spec.label, disabled=disabled,
                         width=140):
                # Pressed just as the baseline restarted (Recalibrate): say so, mark nothing.
                if live.snapshot().phase in BASELINE_PHASES:
                    st.toast(MARKS_AFTER_BASELINE)
                else:
                    t = live.mark(spec.id)
                    st.toast(f"Marked “{spec.short}” at {format_clock(t)}")


@st.fragment
def controls_panel(source, *, on_stop) -> None:
    """The mark grid (its own fragment), a note (key N), pause (key P), recalibrate, stop. Reruns only when used."""
    live = _live(source)
    if live is None:
        return
    phase = live.snapshot().phase  # callbacks below run before this, so it is current
    off = phase in ("ended", "paused")
    st.session_state["controls_for"] = live.session_id
    mark_grid(source)
    with st.form("note", clear_on_submit=True, border=False):
        c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
        note = c1.text_input("Note", placeholder="Anything else you noticed (key N)", label_visibility="collapsed",
                             key="note_text", disabled=off)
        if c2.form_submit_button("Add note", disabled=off) and note.strip():
            t = live.mark(None, note.strip())
            st.toast(f"Note added at {format_clock(t)}")
    with st.container(horizontal=True, gap="small"):
        if phase == "paused":
            st.button("Resume", key="resume", shortcut="P", on_click=live.resume)
        else:
            st.button("Pause", key="pause", shortcut="P", disabled=phase == "ended", on_click=live.pause)
        st.button("Recalibrate", key="recalibrate", disabled=off, on_click=live.recalibrate)
        if st.button("Stop", key="stop", type="primary", disabled=phase == "ended"):
            on_stop(live)
        st.button("Keys ?", key="keys_help", type="tertiary",  # "?" is handled by app.keys
                  on_click=lambda: st.session_state.update(show_keys=not st.session_state.get("show_keys", False)))
    if st.session_state.get("show_keys"):
        st.info(KEYS_HELP)


def _badges(states: dict[str, CueState]) -> str:
    parts = []
    for spec in CUES:
        state = states.get(spec.id)
        if state is None:
            continue
        text = spec.short if state.status != "unknown" else f"{spec.short}: {state.reason}"
        fresh = state.status == "active" and state.above_s - state.min_duration_s < FRESH_S
        parts.append(
            f'<span class="cue-badge{" fresh" if fresh else ""}" data-cue="{spec.id}" '
            f'data-status="{state.status}">{html.escape(text)}</span>'
        )
    return "".join(parts)


def _chime() -> bytes:
    """A soft 0.3 s two-tone chime as WAV bytes."""
    rate = 22050
    t = np.arange(int(0.3 * rate)) / rate
    tone = 0.25 * (np.sin(2 * np.pi * 660 * t) + 0.5 * np.sin(2 * np.pi * 990 * t)) * np.exp(-8 * t)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((tone * 32767).astype("<i2").tobytes())
    return buf.getvalue()


#: While practising in Coach mode the suggestion has a slot of its own right under the clock, the
#: same height empty or full, so that the mark buttons under it never move when one arrives.
SUGGESTION_WAITING = "When the app notices a change, a question to check in appears here."


@st.fragment(run_every=0.5)
def suggestion_panel(source) -> None:
    """Coach mode: the current check-in suggestion (with its time; it pulses as it arrives and
    fades unanswered), in a fixed place beside the clock, seen while watching the partner."""
    live = _live(source)
    if live is None or live.snapshot().phase != "practising":
        return
    s = live.snapshot().suggestion
    if s is None:
        with st.container(border=True, key="suggestion-slot"):
            st.caption(SUGGESTION_WAITING)
        return
    # A key of its own per suggestion: a new element, so its arrival pulse plays once for each.
    with st.container(border=True, key=f"suggestion-slot-{s.id}"):
        st.markdown(f'**Check-in idea** <span class="suggestion-time">· {BY_ID[s.cue].short.lower()} · '
                    f"at {format_clock(s.t)}</span>", unsafe_allow_html=True)
        st.markdown(plain(s.text))
        with st.container(horizontal=True, gap="small"):
            st.button("Asked it", key=f"asked-{s.id}", on_click=live.respond, args=(s.id, "asked"))
            st.button("Not now", key=f"notnow-{s.id}", on_click=live.respond, args=(s.id, "not_now"))


@st.fragment(run_every=0.5)
def cue_panel(source, *, coach: bool, alert: bool) -> None:
    """What the camera hides (both modes, once calibrated). Coach mode: cue badges and the live
    values (the suggestion has its own panel, under the clock). Quiz mode: one line saying they
    are hidden — nothing else, so nothing can give the answers away."""
    live = _live(source)
    if live is None:
        return
    snap = live.snapshot()
    framing = st.empty()  # the same slot on every refresh
    if snap.framing and snap.phase != "ended":  # said once the baseline is set (it names no cue state)
        framing.caption(f":material/center_focus_weak: {snap.framing}")  # one short line: the suggestion stays in view
    if not coach:
        st.caption("Quiz mode: the app's cues, suggestions and live values stay hidden until the review.")
        return
    if snap.phase != "practising":
        return
    st.markdown(f'<div id="cue-badges" data-now="{snap.now_s:.3f}">{_badges(snap.states)}</div>', unsafe_allow_html=True)
    if alert:
        started = {(c, round(snap.now_s - s.above_s, 1)) for c, s in snap.states.items()
                   if s.status == "active" and s.above_s - s.min_duration_s < 1.0}
        new = started - st.session_state.setdefault("chimed", set())
        if new:
            st.session_state["chimed"] |= new
            b64 = base64.b64encode(_chime()).decode()
            st.markdown(f'<audio autoplay src="data:audio/wav;base64,{b64}"></audio>', unsafe_allow_html=True)
    if st.toggle("Live values and thresholds", key="show_values"):
        st.table([
            {"cue": BY_ID[cue].short, "now": format_value(cue, s.value), "threshold": format_value(cue, s.threshold),
             "state": state_text(s)}
            for cue, s in snap.states.items() if BY_ID[cue].suggests
        ])
        with st.expander("Baseline measures"):
            st.table([
                {"measure": FEATURE_DOCS[k], "baseline": f"{v:.3g}" if math.isfinite(v) else "not measured"}
                for k, v in snap.baseline.items() if k not in ("present", "speed")
            ])
