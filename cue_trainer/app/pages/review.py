"""Review page: the score at a glance, then the timeline, suggestions, exports and delete."""
import streamlit as st

from cue_trainer.app import panels, style
from cue_trainer.app.charts import SEEK_SELECTIONS, cue_chart, legend_html
from cue_trainer.catalogue import BY_ID
from cue_trainer.clock import format_clock, local_time
from cue_trainer.framing import brief
from cue_trainer.recording import NOT_PRACTISED, Recording
from cue_trainer.review import (LEAD_S, absence_note, bundle, moments, others_note, outcome, review_video,
                                score_table, shown_cues, summary, tier_text, timeline)
from cue_trainer.scoring import RULES, SCORE_TOLERANCE_S, headline
from cue_trainer.store import SessionStore
from cue_trainer.app.plain import plain
from cue_trainer.app.library_panel import clip_title
from cue_trainer.app.video_practice import WANTED
from cue_trainer.store import MODE_WORDS

style.apply()
st.title("Review")
panels.deleted_notice()
store = SessionStore()
sessions = store.sessions()
if not sessions:
    st.info("No sessions yet. Practise live or process a video first.")
    st.stop()


def describe(s) -> str:
    who = s.people or clip_title(s.source_path) or (s.source_path or "")
    return f"#{s.id} · {local_time(s.started_at)} · {who} · {format_clock(s.duration_s)} · {s.kind} · {s.status}"


ids = [s.id for s in sessions]
wanted = st.query_params.get("session") or st.session_state.get("review_session")
try:
    index = ids.index(int(wanted)) if wanted is not None else 0
except (ValueError, TypeError):
    index = 0
by_id = {s.id: s for s in sessions}
sid = st.selectbox("Session", ids, index=index, format_func=lambda i: describe(by_id[i]), key="review_pick")
st.query_params["session"] = str(sid)
rec = Recording.load(store, sid)  # the whole session, read once per page run
info = rec.info
if info.status == "recording":
    st.info("This session is still being recorded (in another tab or window): the Review shows what is stored so "
            "far.")
elif info.status != "complete" or info.note:
    st.warning(plain(info.note) if info.note else "This session never ended cleanly; it holds what was recorded until then.")
head = st.container()  # the headline, written once the score is known
# What the camera missed, under the headline: one line each, the details folded.
framing = rec.framing()
if framing is not None and framing.notes():
    with st.expander(f":material/center_focus_weak: {plain(brief(framing))}", key="hidden-from-camera"):
        st.markdown("\n".join(f"- {plain(note)}" for note in framing.notes()))
if (note := absence_note(rec)) is not None:
    st.caption(f":material/person_off: {plain(note)}")
if (note := others_note(rec)) is not None:
    st.caption(f":material/group: {plain(note)}")
c1, c2 = st.columns([3, 1])
with c2:
    profile = panels.profile_picker(store.home, label="Score under profile", key="review_profile", recorded=True)
    tolerance = st.number_input("Hit window (s)", 1, 60, int(SCORE_TOLERANCE_S), 1, key="tolerance",
                                help="How far before a change starts or after it ends a mark still counts.")
scores = rec.score(profile, tolerance_s=float(tolerance))
labelled = rec.score_against_labels(float(tolerance)) if info.attempt else None
if info.attempt:
    base = store.session(info.practised_on)
    name = clip_title(base.source_path) or base.source_path or f"session {base.id}"
    head.caption(f"Practice on a video: {plain(name)} (session {base.id}) · {MODE_WORDS.get(info.mode, info.mode)}"
                 + (" · the video's time was moved while practising" if info.seeked else "")
                 + (f" · watched until {format_clock(rec.watched_until)}: later changes are not counted"
                    if len(rec.t) and rec.watched_until < float(rec.t[-1]) - 0.5 else "")
                 + " · nothing was analysed again: the marks are scored against what was stored with it.")
if labelled is not None:  # side by side: what the app found, and what careful hand labels say
    app_col, label_col = head.columns(2)
    app_col.markdown(f'**Against the app** <p id="score-headline" style="font-size:1.2rem;font-weight:600">'
                     f'{headline(scores[-1])}</p>', unsafe_allow_html=True)
    label_col.markdown(f'**Against careful labels** <p id="label-headline" style="font-size:1.2rem;font-weight:600">'
                       f'{headline(labelled[-1])}</p>', unsafe_allow_html=True)
    head.caption("The app's changes are what its thresholds found in this video; the careful labels were drawn by a "
                 "person, frame by frame. Where they differ, the labels are the better answer.")
