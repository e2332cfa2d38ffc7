"""Page pieces shared by several pages: the limits text and the profile picker.

Owns: ``LIMITS`` and ``profile_picker``.
"""
from __future__ import annotations

import streamlit as st

from cue_trainer.profiles import ProfileError, available_profiles, load_profile

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
