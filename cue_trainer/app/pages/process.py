"""Process a video page: a recorded video becomes a session, then its review opens. Before
analysing, the page checks the baseline against the video's length and offers a shorter one."""
from dataclasses import replace
from pathlib import Path

import streamlit as st

from cue_trainer import InputError
from cue_trainer.app import style
from cue_trainer.clock import format_clock
from cue_trainer.frames import VideoFileSource
from cue_trainer.labels import read_labels
from cue_trainer.profiles import CALIBRATION_RANGE_S, default_profile
from cue_trainer.store import SessionStore
from cue_trainer.uploads import remove_stale_uploads, upload_folder
from cue_trainer.videos import MOST_OF_THE_VIDEO, VIDEO_SUFFIXES, process_video, shorter_baseline
from cue_trainer.app.plain import plain

#: Warn when the baseline takes more than this share of the video: little would be left to analyse.

style.apply()
remove_stale_uploads()  # uploads of an earlier run that was killed while analysing
st.title("Process a video")
st.markdown(
    "Analyse a recorded conversation the same way as a live session. The video is read from this "
    "computer and is **not** copied into the session store; an uploaded file is kept only while it is "
    "analysed, unless you ask to keep a copy for the Review. The person must agree to being analysed, "
    "as in live practice."
)
profile = default_profile()
upload = st.file_uploader("Video file", type=[s.lstrip(".") for s in VIDEO_SUFFIXES], key="upload")
path_text = st.text_input("…or a path on this computer", key="video_path", placeholder="/home/me/interview.mp4")
c1, c2 = st.columns(2)
fps = c1.number_input("Analysis rate (frames/s)", 1, 30, 10, 1, key="fps")
if "calib" not in st.session_state:
    st.session_state["calib"] = int(profile.calibration_s)
calibration_s = c2.number_input("Baseline length (s)", int(CALIBRATION_RANGE_S[0]), int(CALIBRATION_RANGE_S[1]),
                                step=1, key="calib",
                                help="The first seconds with the person in view, which later changes compare with.")
labels_file = st.file_uploader(
    "Labels (optional): a tier file of the changes in this video", type=["tsv", "csv", "txt"], key="labels_upload",
    help="The Review's TSV format (tier, begin, end, annotation; e.g. an ELAN export). With labels and a kept copy, "
         "the video joins your practice library: an attempt on it is also scored against these careful labels.")
keep = st.checkbox("Keep a copy of the uploaded video for the Review (stored on this computer, deleted with the "
                   "session)", value=False, key="keep_upload", disabled=upload is None,
                   help="A video given by its path is played from where it is; an upload is otherwise deleted "
                        "after the analysis.")


def shorter(seconds: int) -> None:
    st.session_state["calib"] = seconds


def check_length(path: Path, name: str) -> None:
    """Warn before analysing when the baseline would take (most of) the video, and offer a shorter one."""
    try:
        duration = VideoFileSource(path).duration_s
    except InputError:
        return  # said in one sentence when Analyse is pressed
    if duration and calibration_s >= MOST_OF_THE_VIDEO * duration:
        suggested = shorter_baseline(duration)
        what = "longer than" if calibration_s >= duration else "most of"
        st.warning(f"The {calibration_s} s baseline is {what} {plain(name)} ({format_clock(duration)}), so little or "
                   f"nothing would be left to analyse. A {suggested} s baseline leaves {duration - suggested:.0f} s.")
        st.button(f"Use a {suggested} s baseline", key="use_shorter", on_click=shorter, args=(suggested,))


def analyse(path: Path, name: str | None = None, labels=None, labels_name: str | None = None) -> int:
    """Process the video (and store ``labels``, read before, with it); returns the session id."""
    bar = st.progress(0.0, text="Loading the models…")

    def progress(done: int, expected: int | None) -> None:
        if expected:
            bar.progress(min(1.0, done / expected), text=f"Analysed {done} of {expected} frames")

    store = SessionStore()
    result = process_video(path, store=store, profile=profile, fps=float(fps),
                           calibration_s=float(calibration_s), progress=progress, source_name=name)
    if labels is not None:
        store.set_labels(result.session_id, labels, source=labels_name)
    if name is not None and keep:  # an upload the person asked to keep
        try:
            store.keep_video(result.session_id, path)
        except OSError as e:
            st.warning(f"The copy of the video could not be kept ({e.strerror or e}); the session is stored "
                       "without it.")
    bar.progress(1.0, text=f"Done: {result.frames} frames, {len(result.events)} cue episodes.")
    return result.session_id


with upload_folder() as d:
    chosen: tuple[Path, str | None] | None = None
    if upload is not None:
        tmp = d / Path(upload.name).name
        tmp.write_bytes(upload.getvalue())
        chosen = (tmp, upload.name)  # an upload is recorded by its name, not the temp path
    elif path_text.strip():
        chosen = (Path(path_text.strip()).expanduser(), None)
    if chosen is not None:
        check_length(chosen[0], chosen[1] or chosen[0].name)
    if st.button("Analyse", type="primary", key="analyse", disabled=chosen is None):
        path, name = chosen
        try:
            try:
                duration = VideoFileSource(path).duration_s  # one clear sentence for a non-video, before anything is stored
            except InputError as e:
                raise InputError(str(e).replace(str(path), name or str(path))) from None
            labels = None
            if labels_file is not None:  # read before the analysis: a bad file costs nothing
                tsv = d / f"labels-{Path(labels_file.name).name}"
                tsv.write_bytes(labels_file.getvalue())
                try:
                    # Each label names the file it came from: the upload's name, not its temporary path.
                    labels = [replace(x, source=labels_file.name)
                              for x in read_labels(tsv, session_end_s=duration or None)]
                except InputError as e:
                    raise InputError(str(e).replace(str(tsv), labels_file.name)) from None
            sid = analyse(path, name, labels, labels_file.name if labels_file is not None else None)
        except InputError as e:
            st.error(plain(e))
        else:
            st.session_state["review_session"] = sid
            st.switch_page("review.py")
