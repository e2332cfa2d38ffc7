"""Practice on a video, on the Practice page: pick a session's video (or a library clip), practise,
finish, review. The video plays in the page and the marking panel (``app.player``) reads its time.

Owns: ``video_practice``. The attempt itself is ``cue_trainer.attempts.Attempt``; the Review scores
it (``Recording`` reads the practised session's episodes).
"""
from __future__ import annotations

import streamlit as st

from cue_trainer import InputError
from cue_trainer.app.library_panel import clip_title, library
from cue_trainer.app.plain import plain
from cue_trainer.app.player import PLAYER_KEY, marking_panel
from cue_trainer.app.setup import KEPT
from cue_trainer.attempts import Attempt, practisable
from cue_trainer.catalogue import BY_ID
from cue_trainer.clock import format_clock
from cue_trainer.recording import Recording
from cue_trainer.review import review_video
from cue_trainer.store import SessionStore, StoreFault, explain

MODES = {"quiz": "Quiz", "coach": "Coach", "test": "Test run"}
MODE_HELP = ("Quiz shows nothing of the app's analysis until the end. Coach shows the episodes and check-in ideas "
             "the app found, at their times in the video. A test run is a Quiz that plays through: no pause, no "
             "seeking; seeking back is allowed in the other two and the attempt records that it was used.")
#: The session to open the picker on (set by the Review's "Practise on this video").
WANTED = "practice_video"
#: The running attempt (an ``Attempt``) and the last one finished (its id).
RUNNING, FINISHED = "attempt", "finished_attempt"


def _coach_data(rec: Recording, visible_s: float) -> dict:
    return {
        "episodes": [{"short": BY_ID[e.cue].short, "shown": e.confirmed_s, "end": max(e.end_s, e.confirmed_s + 1.0)}
                     for e in rec.events],
        "suggestions": [{"t": s.t, "text": s.text} for s in rec.suggestions],
        "visible_s": visible_s,
    }


def title(p) -> str:
    """A video's name in the picker: the library's title for a library clip."""
    lib = clip_title(p.info.source_path)
    return f"#{p.info.id} · {lib} (library)" if lib else p.title


def _finished_notice() -> None:
    done = st.session_state.get(FINISHED)
    if done is None:
        return
    with st.container(horizontal=True, vertical_alignment="center", key="attempt-saved"):
        st.success(f"Attempt {done} is saved.", width=260)
        if st.button(f"Review attempt {done}", type="primary", icon=":material/insights:", key="to_attempt_review"):
            st.session_state["review_session"] = done
            st.switch_page("review.py")


def _pick(store: SessionStore) -> None:
    """Choose a video, a name and a mode; start."""
    _finished_notice()
    library(store, on_ready=lambda sid: st.session_state.__setitem__(WANTED, sid))
    videos = practisable(store)
    by_id = {p.info.id: p for p in videos}
    if not videos:
        st.info("No video to practise on yet. Fetch a clip from the practice library above, process a video and tick "
                "“Keep a copy of the uploaded video for the Review”, or record a live session (both people agree).")
        return
    wanted = st.session_state.pop(WANTED, None)
    if wanted in by_id:
        st.session_state["vp_pick"] = wanted
    if st.session_state.get("vp_pick") not in by_id:
        st.session_state["vp_pick"] = videos[0].info.id
    with st.container(border=True, key="video-pick"):
        pick = st.selectbox(
            "Video", list(by_id), key="vp_pick",
            format_func=lambda i: (f"{title(by_id[i])} · {format_clock(by_id[i].info.duration_s)}"
                                   + (f" · {by_id[i].labelled} labelled change{'s' if by_id[i].labelled != 1 else ''}" if by_id[i].labelled else "")
                                   + (f" · tried {by_id[i].attempts}×" if by_id[i].attempts else "")))
        c1, c2 = st.columns(2)
        if "vp_name" not in st.session_state:
            st.session_state["vp_name"] = st.session_state.get(KEPT, {}).get("practitioner", "Practitioner")
        st.session_state.setdefault("vp_mode", "quiz")
        c1.text_input("Your name", key="vp_name", max_chars=80)
        c2.radio("Mode", list(MODES), format_func=MODES.get, key="vp_mode", horizontal=True, help=MODE_HELP)
        st.caption("Nothing of the video is analysed again: the attempt is scored against the changes the app found "
                   "in it" + (", and against the careful labels it has." if by_id[pick].labelled else "."))
        if st.button("Start practising on this video", type="primary", icon=":material/play_circle:", key="vp_start"):
            try:
                st.session_state[RUNNING] = Attempt(store, pick, practitioner=st.session_state["vp_name"].strip() or None,
                                                    mode=st.session_state["vp_mode"])
            except (InputError, StoreFault) as e:
                st.error(plain(e if isinstance(e, InputError) else explain(e, store.path)))
                return
            st.session_state.pop(FINISHED, None)
            st.rerun()


def _view(store: SessionStore, attempt: Attempt) -> dict | None:
    """What the practice screen shows of the practised session (its video, length, baseline end,
    recorded episodes): read once per attempt, not on each of the reruns every mark makes. None:
    the video is gone."""
    key = f"attempt-view-{attempt.id}"
    if key not in st.session_state:
        video, _ = review_video(store, attempt.base)
        if video is None:
            return None
        rec = Recording.load(store, attempt.id)
        st.session_state[key] = {
            "video": str(video), "length_s": rec.duration_s,
            "baseline_end_s": rec.stretches[0].start_s if rec.stretches else 0.0,
            "coach": _coach_data(rec, float(st.session_state.get("suggestion_s", 20))) if attempt.mode == "coach" else None,
            "name": clip_title(attempt.base.source_path) or attempt.base.source_path or f"session {attempt.base.id}",
        }
    return st.session_state[key]


def _practise(store: SessionStore, attempt: Attempt) -> None:
    view = _view(store, attempt)
    if view is None:
        attempt.finish()
        st.session_state.pop(RUNNING, None)
        st.error(f"The video of session {attempt.base.id} is no longer there; attempt {attempt.id} ended.")
        return
    baseline_end, name = view["baseline_end_s"], view["name"]
    st.caption(f"Practising on {plain(name)} · "
               f"{MODES[attempt.mode]}" + (f" · marks count from {format_clock(baseline_end)}, after the app's "
                                          "baseline" if baseline_end else ""))
    video_col, side = st.columns([1.25, 1], gap="medium")
    with video_col, st.container(key=PLAYER_KEY):
        st.video(view["video"])
    with side:
        result = marking_panel(
            attempt=attempt.id, length_s=view["length_s"], baseline_end_s=baseline_end, test=attempt.mode == "test",
            coach=view["coach"], on_finish=lambda: None, key=f"marking-{attempt.id}")
        try:
            attempt.take(list(result.marks or []), seeked=bool(result.seeked))
            if result.finish is not None:
                st.session_state[FINISHED] = attempt.finish(float(result.finish))
                st.session_state.pop(RUNNING, None)
                st.rerun()
        except (InputError, StoreFault) as e:  # the store is gone or full: say so, keep what was stored
            st.session_state.pop(RUNNING, None)
            st.error(plain(e if isinstance(e, InputError) else explain(e, store.path)))


def video_practice(store: SessionStore) -> None:
    """The Practice page when practising on a video."""
    attempt = st.session_state.get(RUNNING)
    if attempt is None or attempt.ended:
        _pick(store)
    else:
        _practise(store, attempt)
