"""About page: what the app does and does not do, and the way in."""
import streamlit as st

from cue_trainer.app import panels, style
from cue_trainer.catalogue import CUES

style.apply()
st.title("cue-trainer")
st.markdown(
    "A trainer for **noticing** nonverbal cues. Two people practise together: the *partner* sits on "
    "camera, the *practitioner* watches and marks what they notice. The app watches too, and when it "
    "sees a change compared with the partner's own baseline it suggests a gentle check-in question — "
    "instead of an assumption."
)
if st.button("Start practising", type="primary", icon=":material/videocam:", key="start"):
    st.switch_page("practice.py")
st.markdown(panels.LIMITS)
st.subheader("Cues it can notice")
st.table({"cue": [c.label for c in CUES], "short name": [c.short for c in CUES],
          "what the app measures": [c.signal for c in CUES]})
st.page_link("practice.py", label="Start practising", icon=":material/videocam:")
