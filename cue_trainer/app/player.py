"""The marking panel for practice on a video: clock, the 3×3 mark buttons, pause, note and finish,
driving the page's video player (``st.video`` in a container keyed ``PLAYER_KEY``).

Owns: ``marking_panel``. A Streamlit component (``st.components.v2``, in the page itself, no
frame) reads the player's own ``currentTime`` at each key press or click, so a mark carries the
video's time however slow the server is; it sends the whole list of marks so far as its state
(the ``attempts.Attempt`` stores each once), that the video's time was moved, and a finish.
Keys: 1–9 and 0 mark, P plays and pauses, N goes to the note (Enter adds it, Escape leaves).
While the video is paused, or inside the app's baseline, no mark is taken, and the panel says so.
A test run hides the player's controls and keeps its time from being moved.
"""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from cue_trainer.catalogue import MARKABLE

#: The key of the container that holds the page's video player.
PLAYER_KEY = "practice-video"

HTML = """<div class="vp" id="video-marking">
  <div class="vp-head"><span class="vp-clock" id="vp-clock">00:00</span><span class="vp-len"></span>
    <span class="vp-state" id="vp-state" role="status"></span></div>
  <div class="vp-coach" id="vp-coach" aria-live="polite"></div>
  <div class="vp-grid" id="vp-grid"></div>
  <div class="vp-row">
    <button type="button" class="vp-play" id="vp-play"><kbd>P</kbd> <span>Play</span></button>
    <input class="vp-note" id="vp-note" maxlength="500" placeholder="Note (N) — Enter adds it" aria-label="Note">
  </div>
  <div class="vp-notice" id="vp-notice" role="status" hidden></div>
  <div class="vp-foot"><span id="vp-count">No marks yet.</span>
    <button type="button" class="vp-finish" id="vp-finish">Finish and score</button></div>
</div>"""

CSS = """
.vp { font-family: var(--st-font, sans-serif); display: flex; flex-direction: column; gap: .55rem; }
.vp-head { display: flex; align-items: baseline; gap: .5rem; flex-wrap: wrap; }
.vp-clock { font-size: 2rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.vp-len { color: #868e96; }
.vp-state { margin-left: auto; font-size: .9rem; padding: .1rem .5rem; border-radius: .4rem; background: #f1f3f5; }
.vp-state[data-state="playing"] { background: #d3f9d8; }
.vp-state[data-state="baseline"] { background: #e7f5ff; }
.vp-grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: .4rem; }
.vp button { font: inherit; font-size: .95rem; padding: .45rem .4rem; border-radius: .5rem; cursor: pointer;
  border: 1px solid rgba(49, 51, 63, .2); background: var(--st-background-color, #fff); color: inherit; }
.vp button:hover:not(:disabled) { border-color: var(--st-primary-color, #ff4b4b); }
.vp button:disabled { opacity: .45; cursor: not-allowed; }
.vp button.vp-hit { background: #d3f9d8; }
.vp kbd { font-size: .75rem; padding: 0 .3rem; border: 1px solid #ced4da; border-radius: .25rem; }
.vp-row { display: flex; gap: .4rem; }
.vp-note { flex: 1; min-width: 0; font: inherit; padding: .4rem .5rem; border-radius: .5rem;
  border: 1px solid rgba(49, 51, 63, .2); }
.vp-notice { padding: .4rem .7rem; border-radius: .5rem; background: #1c7ed6; color: #fff; }
.vp-foot { display: flex; align-items: center; gap: .5rem; justify-content: space-between; color: #495057; }
.vp-finish { font-weight: 600; }
.vp-coach { display: none; }
/* Coach: one height whether empty or full, so that the buttons under it stay put. */
.vp.coach .vp-coach { display: flex; flex-wrap: wrap; align-content: flex-start; gap: .3rem; min-height: 6.2rem; }
.vp-badge { background: #fff3bf; border-radius: .4rem; padding: .15rem .5rem; font-size: .9rem; }
.vp-suggestion { flex-basis: 100%; background: #e7f5ff; border-left: 4px solid #1c7ed6; padding: .4rem .6rem;
  border-radius: .3rem; }
"""

