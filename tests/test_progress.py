"""Progress across sessions: each practised session's score, per practitioner and per cue, in the
library, the CLI (sessions trend) and on the Sessions page."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from cue_trainer.progress import per_cue, trend
from cue_trainer.store import SessionStore
from tests.builders import practise
from tests.processes import REPO, run_cli

@pytest.fixture
def three(home):
    store = SessionStore(home)
    ids = [
        practise(store, "Bo", [(25.0 + 60, "head_down")]),  # missed it, and a false alarm
        practise(store, "Bo", [(11.0, "slumped_posture")]),  # noticed it, 1 s in
        practise(store, "Cy", []),
    ]
    practise(store, "", [], source="video")  # a processed video nobody marked: not practice
    return store, ids


def test_trend_scores_each_practised_session_oldest_first(three):
    store, (a, b, c) = three
    scores = trend(store)
    assert [s.session_id for s in scores] == [a, b, c]
    assert [(s.changes, s.noticed, s.false_alarms) for s in scores] == [(1, 0, 1), (1, 1, 0), (1, 0, 0)]
    assert scores[0].false_alarms_per_10_min == pytest.approx(20.0)  # 1 in 30 s
    assert scores[1].noticed_share == 1.0 and scores[1].median_delay_s == pytest.approx(1.0)
    assert [s.session_id for s in trend(store, " bo ")] == [a, b]  # one practitioner, any case
    cues = per_cue(scores)
    assert cues.to_dict("records") == [
        {"cue": "Sitting lower", "changes": 3, "noticed": 1, "missed": 2, "noticed share": pytest.approx(1 / 3)},
    ]


def test_cli_trend_prints_the_same(three):
    store, (a, b, c) = three
    out = run_cli("sessions", "trend", "--practitioner", "Bo", home=store.home)
    assert out.returncode == 0, out.stderr
    rows = out.stdout.splitlines()
    assert rows[0] == "Live · quiz: 2 sessions"
    assert rows[1].split()[:3] == ["id", "started", "practitioner"]
    assert [r.split()[0] for r in rows[2:4]] == [str(a), str(b)]
    assert "0 of 1" in rows[2] and "1 of 1" in rows[3]
    data = json.loads(run_cli("sessions", "trend", "--json", home=store.home).stdout)
    assert [s["session_id"] for s in data["sessions"]] == [a, b, c]
    assert {s["group"] for s in data["sessions"]} == {"live · quiz"}
    assert data["sessions"][1]["per_cue"] == {"slumped_posture": {"changes": 1, "noticed": 1}}
    per_cue = data["per_cue"]["live · quiz"]
    assert per_cue[0]["cue"] == "Sitting lower" and per_cue[0]["changes"] == 3
    empty = run_cli("sessions", "trend", "--practitioner", "Nobody", home=store.home)
    assert empty.returncode == 0 and "No practised sessions by Nobody yet." in empty.stdout


def test_sessions_page_draws_progress_per_practitioner_and_per_cue(three, monkeypatch):
    store, (a, b, c) = three
    monkeypatch.setenv("CUE_TRAINER_HOME", str(store.home))
    at = AppTest.from_file(str(REPO / "cue_trainer/app/pages/sessions.py"), default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.set_index("id").loc[[a, b, c], "noticed"].tolist() == ["0 of 1", "1 of 1", "0 of 1"]
    assert at.selectbox(key="who").options == ["everyone", "Bo", "Cy"]
    assert len(at.get("vega_lite_chart")) == 3  # noticed share, false alarms, per cue
    at.selectbox(key="who").set_value("Cy").run()
    assert not at.exception
