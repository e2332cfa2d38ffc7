"""A partner on a video call: choosing the partner on a still of the shared window.

Owns: ``chooser`` (the still with a button on each face; the largest is chosen unless the
practitioner clicks another; then "Start with this person"), ``FPS`` (the analysis rate of a
call window) and the call's consent words. The tiles and the following are the package's
(``cue_trainer.tiles``); the picture comes over the local link (``app.local_link``).
"""
from __future__ import annotations

import base64
from collections.abc import Callable

import cv2
import numpy as np
import streamlit as st

from cue_trainer.app.local_link import LocalLink
from cue_trainer.detector import LandmarkDetector
from cue_trainer.tiles import Face, TileFollower, faces_on, find_tiles

#: Analysis rate of a shared call window (a call's own picture runs at 15 to 30 frames a second).
FPS = 15.0
#: Where the still and the faces on it live in ``st.session_state``.
STILL = "call_still"
#: The still is shown this many pixels wide at most (it is sent to the page as a JPEG).
STILL_WIDTH = 960

CONSENT_PARTNER = (
    "**Partner:** I agree to be seen through this video call, and I have said so on the call. I know the app "
    "sees only the window or tab shared with it, looks for coarse posture and movement changes only, keeps no "
    "video unless we both tick the recording box below, and that I can pause or stop at any time."
)

HTML = """<div class="ch" id="call-chooser">
  <div class="ch-pic"><img id="ch-img" alt="A still of the shared window"><div id="ch-boxes"></div></div>
  <div class="ch-say" id="ch-say" role="status"></div>
</div>"""

CSS = """
.ch { font-family: var(--st-font, sans-serif); }
.ch-pic { position: relative; width: 100%; line-height: 0; }
.ch-pic img { width: 100%; border-radius: .4rem; }
.ch-pic button { position: absolute; border: 3px dashed rgba(255, 255, 255, .9); background: transparent;
  border-radius: .4rem; cursor: pointer; padding: 0; }
.ch-pic button:hover, .ch-pic button:focus-visible { border-color: #ffc400; outline: none; }
.ch-pic button.chosen { border: 4px solid #ffc400; box-shadow: 0 0 0 2px rgba(0, 0, 0, .5); }
.ch-pic button span { position: absolute; left: -3px; top: -1.6rem; white-space: nowrap; font-size: .85rem;
  line-height: 1.4rem; padding: 0 .4rem; border-radius: .3rem; background: rgba(0, 0, 0, .7); color: #fff; }
.ch-pic button.chosen span { background: #ffc400; color: #000; font-weight: 600; }
.ch-say { margin-top: .4rem; line-height: 1.4; }
"""

JS = """
export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const $ = (id) => parentElement.querySelector("#" + id);
  $("ch-img").src = data.src;
  let chosen = data.chosen;
  const draw = () => {
    $("ch-boxes").replaceChildren(...data.faces.map((f, k) => {
      const b = document.createElement("button");
      b.type = "button"; b.dataset.face = String(k);
      Object.assign(b.style, {left: `${100 * f[0]}%`, top: `${100 * f[1]}%`, width: `${100 * f[2]}%`, height: `${100 * f[3]}%`});
      const label = document.createElement("span");
      if (f[0] + f[2] / 2 > 0.75) label.style.cssText = "left: auto; right: -3px;";  // kept inside the still
      label.textContent = k === chosen ? data.words.chosen : data.words.person.replace("{k}", String(k + 1));
      b.appendChild(label);
      b.setAttribute("aria-label", data.words.aria.replace("{k}", String(k + 1)));
      b.setAttribute("aria-pressed", String(k === chosen));
      b.classList.toggle("chosen", k === chosen);
      b.onclick = () => { chosen = k; setStateValue("chosen", k); draw(); };
      return b;
    }));
    $("ch-say").textContent = data.words.say;
  };
  draw();
}
"""

WORDS = {
    "chosen": "Partner",
    "person": "Person {k}",
    "aria": "Person {k}: choose as the partner",
    "say": "Click your partner. The others, your own view too, are never described.",
}

_component = st.components.v2.component("cue_trainer.call_chooser", html=HTML, css=CSS, js=JS, isolate_styles=True)


def take_still(link: LocalLink, token: str) -> tuple[np.ndarray, list[Face]] | None:
    """The newest picture of the shared window and everyone on it (largest face first; with no
    face found, each tile stands for whoever is in it); None before the first picture."""
    rgb = link.still(token)
    if rgb is None:
        return None
    detector = LandmarkDetector(static_images=True, hands=False)
    try:
        faces = faces_on(rgb, detector)
    finally:
        detector.close()
    return rgb, faces or [Face(tile, tile) for tile in find_tiles(rgb)]


def _data_url(rgb: np.ndarray) -> str:
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (min(w, STILL_WIDTH), round(h * min(w, STILL_WIDTH) / w)), interpolation=cv2.INTER_AREA)
    _, jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode()


@st.fragment(run_every=1.0)
def chooser(link: LocalLink, token: str, *, on_chosen: Callable[[TileFollower], None]) -> None:
    """The choosing step of a call window: a still, a button on each person, and Start. Waits for
    the first picture, looking each second; the still stays until a new one is asked for."""
    taken = st.session_state.get(STILL)
    if taken is None or taken[0] != token:
        still = take_still(link, token)
        if still is None:
            st.caption("Waiting for the shared picture… Press **Share the call's window or tab** above.")
            return
        taken = st.session_state[STILL] = (token, *still, _data_url(still[0]))
    _, rgb, faces, src = taken
    h, w = rgb.shape[:2]
    st.markdown("**Who is your partner?**")
    data = {
        "src": src,
        "faces": [[f.face.x / w, f.face.y / h, f.face.w / w, f.face.h / h] for f in faces],
        "chosen": 0, "words": WORDS,
    }
    result = _component(key=f"chooser-{token}", data=data, default={"chosen": 0}, on_chosen_change=lambda: None)
    k = min(int(result.chosen or 0), len(faces) - 1)
    left, right = st.columns(2)
    if left.button("Start with this person", type="primary", icon=":material/play_arrow:", key="call_start"):
        on_chosen(TileFollower(rgb, faces[k].tile))
        st.session_state.pop(STILL, None)
        st.rerun(scope="app")
    if right.button("Take a new still", icon=":material/refresh:", key="call_still_again"):
        st.session_state.pop(STILL, None)
        st.rerun(scope="app")
