"""The catalogue: a cue is one entry, and everything that varies by cue reads it.

The throwaway-cue tests copy the package, add a cue the way a contributor would (its entry, and its
signal in cues.py), and check in a fresh process that every place that varies by cue has it.
"""
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cue_trainer.catalogue import BY_ID, CUES, MARK_KEYS, MARKABLE, Cue, check
from tests.processes import REPO

#: A contributor's new cue: its enum member and its entry (key "0", after the nine of v1).
NEW_MEMBER = '    ARMS_CROSSED = "arms_crossed"\n'
NEW_ENTRY = '''    CueSpec(
        Cue.ARMS_CROSSED, "Arms crossed", "Arms crossed",
        signal="a throwaway signal for the test: the hand's gap to the face",
        unit="face widths", direction="below", threshold_range=(0.0, 1.0),
        need=HANDS,
        defaults=Defaults(threshold=0.2, hysteresis=0.05, min_duration_s=1.0, cooldown_s=120.0),
        key={key!r},
        templates=(
            "I notice your arms are crossed. How are you doing?",
            "I've noticed your arms folded for a while. Is something on your mind?",
            "I see your arms crossed. Would you like a pause?",
        ),
    ),
'''
NEW_SIGNAL = '        out[:, CUE_INDEX["arms_crossed"]] = f["hand_face_gap"]\n'

#: Run in the copy: every place that varies by cue knows the new one.
CHECKS = textwrap.dedent('''
    import numpy as np
    from cue_trainer.baseline import Baseline
    from cue_trainer.catalogue import BY_ID, MARKABLE
    from cue_trainer.coach import CheckInCoach
    from cue_trainer.cues import CUE_INDEX, cue_signals, detect_events
    from cue_trainer.features import FEATURES, INDEX
    from cue_trainer.framing import Framing, brief, framing_of
    from cue_trainer.profiles import commented_default, default_profile, parse_profile
    from cue_trainer.review import shown_cues
    from cue_trainer.app import keys, live_panels

    spec = BY_ID["arms_crossed"]
    profile = default_profile()
    assert profile.cues["arms_crossed"].threshold == 0.2 and profile.cues["arms_crossed"].cooldown_s == 120.0
    assert "[cues.arms_crossed]" in commented_default() and parse_profile(commented_default()) == profile
    assert parse_profile("[cues.arms_crossed]\\nthreshold = 0.3\\n").cues["arms_crossed"].threshold == 0.3
    assert CheckInCoach(profile).offer("arms_crossed", 10.0).text == spec.templates[0]
    assert MARKABLE[-1] is spec and spec.key == "0"
    assert '"0"' in keys.SCRIPT.replace("__MARK_KEYS__", str([c.key for c in MARKABLE]).replace("'", '"'))
    assert "`1`–`0`" in live_panels.KEYS_HELP
    assert "arms_crossed" in shown_cues(profile)
    # Its signal and episodes: a hand 0.1 face widths from the face for 3 s.
    X = np.full((40, len(FEATURES)), np.nan)
    X[:, INDEX["present"]] = 1.0
    X[:, INDEX["hand_face_gap"]] = np.r_[np.full(10, 0.5), np.full(30, 0.1)]
    S = cue_signals(X, np.zeros(len(FEATURES)))
    assert np.allclose(S[10:, CUE_INDEX["arms_crossed"]], 0.1)
    events = [e for e in detect_events(np.arange(40) / 10, X, np.zeros(len(FEATURES)), profile) if e.cue == "arms_crossed"]
    assert len(events) == 1 and events[0].start_s == 1.0, events
    # The framing check: hidden hands cost it, with the hands' advice.
    X[:, INDEX["hand_face_gap"]] = np.nan
    for name in ("nose_y", "body_scale", "eye_openness", "ear_shoulder", "face_scale"):
        X[:, INDEX[name]] = 0.3  # everything else in view
    framing = framing_of(X, Baseline().fit(X))
    assert "arms_crossed" in framing.hidden and "“Arms crossed”" in brief(framing) and "move back" in brief(framing)
    print("every place knows arms_crossed")
''')


def _package_with(tmp_path: Path, *, keys: list[str]) -> Path:
    """A copy of the package with one new cue per key in ``keys``; returns the folder to import from."""
    root = tmp_path / "copy"
    shutil.copytree(REPO / "cue_trainer", root / "cue_trainer", ignore=shutil.ignore_patterns("__pycache__", "models"))
    (root / "cue_trainer" / "models").symlink_to(REPO / "cue_trainer" / "models")
    catalogue = root / "cue_trainer" / "catalogue.py"
    text = catalogue.read_text()
    members = "".join(NEW_MEMBER.replace("ARMS_CROSSED", f"ARMS_CROSSED{i or ''}").replace('"arms_crossed"', f'"arms_crossed{i or ""}"')
                      for i in range(len(keys)))
    entries = "".join(NEW_ENTRY.format(key=k).replace("Cue.ARMS_CROSSED", f"Cue.ARMS_CROSSED{i or ''}")
                      for i, k in enumerate(keys))
    text = text.replace('    OUT_OF_VIEW = "out_of_view"\n', members + '    OUT_OF_VIEW = "out_of_view"\n')
    marker = "    CueSpec(\n        Cue.OUT_OF_VIEW"
    assert marker in text
    catalogue.write_text(text.replace(marker, entries + marker))
    cues = root / "cue_trainer" / "cues.py"
    anchor = '        out[:, CUE_INDEX["face_touching"]] = f["hand_face_gap"]\n'
    assert anchor in cues.read_text()
    cues.write_text(cues.read_text().replace(anchor, anchor + NEW_SIGNAL))
    return root


def _run(root: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "HOME": str(root)})


@pytest.mark.slow
def test_a_new_cue_is_one_entry_and_its_signal_and_every_place_has_it(tmp_path):
    root = _package_with(tmp_path, keys=["0"])
    done = _run(root, CHECKS)
    assert done.returncode == 0, done.stderr
    assert "every place knows arms_crossed" in done.stdout


def test_a_markable_cue_with_no_key_left_fails_loudly_at_import(tmp_path):
    root = _package_with(tmp_path, keys=["0", "0"])  # an eleventh markable cue: no key is left for it
    done = _run(root, "import cue_trainer.catalogue")
    assert done.returncode != 0
    assert "every markable cue needs a key of its own among 1, 2, 3, 4, 5, 6, 7, 8, 9, 0" in done.stderr


def test_the_catalogue_lists_every_cue_once_with_keys_in_order():
    assert [c.id for c in CUES] == list(Cue)
    assert [c.key for c in MARKABLE] == list(MARK_KEYS[: len(MARKABLE)])
    assert all(c.suggests == (c in MARKABLE) for c in CUES)
    assert BY_ID["out_of_view"].templates == () and not BY_ID["out_of_view"].suggests


@pytest.mark.parametrize("change, message", [
    (lambda cues: cues[:-1], "every Cue once"),  # an entry missing
    (lambda cues: (cues[1], cues[0], *cues[2:]), "every Cue once"),  # out of the enum's order
    (lambda cues: (cues[0].__class__(**{**cues[0].__dict__, "templates": cues[0].templates[:2]}), *cues[1:]),
     "at least three templates"),
    (lambda cues: (cues[0].__class__(**{**cues[0].__dict__, "key": "2"}), *cues[1:]), "a key of its own"),
    (lambda cues: (cues[0].__class__(**{**cues[0].__dict__, "key": "x"}), *cues[1:]), "a key of its own"),
])
def test_entries_that_do_not_fit_together_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        check(change(CUES))
