"""Page pieces shared by several pages: the limits text and the profile picker.

Owns: ``LIMITS``, ``profile_picker``, ``deleted_notice`` and ``delete_button``.
"""
from __future__ import annotations

import streamlit as st

from cue_trainer import InputError
from cue_trainer.profiles import ProfileError, available_profiles, load_profile
from cue_trainer.app.plain import plain

LIMITS = """
**What this does.** The app compares the partner with their own first seconds on camera and
notices coarse, observable changes — sitting lower, much stiller, looking away, a hand at the face.
When it sees one, it may suggest a check-in question for the practitioner to ask.

**What it does not do.** It does not read emotions, moods or intentions.
It makes no diagnosis. Cameras miss things, bodies and cultures differ, and the partner is the
authority on their own experience.

**Privacy.** Everything stays on this computer. By default no video is saved: only derived
measurements, cue episodes, marks and suggestions, which you can delete completely. A video is kept
only when you ask: a live session's video when both of you tick "record" before starting (the
analysed frames, never while paused), or a copy of an uploaded file when you tick "keep a copy". It
lives in the data directory's `videos` folder and is deleted with its session.
"""


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
        st.error(f"{plain(e)} Using the default profile instead.")
        return load_profile(None)


def deleted_notice() -> None:
    """Say which session was deleted, or why it was not (after the rerun that ``delete_button``
    starts: a message inside its popover would close with it)."""
    if "delete_refused" in st.session_state:
        st.error(plain(st.session_state.pop("delete_refused")))
    if "deleted" in st.session_state:
        session_id, refused = st.session_state.pop("deleted")
        st.success(f"Session {session_id} was deleted.")
        if refused:
            st.warning(plain(refused))


def delete_button(store, session_id: int, *, forget=()) -> None:
    """"Delete permanently" (inside a confirmation popover): removes the session, then reruns the
    page with a notice; ``forget`` names session-state keys that pointed at it. A refusal (e.g. it
    is still being recorded) is one sentence on the page, outside the popover."""
    if st.button("Delete permanently", type="primary", key="confirm_delete"):
        try:
            refused = store.delete_session(session_id)
        except InputError as e:
            st.session_state["delete_refused"] = str(e)
            st.rerun()
        else:
            for key in forget:
                st.session_state.pop(key, None)
            st.session_state["deleted"] = (session_id, refused)
            st.rerun()