else:
    head.markdown(f'<p id="score-headline" style="font-size:1.35rem;font-weight:600">'
                  f'{headline(scores[-1]) if rec.practised else NOT_PRACTISED}</p>', unsafe_allow_html=True)
if profile is not None:
    head.caption(f"Re-scored under the profile “{plain(profile.name)}”: the recorded features are replayed with its "
                 "thresholds; the stored session is unchanged.")
with c1:
    if rec.practised and labelled is not None:
        app_tab, label_tab = st.tabs(["Against the app", "Against careful labels"])
        app_tab.table(score_table(scores))
        label_tab.table(score_table(labelled))
        st.caption(RULES.format(tol=tolerance))
    elif rec.practised:
        st.table(score_table(scores))
        st.caption(RULES.format(tol=tolerance))
    else:
        st.caption("The changes the app found are listed under Moments and drawn on the timeline.")


def practise_on(session_id: int) -> None:
    st.session_state["practice_source"] = st.session_state["kept_source"] = "video"
    st.session_state[WANTED] = session_id


practice_target = info.practised_on if info.attempt else info.id
if review_video(store, info)[0] is not None and info.status == "complete" and rec.stretches:
    if st.button("Practise this video again" if info.attempt else "Practise on this video", key="practise_video",
                 icon=":material/play_circle:", on_click=practise_on, args=(practice_target,),
                 help="Watch it on the Practice page and mark what you notice, scored against what is stored here."):
        st.switch_page("practice.py")

st.subheader("Moments")
video, why_not = review_video(store, info)
found = moments(rec, profile, float(tolerance))
seek_key = f"seek-{sid}"


def seek(to_s: float) -> None:
    """Play from ``to_s`` (a moment's Play, or a click on a chart)."""
    st.session_state[seek_key] = to_s
    st.session_state[f"{seek_key}-show"] = True



#: Starts the player after a seek (a player that is already loaded does not start again on its
#: "autoplay" when only its start time changes) and brings it into view; run once after a seek. The
#: click that asked for it lets the page play sound.
PLAY = """<script>
const P = window.parent;
const v = P.document.querySelector('video');
if (v) {
  // In view: a click far down the page (a chart on a phone) leaves the player off screen. Looked at
  // until the page has settled after the rerun, which can move it again.
  const show = () => {
    const r = v.getBoundingClientRect();
    if (r.top < 0 || r.bottom > P.innerHeight) v.scrollIntoView({block: "center"});
  };
  const play = () => v.play().catch(() => {});
  if (v.readyState >= 1) setTimeout(play, 100); else v.addEventListener("loadedmetadata", play, {once: true});
  let tries = 0;
  const keep = setInterval(() => { show(); if (++tries >= 8) clearInterval(keep); }, 250);
}
</script>"""


left, right = st.columns([3, 2]) if video is not None else (None, st.container())
if video is not None:
    with left:
        start = int(st.session_state.get(seek_key, 0.0))
        # Play plays: after a seek the player starts on its own (the click was the person's go-ahead);
        # on opening the Review it waits.
        st.video(str(video), start_time=start, autoplay=seek_key in st.session_state)
        if st.session_state.pop(f"{seek_key}-show", False):
            st.iframe(PLAY, height=1)
        st.caption(f"The video's time is the session clock (now from {format_clock(start)}), as on the timeline "
                   "below.")
elif why_not:
    st.caption(plain(why_not))
with right:
    if not found:
        st.write("No moments: the app counted no changes, and there are no marks or suggestions.")
    with st.container(height=360 if len(found) > 6 else "content", key="moments"):
        for k, m in enumerate(found):
            row = st.container(horizontal=True, gap="small", vertical_alignment="center", key=f"moment-{k}")
            if video is not None:
                row.button(f"Play {format_clock(m.t)}", key=f"play-{k}", on_click=seek, args=(m.play_from_s,),
                           icon=":material/play_arrow:",
                           help=f"Play from {format_clock(m.play_from_s)}, 3 s before this moment")
            badge = {"missed": "red", "noticed": "green", "false alarm": "orange", "not scored": "gray",
                     "suggestion": "blue", "change": "violet"}[m.kind]
            row.markdown(f":{badge}-badge[{m.kind}] {plain(m.text)}")

