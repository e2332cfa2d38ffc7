"""The package's layout keeps the data flow one-way: each module imports only modules of lower
layers; one module imports mediapipe, one runs SQL, one imports Ray, only the app imports streamlit."""
import ast
from pathlib import Path

import pytest

from tests.processes import REPO

PACKAGE = REPO / "cue_trainer"

#: Layers, lowest first; a module may import from any lower layer, never from its own or a higher one.
LAYERS = [
    {"__init__", "catalogue", "clock"},
    {"records", "frames", "footage", "profiles", "landmarks", "processes", "interrupts"},
    {"partner", "scoring", "labels", "uploads"},
    {"detector", "tiles"},
    {"features"},
    {"baseline", "store"},
    {"cues", "export", "commands"},
    {"coach", "framing"},
    {"analysis", "recording"},
    {"videos", "tuning", "review", "live", "progress"},
    {"batch", "cli", "evaluation", "attempts", "library"},
    {"cluster"},
    {"__main__"},
]
LAYER = {m: i for i, layer in enumerate(LAYERS) for m in layer}


def imports(path: Path) -> set[str]:
    """Top-level names imported by a module (``cue_trainer.x`` as ``cue_trainer.x``)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py"))


def test_every_module_has_a_layer():
    assert set(MODULES) == set(LAYER)


@pytest.mark.parametrize("module", MODULES)
def test_imports_go_down_the_layers_only(module):
    ours = {name.split(".")[1] if "." in name else "__init__" for name in imports(PACKAGE / f"{module}.py")
            if name == "cue_trainer" or name.startswith("cue_trainer.")}
    ours.discard(module)
    # The app sits above every module but __main__, the command, which starts it.
    upward = {m for m in ours if (m == "app" and module != "__main__") or (m != "app" and LAYER[m] >= LAYER[module])}
    assert not upward, f"{module} (layer {LAYER[module]}) imports {sorted(upward)}"


def test_one_module_imports_mediapipe_one_runs_sql_one_imports_ray_and_only_the_app_imports_streamlit():
    files = list(PACKAGE.rglob("*.py"))
    by = lambda pred: {p.relative_to(PACKAGE).as_posix() for p in files if any(map(pred, imports(p)))}  # noqa: E731
    assert by(lambda n: n.startswith("mediapipe")) == {"detector.py"}
    assert by(lambda n: n == "sqlite3") == {"store.py"}
    assert by(lambda n: n == "ray" or n.startswith("ray.")) == {"cluster.py"}  # the optional extra
    assert all(p.startswith("app/") for p in by(lambda n: n.startswith("streamlit")))
    assert not any("execute(" in p.read_text() for p in files if p.name != "store.py")


def test_old_helper_names_are_gone():
    """The helpers the read model replaced are not used (or defined) anywhere."""
    old = ["marks_of", "pauses_of", "session_profile", "events_for", "noticing_score", "_row_to_suggestion",
           "practice_stretches", "suggestion_ids", "GLOBAL_COOLDOWN_RANGE_S", "DEFAULT_TOLERANCE_S", "cue_trainer.session",
           "def mmss"]
    texts = {p: p.read_text() for d in ("cue_trainer", "pipelines", "tests", "notebooks")
             for p in (REPO / d).rglob("*") if p.suffix in (".py", ".ipynb") and p.name != "test_layout.py"}
    found = [(name, p.name) for name in old for p, text in texts.items() if name in text]
    assert found == []


def _header_imports(path: Path) -> set[str] | None:
    """The modules of ours that a module's docstring says it imports ("Imports: a, b and c." up to
    the sentence's end or a semicolon; words in brackets are explanations), or None when the
    docstring has no such line."""
    import re

    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    m = re.search(r"Imports:(.*?)(?:\.(?:\s|$)|$)", doc, re.S)
    if m is None:
        return None
    said = re.sub(r"\([^)]*\)", "", m.group(1).split(";")[0])
    words = set(re.findall(r"[a-z_]+", said))
    return words & (set(MODULES) - {"__init__", "__main__"})


def _real_imports(path: Path) -> set[str]:
    return {name.split(".")[1] for name in imports(path) if name.startswith("cue_trainer.") and name.count(".") >= 1
            and name.split(".")[1] in MODULES} - {path.stem}


@pytest.mark.parametrize("module", [m for m in MODULES if m not in ("__init__", "__main__")])
def test_each_module_header_names_what_it_really_imports(module):
    path = PACKAGE / f"{module}.py"
    said = _header_imports(path)
    assert said is not None, f"{module}.py's docstring has no 'Imports:' line"
    assert said == _real_imports(path), f"{module}.py says it imports {sorted(said)}"
