"""Keyboard help for the Practice page: keys work right after START, and N jumps to the note.

Owns: ``install()``. Streamlit's own button shortcuts (1–9, P) listen on the page; after the
START click inside the webcam component's frame, the keyboard focus stays in that frame and the
page hears no key. A tiny script in a zero-height frame of its own (same origin) gives the focus
back to the page whenever it lands in the webcam frame, keeps a mark key pressed while the page is
still drawing its buttons until its button appears, focuses the note field on N and toggles the key
help on ? (which Streamlit's shortcuts cannot take).
"""
from __future__ import annotations

import json

import streamlit as st

from cue_trainer.catalogue import MARKABLE

SCRIPT = """
<script>
const P = window.parent;
const MARK_KEYS = __MARK_KEYS__;
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
  const press = (button) => { if (!button.disabled) button.click(); };  // paused or ended: nothing
  const flush = () => {
    while (pending.length && Date.now() - pending[0].at > 5000) pending.shift();
    while (pending.length && markButton(pending[0].key)) press(markButton(pending.shift().key));
  };
  // The webcam frame is redrawn when the page reruns, and focus can land there without a blur
  // of the page: look twice a second as well.
  P.setInterval(() => { giveBack(); flush(); }, 250);
  P.document.addEventListener("keydown", (e) => {
    const t = e.target;
    const typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable);
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (MARK_KEYS.includes(e.key) && !markButton(e.key)) {
      pending.push({key: e.key, at: Date.now()});
    } else if (e.key === "n" || e.key === "N") {
      const note = P.document.querySelector(".st-key-note_text input");
      if (note && !note.disabled) { e.preventDefault(); e.stopPropagation(); note.focus(); }
    } else if (e.key === "?") {
      const help = P.document.querySelector(".st-key-keys_help button");
      if (help) { e.preventDefault(); help.click(); }
    }
  }, true);
}
</script>
"""


def install() -> None:
    script = SCRIPT.replace("__MARK_KEYS__", json.dumps([c.key for c in MARKABLE]))
    st.iframe(script, height=1)
