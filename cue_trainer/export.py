"""Export: a stored session as one file per table (CSV or Parquet), written so that a full disk or a
killed process never leaves a half-written file under the real name.

Owns: ``export_session`` and ``write_atomically``. Imports: store (the tables, read through it).
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cue_trainer import InputError
from cue_trainer.store import TABLES, SessionStore


def export_session(store: SessionStore, session_id: int, out_dir: str | os.PathLike, fmt: str = "csv") -> list[Path]:
    """Write one file per table (``features.csv``, ``events.csv``, …) into ``out_dir``.

    Args:
        fmt: "csv" or "parquet".

    Raises:
        InputError: unknown session or format, or the folder cannot be written.
    """
    if fmt not in ("csv", "parquet"):
        raise InputError(f"The export format must be csv or parquet, not {fmt}.")
    store.session(session_id)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"The folder {out} cannot be created ({e.strerror}).") from None
    paths = []
    for name in TABLES:
        df = store.table(session_id, name)
        if name == "sessions":  # as `sessions list` shows it; who owned it, and where, stays here
            df["status"] = store.session(session_id).status
            df["source_path"] = df["source_path"].map(lambda p: Path(p).name if isinstance(p, str) else p)
            df = df.drop(columns=[c for c in df.columns if c.startswith("owner_")])
        path = out / f"{name}.{fmt}"
        write_atomically(path, lambda tmp, df=df: df.to_csv(tmp, index=False) if fmt == "csv" else
                         df.to_parquet(tmp, index=False))
        paths.append(path)
    return paths


def write_atomically(path: Path, write) -> Path:
    """Call ``write(tmp)`` on a temporary name beside ``path``, then rename it to ``path``: a full disk
    or a killed process never leaves a half-written file under the real name.

    Raises:
        InputError: the folder cannot be written (read-only, no permission, disk full).
    """
    tmp = path.with_name(f".{path.name}.part")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):  # a read-only folder refuses even that
            tmp.unlink(missing_ok=True)
        raise InputError(f"{path} cannot be written ({e.strerror or e}).") from None
    return path
