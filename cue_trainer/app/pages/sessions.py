"""Sessions page: every stored session (open in Review, delete), and progress across sessions:
the noticing score over time, per practitioner, and which cues are noticed or missed."""
import altair as alt
import pandas as pd
import streamlit as st

from cue_trainer.app import panels, style
from cue_trainer.clock import format_clock, local_time
from cue_trainer.progress import by_group, first_and_latest, per_cue, trend
from cue_trainer.review import own_video_size
from cue_trainer.store import SessionStore
from cue_trainer.app.plain import plain

style.apply()
st.title("Sessions")
panels.deleted_notice()
store = SessionStore()
if (damage := store.damage()) is not None:
    st.warning(plain(damage))
sessions = store.sessions()
if not sessions:
    st.info("No sessions yet. Practise live, or analyse a video on “Process a video” or with "
            "`cue-trainer process VIDEO`.")
    st.caption(f"Store: {plain(store.path)}")
    st.stop()


@st.cache_data(show_spinner="Scoring the sessions…")
def scores_of(home: str, stamp: tuple):
    """The trend of the store in ``home``; ``stamp`` (ids, ends, frames) makes new sessions count."""
    return trend(SessionStore(home))


scores = scores_of(str(store.home), tuple((s.id, s.ended_at, s.frames, s.status) for s in sessions))
by_id = {s.session_id: s for s in scores}
table = pd.DataFrame([
    {
        # What matters most first, so that a phone shows it before scrolling sideways.
        "id": s.id, "started": local_time(s.started_at),
        "noticed": f"{by_id[s.id].noticed} of {by_id[s.id].changes}" if s.id in by_id else "",
        "open": f"/review?session={s.id}",
        "partner": s.partner or "", "practitioner": s.practitioner or "",
        "kind": s.kind, "length": format_clock(s.duration_s),
        "status": s.status, "video": own_video_size(store, s), "source": s.source_path or "",
    }
    for s in sessions
])
st.dataframe(
    table, hide_index=True, key="sessions_table",
    column_config={"open": st.column_config.LinkColumn("open", display_text="Review"),
                   "id": st.column_config.NumberColumn("id", format="%d")},
)

with st.popover("Delete a session"):
    doomed = st.selectbox("Session", [s.id for s in sessions], key="delete_pick",
                          format_func=lambda i: next(f"#{s.id} · {local_time(s.started_at)} · "
                                                     f"{s.partner or s.source_path or ''}" for s in sessions if s.id == i))
    st.write("It and everything recorded with it will be removed from this computer for good.")
    panels.delete_button(store, doomed)

st.subheader("Progress")
if not scores:
    st.write("Practise a few sessions and your noticing score appears here, session by session.")
else:
    groups = by_group(scores)
    c1, c2 = st.columns(2)
    # A live Coach session shows the answers as they happen, a Quiz does not, and a video can be tried
    # again: one line through all of them would mislead, so each kind has its own.
    group = c1.radio("Kind", list(groups), key="group", horizontal=True,
                     format_func=lambda g: f"{g} ({len(groups[g])})",
                     help="Live Coach, live Quiz and practice on a video are kept apart.")
    people = sorted({s.practitioner or "(no name)" for s in scores})
    who = c2.selectbox("Practitioner", ["everyone", *people], key="who")
    mine = [s for s in groups[group or next(iter(groups))]
            if who == "everyone" or (s.practitioner or "(no name)") == who]
    if not mine:
        st.write(f"{who} has no sessions of this kind yet.")
    points = pd.DataFrame([
        {"session": f"#{s.session_id}", "started": local_time(s.started_at), "practitioner": s.practitioner or "(no name)",
         "noticed share": s.noticed_share, "false alarms / 10 min": s.false_alarms_per_10_min}
        for s in mine
    ])
    order = points.session.tolist()
    c1, c2 = st.columns(2)
    for col, measure in zip((c1, c2), ("noticed share", "false alarms / 10 min") if mine else ()):
        chart = alt.Chart(points).mark_line(point=True).encode(
            x=alt.X("session:N", sort=order, title="session, oldest first"),
            y=alt.Y(f"{measure}:Q", title=measure,
                    scale=alt.Scale(domain=[0, 1]) if measure.startswith("noticed") else alt.Undefined),
            color=alt.Color("practitioner:N", legend=alt.Legend(orient="top", title=None)),
            tooltip=["session", "started", "practitioner", alt.Tooltip(f"{measure}:Q", format=".2f")],
        ).properties(height=300, width="container")
        col.altair_chart(chart, key=f"trend-{measure[:7]}")
    cues = per_cue(mine)
    if len(cues):
        st.markdown("**Which changes you notice, and which you miss**")
        long = cues[["cue", "noticed", "missed"]].melt(id_vars="cue", var_name="outcome", value_name="changes")
        st.altair_chart(alt.Chart(long).mark_bar().encode(
            y=alt.Y("cue:N", sort=cues.cue.tolist(), title=None),
            x=alt.X("changes:Q", title="changes the app counted", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("outcome:N", scale=alt.Scale(domain=["noticed", "missed"], range=["#2f9e44", "#fa5252"]),
                            legend=alt.Legend(orient="top", title=None)),
            tooltip=["cue", "outcome", "changes"],
        ).properties(height=alt.Step(34), width="container"), key="per-cue")
    pairs = [(a, b) for a, b in first_and_latest(scores)
             if who == "everyone" or (b.practitioner or "(no name)") == who]
    if pairs:
        st.markdown("**Videos practised more than once: the first and the latest attempt**")
        st.dataframe(pd.DataFrame([
            {"video of": f"#{a.practised_on}", "first": f"#{a.session_id} · {local_time(a.started_at)}",
             "noticed first": f"{a.noticed} of {a.changes}", "latest": f"#{b.session_id} · {local_time(b.started_at)}",
             "noticed latest": f"{b.noticed} of {b.changes}",
             "labels, first → latest": "" if a.against_labels is None else
             f"{a.against_labels[1]} → {b.against_labels[1]} of {a.against_labels[0]}"}
            for a, b in pairs]), hide_index=True, key="first-latest")
    st.caption("The noticing score counts a change as noticed when you marked it within the hit window; "
               "see a session's Review for the rules. The same figures: `cue-trainer sessions trend`.")
st.caption(f"Store: {plain(store.path)}")