JS = """
const clock = (s) => {
  s = Math.max(0, Math.floor(s || 0));
  const m = Math.floor(s / 60), r = s % 60;
  return `${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}`;
};
export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  const root = parentElement.querySelector("#video-marking");
  const $ = (id) => parentElement.querySelector("#" + id);
  const W = window.__cueVideoPractice = window.__cueVideoPractice || {};
  // One attempt's marks live as long as the attempt, across the page's reruns.
  if (!W.attempts) W.attempts = {};
  const A = W.attempts[data.attempt] = W.attempts[data.attempt] || { marks: [], seeked: false, last: 0, started: false };
  const player = () => document.querySelector(`.st-key-${data.player} video`);
  const grid = $("vp-grid");
  grid.replaceChildren(...data.keys.map((k) => {
    const b = document.createElement("button");
    b.type = "button"; b.dataset.cue = k.id; b.title = k.label;
    b.innerHTML = `<kbd></kbd> <span></span>`;
    b.querySelector("kbd").textContent = k.key; b.querySelector("span").textContent = k.short;
    b.onclick = () => mark(k.id, null);
    return b;
  }));
  root.classList.toggle("coach", !!data.coach);
  root.querySelector(".vp-len").textContent = data.length ? `/ ${clock(data.length)}` : "";
  const say = (text) => {
    const box = $("vp-notice");
    box.textContent = text; box.hidden = false;
    clearTimeout(W.noticeTimer);
    W.noticeTimer = setTimeout(() => { box.hidden = true; }, 3000);
  };
  const send = () => setStateValue("marks", A.marks.slice());
  const mark = (cue, note) => {
    const v = player();
    if (!v) return;
    if (cue !== null && (v.paused || v.ended)) { say(data.words.paused); return; }
    if (cue !== null && v.currentTime < data.baseline_end) { say(data.words.baseline); return; }
    A.marks.push({ t: v.currentTime, cue, note });
    const b = grid.querySelector(`[data-cue="${cue}"]`);
    if (b) { b.classList.add("vp-hit"); setTimeout(() => b.classList.remove("vp-hit"), 400); }
    draw();
    send();
  };
  const toggle = () => {
    const v = player();
    if (!v) return;
    if (data.test && A.started) { say(data.words.test_pause); return; }
    if (v.paused) { A.started = true; v.play().catch(() => say(data.words.blocked)); } else v.pause();
  };
  const draw = () => {
    const v = player();
    const t = v ? v.currentTime : 0;
    $("vp-clock").textContent = clock(t);
    const state = $("vp-state");
    const playing = v && !v.paused && !v.ended;
    const inBaseline = t < data.baseline_end;
    state.dataset.state = !playing ? "paused" : inBaseline ? "baseline" : "playing";
    state.textContent = !v ? data.words.loading : v.ended ? data.words.ended : !playing ? data.words.paused_state
      : inBaseline ? `${data.words.baseline_state} ${clock(data.baseline_end)}` : data.words.playing;
    grid.querySelectorAll("button").forEach((b) => { b.disabled = !playing || inBaseline; });
    const play = $("vp-play");
    play.querySelector("span").textContent = playing ? "Pause" : (A.started ? "Play" : "Start");
    play.disabled = data.test && A.started && playing;
    const n = A.marks.filter((m) => m.cue).length;
    $("vp-count").textContent = n ? `${n} mark${n === 1 ? "" : "s"} so far.` : "No marks yet.";
    if (data.coach) {
      const box = $("vp-coach");
      const now = data.coach.episodes.filter((e) => e.shown <= t && t < e.end).map((e) => e.short);
      const s = data.coach.suggestions.filter((x) => x.t <= t && t < x.t + data.coach.visible_s).pop();
      const parts = [...new Set(now)].map((x) => { const d = document.createElement("span"); d.className = "vp-badge"; d.textContent = x; return d; });
      if (s) { const d = document.createElement("div"); d.className = "vp-suggestion"; d.textContent = `Check-in idea: “${s.text}”`; parts.push(d); }
      box.replaceChildren(...parts);
    }
  };
  const wire = () => {
    const v = player();
    if (!v || v.__cueWired === data.attempt) return;
    v.__cueWired = data.attempt;
    if (data.test) { v.controls = false; }
    v.addEventListener("timeupdate", () => {
      if (!v.seeking && v.__cueWired === data.attempt) A.last = Math.max(A.last, v.currentTime);
    });
    v.addEventListener("play", () => { A.started = true; });
    v.addEventListener("seeking", () => {
      if (v.__cueWired !== data.attempt) return;
      if (Math.abs(v.currentTime - A.last) < 1.0) return;  // the player's own small steps
      if (data.test) { v.currentTime = A.last; say(data.words.test_seek); return; }
      if (!A.seeked) { A.seeked = true; setStateValue("seeked", true); }
    });
    v.addEventListener("ended", () => { if (v.__cueWired === data.attempt) setTriggerValue("finish", v.currentTime); });
  };
  $("vp-play").onclick = toggle;
  $("vp-finish").onclick = () => { const v = player(); setTriggerValue("finish", v ? Math.max(A.last, v.currentTime) : A.last); };
  const note = $("vp-note");
  note.onkeydown = (e) => {
    if (e.key === "Enter" && note.value.trim()) { mark(null, note.value.trim()); note.value = ""; note.blur(); }
    else if (e.key === "Enter" || e.key === "Escape") note.blur();
    e.stopPropagation();
  };
  W.current = { root, mark, toggle, note, keys: Object.fromEntries(data.keys.map((k) => [k.key, k.id])) };
  if (!W.listening) {
    W.listening = true;
    document.addEventListener("keydown", (e) => {
      const c = W.current;
      if (!c || !c.root.isConnected) return;
      const t = e.composedPath ? e.composedPath()[0] : e.target;  // inside the panel's shadow root too
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (c.keys[e.key]) { e.preventDefault(); c.mark(c.keys[e.key], null); }
      else if (e.key === "p" || e.key === "P") { e.preventDefault(); c.toggle(); }
      else if (e.key === "n" || e.key === "N") { e.preventDefault(); c.note.focus(); }
    }, true);
  }
  const timer = setInterval(() => { wire(); draw(); }, 250);
  wire(); draw();
  return () => clearInterval(timer);
}
"""

