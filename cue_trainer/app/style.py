"""Page styling the app injects once per page: a compact top, readable buttons, cue badges.

Owns: ``CSS`` and ``apply()``. Colours are chosen to read on Streamlit's light and dark themes.
"""
from __future__ import annotations

import streamlit as st

CSS = """
<style>
/* Less empty space above the page, so that practising fits a laptop screen. */
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; padding-bottom: 2rem; }
/* The page's scrolling region takes the focus on a click in a blank area: no ring round the page
   (controls keep theirs). */
#stMain:focus, #stMain:focus-visible { outline: none; }
/* Button labels wrap between words, never inside one. */
button p { word-break: keep-all; overflow-wrap: normal; hyphens: none; }
.cue-badge { display: inline-block; margin: 2px; padding: 1px 8px; border-radius: 10px;
             border: 1px solid currentColor; font-size: 0.85rem; }
.cue-badge[data-status="active"] { color: #e8590c; font-weight: 700; }
.cue-badge[data-status="inactive"] { color: #868e96; }
.cue-badge[data-status="unknown"] { color: #868e96; border-style: dashed; }
.cue-badge.fresh { animation: cue-flash 0.6s ease-in-out 3; }
@keyframes cue-flash { 50% { background: rgba(232, 89, 12, 0.35); } }
#live-status { font-size: 1.05rem; }
#live-status .clock { font-variant-numeric: tabular-nums; font-weight: 700; }
.suggestion-time { color: #868e96; font-size: 0.85rem; }
/* The suggestion's slot: one height whether empty or full (the buttons under it stay put); a new
   suggestion pulses as it arrives. */
[class*="st-key-suggestion-slot"] { min-height: 7.6rem; }
[class*="st-key-suggestion-slot-"] { animation: suggestion-pulse 0.9s ease-in-out 3; }
@keyframes suggestion-pulse { 50% { box-shadow: 0 0 0 4px rgba(232, 89, 12, 0.45); } }
.recording { color: #c92a2a; }
/* A moment's Play button stays beside its text, however long the text (it wraps, the row does not). */
[class*="st-key-moment-"] { flex-wrap: nowrap !important; }
[class*="st-key-moment-"] > div:last-child { flex: 1 1 auto; min-width: 0; }
.others-badge { display: inline-block; margin-top: 4px; padding: 1px 8px; border-radius: 10px;
  background: rgba(12, 166, 120, 0.15); color: inherit; font-size: 0.85rem; }
</style>
"""


def apply() -> None:
    st.markdown(CSS, unsafe_allow_html=True)
