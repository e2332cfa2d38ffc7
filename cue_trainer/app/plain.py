"""Text a person wrote, shown as the same characters inside Streamlit's Markdown.

Owns: ``plain``. Imports: nothing of ours.

Names, notes, profile names, suggestion templates and file names reach labels, captions and
notices that Streamlit renders as Markdown, where ``![t](http://host/x.png)`` makes the browser
fetch an image from anywhere, ``[a](…)`` shows a link, ``:material/…:`` an icon and ``$…$`` LaTeX.
CommonMark lets a backslash escape any ASCII punctuation, so escaping all of it leaves nothing
for Markdown (or Streamlit's own directives) to read. Addresses are the exception: GitHub's
Markdown turns ``http://…``, ``www.…`` and ``a@b.c`` in the text into links after escapes are
read, so an invisible word joiner (U+2060) goes after "http", "www" and "@" and they stay text.
"""
from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
_ADDRESS_STARTS = re.compile(r"(?i)(https?(?=:)|\bwww(?=\.)|@)")
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """``text`` escaped so that Markdown shows it as it is, on one line (a line break would start a
    block of its own: a heading, a list, a quote)."""
    text = _ADDRESS_STARTS.sub(lambda m: m.group(0) + WORD_JOINER, _LINE_BREAKS.sub(" ", str(text)))
    return _PUNCTUATION.sub(r"\\\1", text)
