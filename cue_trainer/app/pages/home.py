"""About page: what the app does and does not do."""
import streamlit as st

from cue_trainer.catalogue import CUES

st.title("cue-trainer")
st.markdown(
    """
A trainer for **noticing** nonverbal cues. Two people practise together: the *partner* sits on
camera, the *practitioner* watches and marks what they notice. The app watches too, and when it
sees a change compared with the partner's own baseline it suggests a gentle check-in question —
instead of an assumption.

**What it does not do.** It does not read emotions, moods or intentions.
It makes no diagnosis. Cues are coarse and observable ("sitting lower than earlier"); cameras miss things;
bodies and cultures differ; the partner is the authority on their own experience.

**Privacy.** Everything stays on this computer. No video is saved; sessions keep derived
measurements, cue episodes, marks and suggestions, and can be deleted completely.
"""
)
st.subheader("Cues it can notice")
st.table({"cue": [c.label for c in CUES], "computed from": [c.signal for c in CUES]})
st.page_link("cue_trainer/app/pages/practice.py", label="Start practising", icon=":material/videocam:")
