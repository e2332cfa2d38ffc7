"""Page pieces shared by pages: the limits text and the live cue panel (a fragment that refreshes
a few times a second without rerunning the whole page)."""
from __future__ import annotations

import html
from dataclasses import dataclass

import streamlit as st

from cue_trainer.catalogue import BY_ID, CUES
from cue_trainer.clock import format_clock
from cue_trainer.features import FEATURE_DOCS
from cue_trainer.profiles import CALIBRATION_RANGE_S, Profile, ProfileError, available_profiles, load_profile

LIMITS = """
**What this does.** The app compares the partner with their own first seconds on camera and
notices coarse, observable changes — sitting lower, much stiller, looking away, a hand at the face.
When it sees one, it may suggest a check-in question for the practitioner to ask.

**What it does not do.** It does not read emotions, moods or intentions.
It makes no diagnosis. Cameras miss things, bodies and cultures differ, and the partner is the
authority on their own experience.

**Privacy.** Everything stays on this computer. No video is saved: only derived measurements,
cue episodes, marks and suggestions, which you can delete completely.
"""

MARKABLE = [c for c in CUES if c.suggests]
_STATUS_COLOUR = {"active": "#d9480f", "inactive": "#868e96", "unknown": "#adb5bd"}


def profile_picker(home, *, label: str = "Profile", key: str = "profile", recorded: bool = False):
    """A select box of the default profile and the ``*.toml`` files in ``<home>/profiles``.

    Returns the chosen ``Profile``, or None for "as recorded" (offered when ``recorded``). An
    invalid file is reported in one sentence and the default is used instead.
    """
    choices = available_profiles(home / "profiles")
    options = (["as recorded"] if recorded else []) + list(choices)
    name = st.selectbox(label, options, key=key,
                        help=f"Profiles are TOML files of thresholds; put yours in {home / 'profiles'}.")
    if name == "as recorded":
        return None
    try:
        return load_profile(choices[name])
    except ProfileError as e:
        st.error(f"{e} Using the default profile instead.")
        return load_profile(None)


@dataclass(frozen=True)
class Setup:
    """What the two people chose before the camera starts."""

    partner: str
    practitioner: str
    mode: str  # "coach" or "quiz"
    calibration_s: float
    overlay: bool


def setup(profile: Profile) -> Setup | None:
    """Consent from both people, then names, mode and baseline length; None until both consent."""
    st.subheader("1 · Consent")
    partner_ok = st.checkbox(
        "**Partner:** I agree to be on camera. I know the app looks for coarse posture and movement "
        "changes only, keeps no video, and that I can pause or stop at any time.",
        key="consent_partner",
    )
    practitioner_ok = st.checkbox(
        "**Practitioner:** I agree to practise noticing, to ask rather than assume, and to treat what "
        "my partner says about themselves as the answer.",
        key="consent_practitioner",
    )
    if not (partner_ok and practitioner_ok):
        st.info("The camera starts only after both people have agreed.")
        return None
    st.subheader("2 · Who is practising")
    c1, c2 = st.columns(2)
    partner = c1.text_input("Partner's name", value="Partner", key="partner")
    practitioner = c2.text_input("Practitioner's name", value="Practitioner", key="practitioner")
    c1, c2, c3 = st.columns(3)
    mode = c1.radio(
        "Mode", ["Coach", "Quiz"], key="mode", horizontal=True,
        help="Coach shows the app's cues and suggestions live. Quiz hides them until the review.",
    )
    calibration_s = c2.number_input(
        "Baseline length (s)", min_value=CALIBRATION_RANGE_S[0], max_value=CALIBRATION_RANGE_S[1],
        value=profile.calibration_s, step=1.0, key="calibration_s",
        help="How long the partner sits naturally at the start, so that cues compare with them, not with others.",
    )
    overlay = c3.toggle("Show landmarks on the video", value=True, key="overlay")
    return Setup(partner.strip(), practitioner.strip(), mode.lower(), float(calibration_s), overlay)


def _badges(states) -> str:
    parts = []
    for spec in CUES:
        state = states.get(spec.id)
        if state is None:
            continue
        text = spec.short if state.status != "unknown" else f"{spec.short}: {state.reason}"
        weight = "700" if state.status == "active" else "400"
        parts.append(
            f'<span class="cue-badge" data-cue="{spec.id}" data-status="{state.status}" '
            f'style="display:inline-block;margin:2px;padding:2px 8px;border-radius:10px;'
            f'border:1px solid {_STATUS_COLOUR[state.status]};color:{_STATUS_COLOUR[state.status]};'
            f'font-weight:{weight}">{html.escape(text)}</span>'
        )
    return "".join(parts)


