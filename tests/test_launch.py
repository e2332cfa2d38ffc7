"""``cue-trainer app`` (cue_trainer/app/launch.py), as a person starts it: from any folder, from an
installed wheel, on a port of their choosing, this computer only, with the privacy settings on."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser import chromium, free_port
from tests.processes import REPO

#: Streamlit prints this when it sends usage statistics (browser.gatherUsageStats true).
USAGE_STATS = "Collecting usage statistics"


def start_app(command: list[str], port: int, cwd: Path, env: dict, log: Path) -> subprocess.Popen:
    """Start the app and wait until its health endpoint answers on 127.0.0.1 (or it exits)."""
    out = open(log, "w")
    proc = subprocess.Popen([*command, "app", "--port", str(port)], cwd=cwd, env=env, stdout=out,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                assert r.read() == b"ok"
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"the app did not start: {log.read_text()}") from None
            time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def listening(port: int) -> list[str]:
    """The local addresses listening on ``port`` (``ss``)."""
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    return [line.split()[3].rsplit(":", 1)[0] for line in out.splitlines() if line.strip()]


@pytest.mark.slow
def test_the_app_command_serves_this_computer_only_from_any_folder(tmp_path):
    """From a folder without the repository's .streamlit/config.toml: the health endpoint answers on
    127.0.0.1, nothing listens on another address, no usage statistics, the address is printed."""
    port = free_port()
    env = {**os.environ, "CUE_TRAINER_HOME": str(tmp_path / "unused")}
    log = tmp_path / "app.log"
    proc = start_app([sys.executable, "-m", "cue_trainer", "--home", str(tmp_path / "home")], port, tmp_path, env, log)
    try:
        addresses = listening(port)
        assert addresses and set(addresses) <= {"127.0.0.1", "[::1]"}, addresses
        for address in _other_addresses():
            with socket.socket() as s, pytest.raises(OSError):
                s.settimeout(2)
                s.connect((address, port))
    finally:
        stop(proc)
    text = log.read_text()
    # --home wins over $CUE_TRAINER_HOME.
    assert (f"the app is at http://localhost:{port} (this computer only); sessions are kept in "
            f"{(tmp_path / 'home').resolve()}.") in text
    assert USAGE_STATS not in text, text


def _other_addresses() -> list[str]:
    """This machine's IPv4 addresses that are not loopback."""
    import ifaddr

    return [ip.ip for adapter in ifaddr.get_adapters() for ip in adapter.ips
            if isinstance(ip.ip, str) and not ip.ip.startswith("127.")]


def test_a_taken_port_is_one_sentence(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = subprocess.run([sys.executable, "-m", "cue_trainer", "app", "--port", str(port)], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr.strip() == (f"cue-trainer: Port {port} is already in use on this computer; start the app on "
                                  f"another one, for example: cue-trainer app --port {port + 1}")


def test_a_port_out_of_range_is_refused():
    ran = subprocess.run([sys.executable, "-m", "cue_trainer", "app", "--port", "80"], capture_output=True,
                         text=True, timeout=120)
    assert ran.returncode == 2 and "'80' must be a port from 1024 to 65535" in ran.stderr


@pytest.mark.slow
def test_an_installed_wheel_processes_a_clip_and_starts_the_app_from_another_folder(tmp_path, clip):
    """The package as pip installs it (a wheel in a fresh venv; its dependencies reached through a
    .pth file to this environment's), run from a folder that is not the repository."""
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True, text=True,
                           check=True).stdout.split()
    for name in files:
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
                            str(source)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("cue_trainer-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = next(p for p in (bindir / "python", bindir / "python.exe") if p.exists())
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
                               capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["CUE_TRAINER_HOME"] = str(tmp_path / "home")
    where = subprocess.run([str(python), "-c", "import cue_trainer; print(cue_trainer.__file__)"], cwd=elsewhere,
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(venv), where  # the wheel's copy, not the repository's
    command = next(p for p in (bindir / "cue-trainer", bindir / "cue-trainer.exe") if p.exists())
    done = subprocess.run([str(command), "process", str(clip("moves_down")), "--calibration-s", "5", "--no-progress"],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert re.search(r"Session \d+", done.stdout + done.stderr), done.stdout
    port = free_port()
    proc = start_app([str(command)], port, elsewhere, env, tmp_path / "app.log")
    try:
        with chromium() as browser:  # the pages really run (a server can be healthy with a broken script)
            page = browser.new_page()
            page.goto(f"http://localhost:{port}/practice")
            page.get_by_text("The camera starts only after both people have agreed.").wait_for(timeout=60_000)
            assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        stop(proc)


#: A sitecustomize that makes scikit-learn and SciPy not installed, as in the app's lean install.
WITHOUT_SKLEARN = '''
import sys
class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("sklearn", "scipy"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, _NotInstalled())
'''


@pytest.mark.slow
def test_the_app_and_the_command_line_run_without_scikit_learn(tmp_path, clip):
    """Issue 24, item 2: the app's lean install has no scikit-learn or SciPy (about 200 MB); the
    baseline is a plain transformer then. A clip is processed, shown, and the pages run."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(WITHOUT_SKLEARN)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)]), "CUE_TRAINER_HOME": str(tmp_path / "home")}
    blocked = subprocess.run([sys.executable, "-c", "import sklearn"], env=env, capture_output=True, text=True)
    assert "No module named 'sklearn'" in blocked.stderr  # the block works
    command = [sys.executable, "-m", "cue_trainer"]
    done = subprocess.run([*command, "process", str(clip("moves_down")), "--calibration-s", "5", "--no-progress"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Sitting lower" in done.stdout or "Sitting lower" in done.stderr, done.stdout
    port = free_port()
    proc = start_app(command, port, tmp_path, env, tmp_path / "app.log")
    try:
        with chromium() as browser:
            page = browser.new_page()
            for path, text in (("practice", "The camera starts only after both people have agreed."),
                               ("review", "Noticing score")):
                page.goto(f"http://localhost:{port}/{path}")
                page.get_by_text(text).first.wait_for(timeout=60_000)
                assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        stop(proc)
    assert "sklearn" not in (tmp_path / "app.log").read_text()
