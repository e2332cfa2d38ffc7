"""The notebooks run top to bottom on sessions this test makes from synthetic clips."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from cue_trainer.profiles import load_profile
from cue_trainer.records import Label
from cue_trainer.store import SessionStore
from tests.clips import CHANGE_S
from tests.processes import REPO

pytestmark = pytest.mark.slow
NOTEBOOKS = REPO / "notebooks"


@pytest.fixture(scope="module")
def sessions(stored, tmp_path_factory):
    home = stored("moves_down", "steady", into=tmp_path_factory.mktemp("stored") / "home")
    store = SessionStore(home)
    down, steady = 1, 2
    store.set_labels(down, [Label("slumped_posture", CHANGE_S, 16.0)])
    store.add_mark(down, 9.0, "slumped_posture")
    return home, [down, steady]


def execute(name: str, tmp_path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "outputs are cleared in git"
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    return nb


def test_explore_session_notebook(sessions, tmp_path, monkeypatch):
    home, (down, _) = sessions
    monkeypatch.setenv("CUE_TRAINER_HOME", str(home))
    monkeypatch.setenv("CUE_SESSION", str(down))
    nb = execute("explore_session.ipynb", tmp_path)
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells for o in c.get("outputs", []))
    assert f"session {down}: 160 frames, 1 episodes, 1 marks" in text
    (chart_cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("rows = timeline")]
    assert any("image/png" in o.get("data", {}) for o in chart_cell.outputs)  # the figure was drawn


def test_tune_thresholds_notebook_saves_a_profile_the_app_loads(sessions, tmp_path, monkeypatch):
    home, ids = sessions
    out = tmp_path / "from-notebook.toml"
    monkeypatch.setenv("CUE_TRAINER_HOME", str(home))
    monkeypatch.setenv("CUE_SESSIONS", " ".join(map(str, ids)))
    monkeypatch.setenv("CUE_PROFILE_OUT", str(out))
    execute("tune_thresholds.ipynb", tmp_path)
    profile = load_profile(out)
    assert profile.name == "notebook"
    assert out.read_text().startswith("# Tuned in notebooks/tune_thresholds.ipynb")
