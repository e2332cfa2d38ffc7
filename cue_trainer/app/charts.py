"""The review timeline as an Altair chart: one row per cue with its signal and threshold, episodes
as bars, marks as ticks, suggestions as dots, calibration/pause/"can't see" stretches shaded.
Drag to pan, scroll to zoom (x only), hover to read values."""
from __future__ import annotations

import altair as alt
import pandas as pd

_SHADES = {"calibration": "#dbe4ff", "pause": "#e9ecef", "cant_see": "#fff3bf"}


def timeline_chart(df: pd.DataFrame, *, width: int = 520, row_height: int = 70) -> alt.FacetChart:
    """Build the chart from ``cue_trainer.review.timeline`` rows."""
    zoom = alt.selection_interval(bind="scales", encodings=["x"])
    x = alt.X("start:Q", title="session time (s)")
    base = alt.Chart(df)
    shades = base.transform_filter(alt.FieldOneOfPredicate("kind", list(_SHADES))).mark_rect(opacity=0.6).encode(
        x=x, x2="end:Q",
        color=alt.Color("kind:N", scale=alt.Scale(domain=list(_SHADES), range=list(_SHADES.values())),
                        legend=alt.Legend(title="stretches")),
        tooltip=["text:N", alt.Tooltip("start:Q", format=".1f"), alt.Tooltip("end:Q", format=".1f")],
    )
    episodes = base.transform_filter("datum.kind == 'episode'").mark_rect(color="#ff8787", opacity=0.45).encode(
        x=x, x2="end:Q", tooltip=["text:N", alt.Tooltip("value:Q", title="peak", format=".2f")],
    )
    signal = base.transform_filter("datum.kind == 'signal'").mark_line(color="#1c7ed6", strokeWidth=1.2).encode(
        x=x, y=alt.Y("value:Q", title=None),
        tooltip=[alt.Tooltip("start:Q", title="t (s)", format=".1f"), alt.Tooltip("value:Q", format=".3f"),
                 alt.Tooltip("threshold:Q", format=".3f")],
    )
    threshold = base.transform_filter("datum.kind == 'signal'").mark_line(
        color="#e8590c", strokeDash=[4, 3], strokeWidth=1).encode(x=x, y="threshold:Q")
    marks = base.transform_filter("datum.kind == 'mark'").mark_rule(color="#2b8a3e", strokeWidth=2).encode(
        x=x, tooltip=["text:N", alt.Tooltip("start:Q", title="marked at (s)", format=".1f")],
    )
    suggestions = base.transform_filter("datum.kind == 'suggestion'").mark_point(
        shape="triangle-down", filled=True, size=90, color="#7048e8").encode(
        x=x, y=alt.value(6), tooltip=["text:N", alt.Tooltip("start:Q", title="offered at (s)", format=".1f")],
    )
    return (
        alt.layer(shades, episodes, signal, threshold, marks, suggestions)
        .properties(height=row_height, width=width)  # a facet cannot take the container's width
        .facet(row=alt.Row("cue:N", title=None, sort=list(dict.fromkeys(df.cue)),  # catalogue order
                           header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=200)))
        .resolve_scale(y="independent")
        .add_params(zoom)
    )