WORDS = {
    "paused": "The video is paused: marks count while it plays. Press P to go on.",
    "baseline": "The app is still learning how this person sits (its baseline): marks count after it.",
    "test_pause": "A test run plays through: it cannot be paused.",
    "test_seek": "A test run plays through: its time cannot be moved.",
    "blocked": "The browser did not start the video: press its play button.",
    "loading": "Loading the video…",
    "ended": "Ended",
    "paused_state": "Paused",
    "baseline_state": "Baseline until",
    "playing": "Playing",
}

_component = st.components.v2.component("cue_trainer.video_marking", html=HTML, css=CSS, js=JS, isolate_styles=True)


def marking_panel(*, attempt: int, length_s: float, baseline_end_s: float, test: bool, coach: dict | None,
                  on_finish: Callable[[], None], key: str) -> object:
    """Draw the panel for ``attempt``; returns the component's result: ``marks`` (the list so far),
    ``seeked`` (True once the time was moved) and ``finish`` (the video's time, on the run after
    Finish was pressed or the video ended)."""
    data = {
        "attempt": attempt, "player": PLAYER_KEY, "length": length_s, "baseline_end": baseline_end_s, "test": test,
        "coach": coach, "words": WORDS,
        "keys": [{"key": c.key, "id": str(c.id), "short": c.short, "label": c.label} for c in MARKABLE],
    }
    return _component(key=key, data=data, default={"marks": [], "seeked": False},
                      on_marks_change=lambda: None, on_seeked_change=lambda: None, on_finish_change=on_finish)
