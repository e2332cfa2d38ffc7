"""Hand labels: true cue episodes marked by a person, read from a tier file or a CSV, for tuning.

Owns: reading label files into ``Label`` records. Imports: catalogue, records. (The store keeps
them in its ``labels`` table.)

Accepted files:

* a tier file (tab-separated ``tier, begin, end, annotation``, as the review exports): rows whose
  tier is ``cue: <name>`` or ``label: <name>``, or whose tier is ``labels`` with the cue name as
  the annotation; other tiers (marks, suggestions, calibration) are ignored;
* a CSV with columns ``cue, start_s, end_s``.

A cue name may be its id (``slumped_posture``), its short label (``Sitting lower``) or its label.
"""
from __future__ import annotations

import csv
import math
import os
from pathlib import Path

from cue_trainer import InputError
from cue_trainer.catalogue import CUES
from cue_trainer.records import Label

_NAMES = {}
for _c in CUES:
    for _name in (_c.id, _c.short, _c.label):
        _NAMES[_name.casefold()] = _c.id


def cue_named(name: str) -> str | None:
    """The cue id for an id, short label or label (any case), or None."""
    return _NAMES.get(name.strip().casefold())


#: Most labels one file may hold; a larger one is refused in one sentence rather than filling memory.
MAX_LABELS = 100_000
#: The longest header line read (a tier file\'s header is a few dozen characters).
MAX_LINE_CHARS = 100_000


def read_labels(path: str | os.PathLike, *, session_end_s: float | None = None, allow_empty: bool = False) -> list[Label]:
    """The labelled episodes of a tier file or CSV, in time order (``source`` is the file). The
    file is read line by line, so a huge file of other tiers costs no memory.

    Args:
        session_end_s: the session's length; an episode that starts after it is refused.
        allow_empty: a file with a header and no episode is an answer (a clip where nothing
            happens), not a mistake.

    Raises:
        InputError: missing or unreadable file, unknown columns or cue names, bad times, an
            episode past the session's end, more than ``MAX_LABELS`` labels; the message names
            the line.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        raise InputError(f"The label file {path} is not a regular file.")
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            return _parse(path, f, session_end_s, allow_empty)
    except FileNotFoundError:
        raise InputError(f"There is no label file at {path}.") from None
    except csv.Error as e:  # a field longer than csv's limit, or a broken quote
        what = (f"a line longer than {csv.field_size_limit():,} characters" if "field larger" in str(e) else
                f"a line it cannot parse ({e})")
        raise InputError(f"The label file {path} has {what}; it is not a tier or label file.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"The label file {path} cannot be read ({e.__class__.__name__}).") from None


def _parse(path: Path, f, session_end_s: float | None, allow_empty: bool) -> list[Label]:
    first_line = f.readline(MAX_LINE_CHARS + 1)
    if len(first_line) > MAX_LINE_CHARS:
        raise InputError(f"{path} has a line longer than {MAX_LINE_CHARS:,} characters; it is not a tier or label file.")
    delimiter = "\t" if "\t" in first_line else ","
    header = [c.strip() for c in next(csv.reader([first_line], delimiter=delimiter), [])]
    columns = set(header)
    rows = csv.DictReader(f, fieldnames=header, delimiter=delimiter)
    tiers = {"tier", "begin", "end"} <= columns
    if not tiers and not {"cue", "start_s", "end_s"} <= columns:
        if not first_line.strip():
            raise InputError(f"{path} holds no cue labels.")
        raise InputError(
            f"{path} has neither tier columns (tier, begin, end, annotation) nor label columns (cue, start_s, end_s)."
        )
    out: list[Label] = []
    lines: list[int] = []
    for line, row in enumerate(rows, start=2):
        if tiers:
            tier = (row["tier"] or "").strip()
            kind, _, name = tier.partition(":")
            if kind.strip().casefold() in ("cue", "label") and name:
                cue_name = name
            elif cue_named(tier) is not None:  # the tier is the cue itself ("leaning_back")
                cue_name = tier
            elif tier.casefold() in ("labels", "cues"):
                cue_name = row.get("annotation") or ""
            else:
                continue  # marks, suggestions, calibration, … are not labels
            start, end = row["begin"], row["end"]
        else:
            cue_name, start, end = row["cue"] or "", row["start_s"], row["end_s"]
        cue = cue_named(cue_name)
        if cue is None:
            raise InputError(f"{path}, line {line}: {cue_name.strip()!r} is not a cue this program knows.")
        try:
            s0, s1 = float(start), float(end)
        except (TypeError, ValueError):
            raise InputError(f"{path}, line {line}: the times {start!r} and {end!r} are not numbers of seconds.") from None
        if not (math.isfinite(s0) and math.isfinite(s1) and 0 <= s0 <= s1):
            raise InputError(f"{path}, line {line}: an episode must start at or after 0 s and end after it starts.")
        if session_end_s is not None and s0 > session_end_s:
            raise InputError(f"{path}, line {line}: the episode starts at {s0:g} s, after the session's end "
                             f"({session_end_s:.1f} s); is it the right session?")
        out.append(Label(cue, s0, s1, str(path)))
        lines.append(line)
        if len(out) > MAX_LABELS:
            raise InputError(f"{path} holds more than {MAX_LABELS:,} labels; split it into one file per session.")
    if not out and not allow_empty:
        raise InputError(f"{path} holds no cue labels.")
    # Two episodes of one cue that overlap are one change, or a mistake: refused, so that a change
    # is never counted twice (nor half of it missed) without a word.
    order = sorted(range(len(out)), key=lambda i: (out[i].cue, out[i].start_s))
    for i, j in zip(order, order[1:]):
        a, b = out[i], out[j]
        if a.cue == b.cue and b.start_s < a.end_s:
            raise InputError(f"{path}, lines {min(lines[i], lines[j])} and {max(lines[i], lines[j])}: two {a.cue} "
                             f"episodes overlap ({a.start_s:g}–{a.end_s:g} s and {b.start_s:g}–{b.end_s:g} s); make "
                             "them one episode, or correct the times.")
    return sorted(out, key=lambda x: (x.start_s, x.cue))
