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

from cue_trainer import InputError, read_user_text
from cue_trainer.catalogue import CUES
from cue_trainer.records import Label

_NAMES = {}
for _c in CUES:
    for _name in (_c.id, _c.short, _c.label):
        _NAMES[_name.casefold()] = _c.id


def cue_named(name: str) -> str | None:
    """The cue id for an id, short label or label (any case), or None."""
    return _NAMES.get(name.strip().casefold())


def read_labels(path: str | os.PathLike) -> list[Label]:
    """The labelled episodes of a tier file or CSV, in time order (``source`` is the file).

    Raises:
        InputError: missing or unreadable file, unknown columns or cue names, bad times; the
            message names the line.
    """
    path = Path(path)
    text = read_user_text(path, "label file")
    first_line = text.splitlines()[0] if text.strip() else ""
    delimiter = "\t" if "\t" in first_line else ","
    rows = list(csv.DictReader(text.splitlines(), delimiter=delimiter))
    columns = set(rows[0]) if rows else set()
    out = []
    for line, row in enumerate(rows, start=2):
        if {"tier", "begin", "end"} <= columns:
            tier = (row["tier"] or "").strip()
            kind, _, name = tier.partition(":")
            if kind.strip().casefold() in ("cue", "label") and name:
                cue_name = name
            elif tier.casefold() in ("labels", "cues"):
                cue_name = row.get("annotation") or ""
            else:
                continue  # marks, suggestions, calibration, … are not labels
            start, end = row["begin"], row["end"]
        elif {"cue", "start_s", "end_s"} <= columns:
            cue_name, start, end = row["cue"] or "", row["start_s"], row["end_s"]
        else:
            raise InputError(
                f"{path} has neither tier columns (tier, begin, end, annotation) nor label columns (cue, start_s, end_s)."
            )
        cue = cue_named(cue_name)
        if cue is None:
            raise InputError(f"{path}, line {line}: {cue_name.strip()!r} is not a cue this program knows.")
        try:
            s0, s1 = float(start), float(end)
        except (TypeError, ValueError):
            raise InputError(f"{path}, line {line}: the times {start!r} and {end!r} are not numbers of seconds.") from None
        if not (math.isfinite(s0) and math.isfinite(s1) and 0 <= s0 <= s1):
            raise InputError(f"{path}, line {line}: an episode must start at or after 0 s and end after it starts.")
        out.append(Label(cue, s0, s1, str(path)))
    if not out:
        raise InputError(f"{path} holds no cue labels.")
    return sorted(out, key=lambda x: (x.start_s, x.cue))