st.subheader("Timeline")
df = timeline(rec, profile)
if df.empty:
    st.write("Nothing to plot: no baseline was calibrated in this session.")
else:
    length = max(rec.duration_s, float(df.end.max()), 1.0)
    st.markdown(legend_html(), unsafe_allow_html=True)
    lo, hi = st.slider("Show (s)", 0.0, float(round(length + 0.5)), (0.0, float(round(length + 0.5))), step=1.0,
                       key="span", help="Narrow the time span to look closely.")
    never = []  # cues the app could not see at any time: one line, not a chart all in "can't see"
    for cue in shown_cues(profile or rec.profile):
        spec = BY_ID[cue]
        rows = df[df.cue == spec.short]
        if not rows.kind.isin(["signal", "episode"]).any() and not ((rows.kind == "mark") & (rows.text == spec.short)).any():
            never.append(spec)
            continue
        st.markdown(f"**{spec.short}** <span style='color:#868e96'>· {spec.label.lower()} · in {spec.unit}</span>",
                    unsafe_allow_html=True)
        chart = cue_chart(rows, spec.unit, (lo, hi), seekable=video is not None)
        if video is None:
            st.altair_chart(chart, key=f"chart-{cue}")
            continue
        picked = st.altair_chart(chart, key=f"chart-{cue}", on_select="rerun", selection_mode=list(SEEK_SELECTIONS))
        starts = [p["start"] for name in SEEK_SELECTIONS for p in picked.selection.get(name, []) if "start" in p]
        # A selection stays selected across reruns: seek once per new click.
        if starts and st.session_state.get(f"picked-{cue}") != starts:
            st.session_state[f"picked-{cue}"] = starts
            seek(max(0.0, float(starts[0]) - LEAD_S))
            st.rerun()
    if never:
        st.caption(":material/visibility_off: No chart for " + ", ".join(f"{x.short} (needs {x.needs})" for x in never)
                   + f": the app could not see what {'it needs' if len(never) == 1 else 'they need'} at any time in "
                   "this session.")
    st.caption("Each row is one cue in its own unit, compared with your partner's baseline, along the session "
               "time. The line is the signal (gaps where the app could not see); once past the dashed threshold "
               "for long enough, it counts as a change."
               + (" Click an episode or a mark to play the video from 3 s before it." if video is not None else ""))

c1, c2 = st.columns(2)
with c1:
    st.subheader("Per cue")
    table = summary(rec.events_under(profile))
    if table.empty:
        st.write("No cue episodes.")
    else:
        st.table(table.set_index("cue").style.format(precision=1))
with c2:
    st.subheader("Check-in suggestions")
    if not rec.suggestions:
        st.write("No suggestions were offered in this session.")
    for s in rec.suggestions:
        st.markdown(f"- **{format_clock(s.t)}** · {BY_ID[s.cue].short} — “{plain(s.text)}” *({outcome(rec, s)})*")

st.subheader("Export")
e1, e2, e3 = st.columns(3)
# Each export is built only when its button is pressed (Streamlit calls the function then).
e1.download_button("CSV (zip)", lambda: bundle(store, sid, "csv"), f"session-{sid}-csv.zip",
                   "application/octet-stream", key="dl_csv", on_click="ignore")
e2.download_button("Parquet (zip)", lambda: bundle(store, sid, "parquet"), f"session-{sid}-parquet.zip",
                   "application/octet-stream", key="dl_parquet", on_click="ignore")
e3.download_button("Tiers (TSV, for ELAN)", lambda: tier_text(rec).encode(), f"session-{sid}-tiers.tsv",
                   "text/tab-separated-values", key="dl_tiers", on_click="ignore")

st.subheader("Delete")
with st.popover("Delete this session"):
    tries = len(store.attempts(sid))
    st.write(f"Session {sid} and everything recorded with it will be removed from this computer for good"
             + (f", with the {tries} practice attempt{'s' if tries != 1 else ''} made on its video." if tries else "."))
    panels.delete_button(store, sid, forget=("review_session",))  # the page then opens the newest session
