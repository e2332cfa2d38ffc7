"""Process a video page: a recorded video becomes a session, then its review opens."""
import tempfile
from pathlib import Path

import streamlit as st

from cue_trainer import InputError
from cue_trainer.frames import VideoFileSource
from cue_trainer.profiles import CALIBRATION_RANGE_S, default_profile
from cue_trainer.videos import VIDEO_SUFFIXES, process_video
from cue_trainer.store import SessionStore

st.title("Process a video")
st.markdown(
    "Analyse a recorded conversation the same way as a live session. The video is read from this "
    "computer and is **not** copied into the session store; an uploaded file is kept only while it is "
    "analysed. The person must agree to being analysed, as in live practice."
)
profile = default_profile()
upload = st.file_uploader("Video file", type=[s.lstrip(".") for s in VIDEO_SUFFIXES], key="upload")
path_text = st.text_input("…or a path on this computer", key="video_path", placeholder="/home/me/interview.mp4")
c1, c2 = st.columns(2)
fps = c1.number_input("Analysis rate (frames/s)", 1.0, 30.0, 10.0, 1.0, key="fps")
calibration_s = c2.number_input(
    "Baseline length (s)", CALIBRATION_RANGE_S[0], CALIBRATION_RANGE_S[1], profile.calibration_s, 1.0, key="calib"
)


def analyse(path: Path, name: str | None = None) -> int:
    bar = st.progress(0.0, text="Loading the models…")

    def progress(done: int, expected: int | None) -> None:
        if expected:
            bar.progress(min(1.0, done / expected), text=f"Analysed {done} of {expected} frames")

    result = process_video(path, store=SessionStore(), profile=profile, fps=fps, calibration_s=calibration_s,
                           progress=progress, source_name=name)
    bar.progress(1.0, text=f"Done: {result.frames} frames, {len(result.events)} cue episodes.")
    return result.session_id


if st.button("Analyse", type="primary", key="analyse", disabled=upload is None and not path_text.strip()):
    try:
        if upload is not None:
            with tempfile.TemporaryDirectory() as d:
                tmp = Path(d) / Path(upload.name).name
                tmp.write_bytes(upload.getvalue())
                try:
                    VideoFileSource(tmp)  # one clear sentence for a non-video, before anything is stored
                except InputError as e:
                    raise InputError(str(e).replace(str(tmp), upload.name)) from None
                sid = analyse(tmp, upload.name)  # an upload is recorded by its name, not the temp path
        else:
            path = Path(path_text.strip()).expanduser()
            VideoFileSource(path)
            sid = analyse(path)
    except InputError as e:
        st.error(str(e))
    else:
        st.session_state["review_session"] = sid
        st.switch_page("cue_trainer/app/pages/review.py")
