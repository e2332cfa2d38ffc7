"""The Practice page's setup: consent from both people, names, mode, profile, timings.

Owns: ``Setup``, ``current_setup`` (the chosen values, read from ``st.session_state``) and
``setup_panel`` (the widgets; while a session runs they are collapsed and locked until Stop). The
choices last for the browser session: Streamlit forgets a widget's value once its page is left,
so ``setup_panel`` keeps a copy under ``KEPT`` and gives it back on the way in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import streamlit as st

from cue_trainer.app import call, panels
from cue_trainer.app.local_link import has_network
from cue_trainer.profiles import CALIBRATION_RANGE_S, Profile, ProfileError, available_profiles, load_profile
from cue_trainer.app.plain import plain

DEFAULTS = {
    "consent_partner": False, "consent_practitioner": False, "partner": "Partner", "practitioner": "Practitioner",
    "mode": "Coach", "profile": "default", "calibration_s": None, "overlay": True, "suggestion_s": 20,
    "alert": False, "link": None, "record": False,
}
#: Where the partner's picture comes from (``app.sources``).
Link = Literal["webrtc", "local", "window"]
LINKS: dict[Link, str] = {"webrtc": "Camera, direct (WebRTC)", "local": "Camera, local link (works offline)",
                          "window": "A window or tab (a video call)"}
#: The setup's copy that outlives the page (a plain value, not a widget's).
KEPT = "kept_setup"


@dataclass(frozen=True)
class Setup:
    """What the two people chose before the camera starts."""

    consented: bool
    partner: str
    practitioner: str
    mode: Literal["coach", "quiz"]
    profile: Profile
    profile_error: str | None
    calibration_s: float
    overlay: bool
    suggestion_visible_s: float
    alert: bool  # flash and chime when a cue starts (Coach mode)
    link: Link  # how the picture reaches the app
    record: bool = False  # both people agreed to record the video on this computer for the review

    @property
    def summary(self) -> str:
        """One line for the locked setup's label (Markdown there: the names are escaped)."""
        who = " with ".join(plain(x) for x in (self.partner, self.practitioner) if x)
        return (f"{self.mode.title()} mode · {who} · baseline {self.calibration_s:.0f} s · "
                f"profile {plain(self.profile.name)}")


def _value(key: str):
    return st.session_state.get(key, DEFAULTS[key])


def current_setup(home) -> Setup:
    """The setup as last chosen (the defaults before anything was chosen)."""
    choices = available_profiles(home / "profiles")
    name = _value("profile")
    error = None
    try:
        profile = load_profile(choices.get(name))
    except ProfileError as e:
        profile, error = load_profile(None), f"{e} Using the default profile instead."
    calibration = _value("calibration_s")
    return Setup(
        consented=bool(_value("consent_partner") and _value("consent_practitioner")),
        partner=str(_value("partner")).strip(), practitioner=str(_value("practitioner")).strip(),
        mode=str(_value("mode")).lower(), profile=profile, profile_error=error,
        calibration_s=float(calibration if calibration is not None else profile.calibration_s),
        overlay=bool(_value("overlay")), suggestion_visible_s=float(_value("suggestion_s")), alert=bool(_value("alert")),
        link=_value("link") or default_link(), record=bool(_value("record")),
    )


def default_link() -> str:
    """WebRTC where this computer has a network; the local link where it has none (offline)."""
    return "webrtc" if has_network() else "local"


def _keep(setup: Setup) -> None:
    """Before the widgets are drawn: each one's value as last chosen in this browser session (the
    defaults the first time), and a copy of them that outlives the page."""
    kept = st.session_state.setdefault(KEPT, {})
    first = {**DEFAULTS, "calibration_s": int(setup.profile.calibration_s), "link": setup.link}
    for key, default in first.items():
        if key in st.session_state:
            kept[key] = st.session_state[key]
        else:
            st.session_state[key] = kept.get(key, default)


def _picture_changed() -> None:
    """The partner agreed to a camera, or to a call: a change between the two asks them again."""
    before = st.session_state.get(KEPT, {}).get("link")
    if (before == "window") != (st.session_state.get("link") == "window"):
        st.session_state["consent_partner"] = False


def setup_panel(home, setup: Setup, *, locked: bool) -> None:
    """Draw the consent and setup widgets (disabled while ``locked``)."""
    _keep(setup)
    label = f"Setup — locked until Stop: {setup.summary}" if locked else "Before you start: consent and setup"
    with st.expander(label, expanded=not locked, key=f"setup-{locked}"):
        st.markdown(panels.LIMITS)
        st.radio("Picture", list(LINKS), key="link", on_change=_picture_changed,
                 format_func=LINKS.get, horizontal=True, disabled=locked,
                 help="Direct uses WebRTC. The local link sends the picture to the app over this computer's "
                      "own loopback connection: it works without any network (airplane mode). A window or tab: "
                      "your partner is on a video call; share the call's window and choose your partner in it "
                      "(the picture goes over the local link too, and never leaves this computer).")
        on_call = st.session_state.get("link") == "window"
        st.checkbox(
            call.CONSENT_PARTNER if on_call else
            "**Partner:** I agree to be on camera. I know the app looks for coarse posture and movement "
            "changes only, keeps no video unless we both tick the recording box below, and that I can pause or "
            "stop at any time.",
            key="consent_partner", disabled=locked,
        )
        st.checkbox(
            "**Practitioner:** I agree to practise noticing, to ask rather than assume, and to treat what "
            "my partner says about themselves as the answer.",
            key="consent_practitioner", disabled=locked,
        )
        st.checkbox(
            "**Both of us:** record the video on this computer for our review (deleted with the session). "
            "Optional; the practice works the same without it.",
            key="record", disabled=locked,
            help="The analysed frames are written to a video file in the data directory while you practise "
                 "(never while paused). Nothing leaves this computer.",
        )
        c1, c2 = st.columns(2)
        c1.text_input("Partner's name", key="partner", disabled=locked)
        c2.text_input("Practitioner's name", key="practitioner", disabled=locked)
        c1, c2, c3 = st.columns(3)
        c1.radio("Mode", ["Coach", "Quiz"], key="mode", horizontal=True, disabled=locked,
                 help="Coach shows the app's cues and suggestions live. Quiz hides them until the review.")
        choices = available_profiles(home / "profiles")
        if st.session_state["profile"] not in choices:  # a kept profile whose file is gone
            st.session_state["profile"] = DEFAULTS["profile"]
        c2.selectbox("Profile", list(choices), key="profile", disabled=locked,
                     help=f"Profiles are TOML files of thresholds; put yours in {home / 'profiles'}.")
        c3.number_input(
            "Baseline length (s)", min_value=int(CALIBRATION_RANGE_S[0]), max_value=int(CALIBRATION_RANGE_S[1]),
            step=1, key="calibration_s", disabled=locked,
            help="How long the partner sits naturally at the start, so that cues compare with them, not with others.",
        )
        c1, c2, c3 = st.columns(3)
        c1.toggle("Show landmarks on the video", key="overlay")
        c2.number_input("Suggestions stay on screen (s)", min_value=5, max_value=300,
                        step=5, key="suggestion_s", disabled=locked,
                        help="An unanswered check-in suggestion fades after this long.")
        c3.toggle("Flash and chime when a cue starts (Coach)", key="alert", disabled=locked)
        if setup.profile_error:
            st.error(plain(setup.profile_error))
        if not setup.consented:
            st.info("The sharing starts only after both people have agreed." if on_call else
                    "The camera starts only after both people have agreed.")
