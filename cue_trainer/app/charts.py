"""The review timeline as Altair charts: one chart per cue (full container width, its own y axis in
the cue's unit), all on one time axis, and one legend for every kind of mark.

Owns: ``COLOURS``, ``legend_html`` and ``cue_chart``. Colours are chosen to read on Streamlit's
light and dark themes: shaded stretches are translucent, and each has its own hue.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from cue_trainer.review import TIMELINE_KINDS

COLOURS = {
    "signal": "#1c7ed6",
    "threshold": "#e8590c",
    "episode": "#fa5252",
    "mark": "#2f9e44",
    "suggestion": "#7048e8",
    "calibration": "#4c6ef5",
    "pause": "#868e96",
    "cant_see": "#f59f00",
    "others": "#0ca678",
}
_SHADES = {"calibration": 0.22, "pause": 0.40, "cant_see": 0.30, "others": 0.25}


def legend_html() -> str:
    """One legend for every kind of mark on the timeline (an HTML row of swatches)."""
    def swatch(kind: str) -> str:
        colour = COLOURS[kind]
        if kind == "signal":
            shape = f"border-top:2px solid {colour};height:0;margin-top:7px"
        elif kind == "threshold":
            shape = f"border-top:2px dashed {colour};height:0;margin-top:7px"
        elif kind == "mark":
            shape = f"border-left:3px solid {colour};width:0;height:14px"
        elif kind == "suggestion":
            shape = (f"width:0;height:0;border-left:6px solid transparent;border-right:6px solid transparent;"
                     f"border-top:10px solid {colour};margin-top:2px")
        else:
            opacity = _SHADES.get(kind, 0.45)
            shape = f"background:{colour};opacity:{max(opacity, 0.4)};height:12px;margin-top:1px"
        return (f'<span style="display:inline-flex;align-items:flex-start;gap:5px;margin-right:14px;white-space:nowrap">'
                f'<span style="display:inline-block;width:18px;{shape}"></span>{TIMELINE_KINDS[kind]}</span>')
    return f'<div id="timeline-legend" style="font-size:0.85rem;line-height:1.8">{"".join(map(swatch, COLOURS))}</div>'


#: The chart selections a click on an episode or a mark makes (``cue_chart(seekable=True)``); each
#: holds the clicked item's ``start``.
SEEK_SELECTIONS = ("seek_episode", "seek_mark")


def cue_chart(rows: pd.DataFrame, unit: str, x_domain: tuple[float, float], *, height: int = 150,
              seekable: bool = False) -> alt.LayerChart:
    """The timeline of one cue from ``review.timeline`` rows of that cue: shaded stretches,
    episodes, the signal (a line per run, so gaps stay gaps) and its threshold, marks, suggestions.
    ``seekable``: a click on an episode or a mark selects its start (``SEEK_SELECTIONS``)."""
    x = alt.X("start:Q", title=None, scale=alt.Scale(domain=list(x_domain), clamp=True),
              axis=alt.Axis(labelExpr="datum.value + ' s'", tickMinStep=1))
    base = alt.Chart(rows)
    shades = base.transform_filter(alt.FieldOneOfPredicate("kind", list(_SHADES))).mark_rect().encode(
        x=x, x2="end:Q",
        color=alt.Color("kind:N", scale=alt.Scale(domain=list(_SHADES), range=[COLOURS[k] for k in _SHADES]),
                        legend=None),
        opacity=alt.Opacity("kind:N", scale=alt.Scale(domain=list(_SHADES), range=list(_SHADES.values())),
                            legend=None),
        tooltip=[alt.Tooltip("text:N", title="stretch"), alt.Tooltip("start:Q", format=".1f"),
                 alt.Tooltip("end:Q", format=".1f")],
    )
    episodes = base.transform_filter("datum.kind == 'episode'").mark_rect(color=COLOURS["episode"], opacity=0.35).encode(
        x=x, x2="end:Q", tooltip=[alt.Tooltip("text:N", title="episode"), alt.Tooltip("value:Q", title="peak", format=".2f")],
    )
    # One width for every row's value labels, so that the rows' time axes line up; ".3~r" drops
    # trailing zeros (a row with no signal read "0.000000").
    y = alt.Y("value:Q", title=unit or None, axis=alt.Axis(tickCount=3, format=".3~r", minExtent=36, maxExtent=36,
                                                            titleFontWeight="normal", titleFontSize=10))
    signal = base.transform_filter("datum.kind == 'signal'").mark_line(color=COLOURS["signal"], strokeWidth=1.4).encode(
        x=x, y=y, detail="run:N",
        tooltip=[alt.Tooltip("start:Q", title="t (s)", format=".1f"), alt.Tooltip("value:Q", title=unit, format=".2f"),
                 alt.Tooltip("threshold:Q", format=".2f")],
    )
    threshold = base.transform_filter("datum.kind == 'signal'").mark_rule(
        color=COLOURS["threshold"], strokeDash=[4, 3], strokeWidth=1.2).encode(y="mean(threshold):Q")
    marks = base.transform_filter("datum.kind == 'mark'").mark_rule(color=COLOURS["mark"], strokeWidth=2.5).encode(
        x=x, tooltip=[alt.Tooltip("text:N", title="your mark"), alt.Tooltip("start:Q", title="at (s)", format=".1f")],
    )
    if seekable:
        episodes = episodes.add_params(alt.selection_point(name=SEEK_SELECTIONS[0], fields=["start"], on="click"))
        marks = marks.add_params(alt.selection_point(name=SEEK_SELECTIONS[1], fields=["start"], on="click"))
    suggestions = base.transform_filter("datum.kind == 'suggestion'").mark_point(
        shape="triangle-down", filled=True, size=90, color=COLOURS["suggestion"], opacity=1).encode(
        x=x, y=alt.value(6), tooltip=[alt.Tooltip("text:N", title="suggestion"),
                                      alt.Tooltip("start:Q", title="at (s)", format=".1f")],
    )
    return (
        alt.layer(shades, episodes, signal, threshold, marks, suggestions)
        .properties(height=height, width="container")
        .resolve_scale(y="shared")
    )
