"""Keyboard help for the Practice page: keys work right after START, and N jumps to the note.

Owns: ``install()`` (and ``script()``, what it installs). Streamlit's own button shortcuts (1–9, P) listen on the page; after the
START click inside the webcam component's frame, the keyboard focus stays in that frame and the
page hears no key. A tiny script in a zero-height frame of its own (same origin) gives the focus
back to the page whenever it lands in the webcam frame, keeps a mark key pressed while the page is
still drawing its buttons, or has not yet turned them on after the baseline, until its button is
there to press, focuses the note field on N (Enter, which adds
the note, and Escape leave it again) and shows or hides the key help on ? (drawn by the script in
the page: Streamlit's shortcuts cannot take ?, and a rerun of the app could lose the key).
"""
from __future__ import annotations

import json

import streamlit as st

from cue_trainer.app.live_panels import BASELINE_PHASES, KEYS_HELP, MARKS_AFTER_BASELINE
from cue_trainer.catalogue import MARKABLE

SCRIPT = """
<script>
const P = window.parent;
const MARK_KEYS = __MARK_KEYS__;
const BASELINE_PHASES = __BASELINE_PHASES__;
const MARKS_AFTER_BASELINE = __MARKS_AFTER_BASELINE__;
const KEYS_HELP = __KEYS_HELP__;
if (!P.__cueTrainerKeys) {
  P.__cueTrainerKeys = true;
  const isWebcamFrame = (el) => el && el.tagName === "IFRAME" && (el.title || "").includes("webrtc");
  const giveBack = () => {
    const active = P.document.activeElement;
    if (isWebcamFrame(active)) { active.blur(); P.focus(); }
  };
  // Focus moves into a frame on mousedown; the click itself still reaches the frame's button.
  P.addEventListener("blur", () => setTimeout(giveBack, 250));
  // A mark key pressed while the page is still drawing its buttons (the moment the session
  // starts) is kept for a few seconds and pressed when its button appears, not lost.
  const markButton = (key) => [...P.document.querySelectorAll('[class*="st-key-mark-"] button')]
    .find(b => b.offsetParent && b.querySelector(`kbd[aria-label="Shortcut ${key}"]`));
  const pending = [];
  // While the baseline runs the mark buttons are off; a mark key says so for a moment.
  const phase = () => (P.document.querySelector("#live-status") || {dataset: {}}).dataset.phase;
  const inBaseline = () => BASELINE_PHASES.includes(phase());
  // Paused or ended: the buttons are off, and a mark key does nothing.
  const stopped = () => ["paused", "ended"].includes(phase());
  // A box of the page's own over the app (made once), centred, saying ``text``.
  const floating = (id, css, text) => {
    let box = P.document.querySelector(`#${id}`);
    if (!box) {
      box = P.document.createElement("div");
      box.id = id;
      box.setAttribute("role", "status");
      box.style.cssText = "position:fixed;left:50%;transform:translateX(-50%);z-index:1000;" + css;
      box.textContent = text;
      box.hidden = true;
      P.document.body.appendChild(box);
    }
    return box;
  };
  const notice = () => {
    const box = floating("mark-notice", "top:4.5rem;max-width:90vw;padding:.5rem 1rem;border-radius:.5rem;" +
      "background:#1c7ed6;color:#fff;font:15px sans-serif;box-shadow:0 2px 8px rgba(0,0,0,.25)", MARKS_AFTER_BASELINE);
    box.hidden = false;
    clearTimeout(box.timer);
    box.timer = setTimeout(() => { box.hidden = true; }, 3000);
  };
  const press = (button) => {
    if (!button.disabled) button.click();
    else if (inBaseline()) notice();  // paused or ended: the key does nothing
  };
  // The status line and the mark grid are redrawn apart: a key pressed when the status line says
  // the baseline is done, while the buttons are still off, waits for them to turn on.
  const waiting = (button) => button.disabled && !inBaseline() && !stopped();
  const flush = () => {
    while (pending.length && Date.now() - pending[0].at > 5000) pending.shift();
    while (pending.length && markButton(pending[0].key) && !waiting(markButton(pending[0].key))) {
      press(markButton(pending.shift().key));
    }
  };
  // The webcam frame is redrawn when the page reruns, and focus can land there without a blur
  // of the page: look twice a second as well.
  P.setInterval(() => { giveBack(); flush(); }, 250);
  P.document.addEventListener("keydown", (e) => {
    const t = e.target;
    // Enter (which adds the note) and Escape leave the note field, so that the next key marks or
    // pauses again instead of typing into the note.
    const inNote = t && t.closest && t.closest(".st-key-note_text");
    if (inNote && (e.key === "Enter" || e.key === "Escape")) {
      if (e.key === "Escape") e.preventDefault();
      setTimeout(() => { if (inNote.contains(P.document.activeElement)) P.document.activeElement.blur(); P.focus(); }, 0);
      return;
    }
    const typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable);
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (MARK_KEYS.includes(e.key) && (!markButton(e.key) || waiting(markButton(e.key)))) {
      pending.push({key: e.key, at: Date.now()});
    } else if (MARK_KEYS.includes(e.key) && markButton(e.key).disabled) {
      if (inBaseline()) notice();
    } else if (e.key === "n" || e.key === "N") {
      const note = P.document.querySelector(".st-key-note_text input");
      if (note && !note.disabled) { e.preventDefault(); e.stopPropagation(); note.focus(); }
    } else if (e.key === "?") {
      // Drawn here, in the page, not by a rerun of the app: a click on "Keys ?" while the mark
      // grid's fragment reruns twice a second could be lost, and the key with it.
      e.preventDefault();
      const box = floating("keys-help", "bottom:1rem;max-width:min(40rem,92vw);padding:.6rem 1rem;" +
        "border-radius:.5rem;background:#fff;color:#212529;font:15px/1.4 sans-serif;border:1px solid #ced4da;" +
        "box-shadow:0 2px 10px rgba(0,0,0,.2)", KEYS_HELP);
      box.onclick = () => { box.hidden = true; };
      box.hidden = !box.hidden;
    }
  }, true);
}
</script>
"""


def script() -> str:
    """The page script, with the keys, phases and texts filled in."""
    return (SCRIPT.replace("__MARK_KEYS__", json.dumps([c.key for c in MARKABLE]))
            .replace("__BASELINE_PHASES__", json.dumps(BASELINE_PHASES))
            .replace("__MARKS_AFTER_BASELINE__", json.dumps(MARKS_AFTER_BASELINE))
            .replace("__KEYS_HELP__", json.dumps(KEYS_HELP.replace("**", "").replace("`", ""))))


def install() -> None:
    st.iframe(script(), height=1)
