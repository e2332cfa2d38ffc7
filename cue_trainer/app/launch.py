"""``cue-trainer app``: the Streamlit server started from the installed package, from any folder,
with the privacy settings given on its command line (so no config file is needed, and none in the
current folder can loosen them).

Owns: ``SETTINGS``, ``port_free``, ``flags`` and ``run``. Imports: store (the data folder's
variable).
"""
from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from cue_trainer import InputError
from cue_trainer.store import HOME_ENV, default_home

#: The same values as the repository's .streamlit/config.toml: this computer only, no usage
#: statistics, no file watcher, no "Deploy" button.
SETTINGS: dict[str, object] = {
    "server.address": "localhost",
    "server.headless": True,
    "server.fileWatcherType": "none",
    "browser.gatherUsageStats": False,
    "browser.serverAddress": "localhost",
    "global.developmentMode": False,
    "client.toolbarMode": "minimal",
}
ENTRY = Path(__file__).with_name("entry.py")


def port_free(port: int) -> bool:
    """Whether nothing listens on ``port`` of this computer's loopback address."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def flags(port: int, *, open_browser: bool = False) -> list[str]:
    """Streamlit's command-line settings for the app on ``port``."""
    values = {**SETTINGS, "server.port": port, "server.headless": not open_browser}
    return [f"--{key}={str(v).lower() if isinstance(v, bool) else v}" for key, v in values.items()]


def run(port: int = 8501, *, home: str | os.PathLike | None = None, open_browser: bool = False) -> int:
    """Serve the app on http://localhost:``port`` until Ctrl+C; the exit status.

    Raises:
        InputError: the port is taken.
    """
    if not port_free(port):
        raise InputError(f"Port {port} is already in use on this computer; start the app on another one, "
                         f"for example: cue-trainer app --port {port + 1}")
    if home is not None:
        os.environ[HOME_ENV] = str(Path(home).expanduser().resolve())
    print(f"cue-trainer: the app is at http://localhost:{port} (this computer only); sessions are kept in "
          f"{default_home()}. Press Ctrl+C to stop it.", flush=True)
    from streamlit.web import cli as streamlit_cli

    sys.argv = ["streamlit", "run", str(ENTRY), *flags(port, open_browser=open_browser)]
    try:
        streamlit_cli.main(prog_name="streamlit")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 0
    return 0
