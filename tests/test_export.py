"""Export (cue_trainer/export.py): a stored session as one file per table."""
import sqlite3

import pandas as pd
import pytest

from cue_trainer.export import export_session
from cue_trainer.store import TABLES, SessionStore
from tests.test_store import filled


def _missing_as_none(df: pd.DataFrame) -> pd.DataFrame:
    """CSV cannot tell an empty text from a missing number; compare values with one 'missing'."""
    return df.astype(object).where(df.notna(), None)


@pytest.mark.parametrize("fmt, read", [("csv", pd.read_csv), ("parquet", pd.read_parquet)])
def test_export_round_trips(home, tmp_path, fmt, read):
    store = SessionStore(home)
    sid = filled(store)
    paths = export_session(store, sid, tmp_path / "out", fmt)
    assert sorted(p.name for p in paths) == sorted(f"{t}.{fmt}" for t in TABLES)
    for table in TABLES:
        back, stored = read(tmp_path / "out" / f"{table}.{fmt}"), store.table(sid, table)
        if table == "sessions":  # who owned it and where the video lies stay in the store
            stored = stored.drop(columns=[c for c in stored.columns if c.startswith("owner_")])
            assert back.source_path.tolist() == ["a.mp4"]
        pd.testing.assert_frame_equal(_missing_as_none(back), _missing_as_none(stored))
    assert len(read(tmp_path / "out" / f"features.{fmt}")) == 50


def test_the_export_of_a_killed_session_says_incomplete_and_keeps_owner_and_path_out(home, tmp_path):
    store = SessionStore(home)
    sid = store.create_session(source="video", source_path="/home/ann/private/interview.mp4", profile_toml="")
    db = sqlite3.connect(store.path)
    db.execute("UPDATE sessions SET owner_pid = 999999 WHERE id = ?", (sid,))  # its process is gone
    db.commit()
    export_session(store, sid, tmp_path / "out", "csv")
    text = (tmp_path / "out" / "sessions.csv").read_text()
    header, row = text.splitlines()[:2]
    assert "owner" not in header and "incomplete" in row and "recording" not in row
    assert "interview.mp4" in row and "/home/ann" not in row