@st.fragment(run_every=0.5)
def live_panel(ctx, coach: bool) -> None:
    """Status, cue badges and the current suggestion (coach mode); refreshes twice a second."""
    processor = ctx.video_processor
    if processor is None:
        st.caption("Press START to turn the camera on. The session begins with the baseline.")
        return
    live = processor.live
    snap = live.snapshot()
    fps = snap.frames_analysed / snap.now_s if snap.now_s > 0 else 0.0
    status = {
        "waiting": "Waiting for the partner to be in view…",
        "calibrating": f"Baseline: please sit naturally — {snap.calibration_left_s or 0:.0f} s left",
        "practising": "Practising",
        "paused": "Paused — nothing is analysed or recorded",
        "ended": "Ended",
    }[snap.phase]
    st.markdown(
        f'<div id="live-status" data-phase="{snap.phase}" data-now="{snap.now_s:.3f}" '
        f'data-session="{snap.session_id}" data-received="{snap.frames_received}" '
        f'data-analysed="{snap.frames_analysed}">Session {snap.session_id} · {format_clock(snap.now_s)} · {status} · '
        f"{fps:.1f} frames/s analysed, {100 * snap.dropped_share:.0f} % skipped</div>",
        unsafe_allow_html=True,
    )
    if snap.error:
        st.warning(snap.error)

    if coach and snap.phase == "practising":
        st.markdown(f'<div id="cue-badges">{_badges(snap.states)}</div>', unsafe_allow_html=True)
        if snap.suggestion is not None:
            suggestion = snap.suggestion
            st.info(f"**Check-in idea** ({BY_ID[suggestion.cue].short.lower()}): {suggestion.text}")
            a, b, _ = st.columns([1, 1, 4])
            a.button("Asked it", key=f"asked-{suggestion.id}", on_click=live.respond, args=(suggestion.id, "asked"))
            b.button("Not now", key=f"notnow-{suggestion.id}", on_click=live.respond, args=(suggestion.id, "not_now"))
    elif not coach and snap.phase == "practising":
        st.caption("Quiz mode: the app's cues and suggestions stay hidden until the review.")

    if snap.baseline and st.toggle("Show baseline and thresholds", key="show_baseline"):
        with st.container(border=True):
            st.dataframe(
                [
                    {"cue": BY_ID[cue].label, "now": s.value, "threshold": s.threshold, "unit": BY_ID[cue].unit,
                     "status": s.status if coach else "hidden (quiz)"}
                    for cue, s in snap.states.items()
                ],
                hide_index=True,
            )
            st.dataframe(
                [{"measure": k, "baseline": v, "meaning": FEATURE_DOCS[k]} for k, v in snap.baseline.items()
                 if k not in ("present", "speed")],
                hide_index=True,
            )


@st.fragment
def controls(ctx) -> None:
    """Pause, recalibrate, stop, and the practitioner's marks. A fragment of its own that reruns
    only when used, so that the twice-a-second refresh stays light."""
    processor = ctx.video_processor
    if processor is None:
        return
    live = processor.live
    phase = live.snapshot().phase  # callbacks below run before this, so it is current
    c = st.columns(4)
    if phase == "paused":
        c[0].button("Resume", key="resume", shortcut="P", on_click=live.resume)
    else:
        c[0].button("Pause", key="pause", shortcut="P", disabled=phase == "ended", on_click=live.pause)
    c[1].button("Recalibrate", key="recalibrate", disabled=phase in ("ended", "paused"), on_click=live.recalibrate)
    if c[2].button("Stop", key="stop", type="primary", disabled=phase == "ended"):
        st.session_state["ended_session"] = live.stop()
        st.session_state["stop_stream"] = True
        st.rerun(scope="app")

    st.markdown("**What did you notice?** (keys 1–9)")
    cols = st.columns(len(MARKABLE))
    for i, (col, spec) in enumerate(zip(cols, MARKABLE), start=1):
        if col.button(spec.short, key=f"mark-{spec.id}", shortcut=str(i), help=spec.label,
                      disabled=phase == "ended"):
            t = live.mark(spec.id)
            st.toast(f"Marked “{spec.short}” at {format_clock(t)}")
    with st.form("note", clear_on_submit=True, border=False):
        note = st.text_input("Note", placeholder="Anything else you noticed", label_visibility="collapsed")
        if st.form_submit_button("Add note") and note.strip():
            t = live.mark(None, note.strip())
            st.toast(f"Note added at {format_clock(t)}")
