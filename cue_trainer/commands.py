"""What every command shares, the ``cue-trainer`` command line and the pipelines alike: arguments
checked in one sentence, and a person's error, a fault of the machine or Ctrl-C as one line on
stderr with an exit status (2, or 130 for a stop); no traceback.

Owns: ``ArgumentParser``, the argument types (``session_number``, ``positive_int``, ``positive_float``,
``port_number``, ``calibration_seconds``), ``guarded``, ``stopped_while_loading`` and the exit
statuses. Imports: profiles and store (lazily: the range of a baseline, the store's faults).
"""
from __future__ import annotations

import argparse
import contextlib
import math
import sys

from cue_trainer import InputError

EXIT_OK, EXIT_INPUT, EXIT_INTERRUPTED = 0, 2, 130


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-sentence errors and exit status 2 (its usage block is noise here); the
    pipelines use it too."""

    def error(self, message: str):
        self.exit(EXIT_INPUT, f"{self.prog}: {message[0].upper()}{message[1:]}. See '{self.prog} --help'.\n")

    def add_engine_arguments(self, local: str) -> None:
        """``--engine local|ray`` and ``--address``, for the pipelines that also run on a Ray
        cluster; ``local`` says what the local engine is."""
        self.add_argument("--engine", choices=("local", "ray"), default="local",
                          help=f"local: {local} (default); ray: a Ray cluster (pip install -e '.[cluster]')")
        self.add_argument("--address", default=None,
                          help="with --engine ray: the cluster (auto, HOST:6379 or ray://HOST:10001; default: a "
                               "new cluster of this machine alone)")


def _parsed(text: str, kind, what: str):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def session_number(text: str) -> int:
    """A session id as stored (1 to 2^63 - 1)."""
    value = _parsed(text, int, "a session number")
    if not 1 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"there is no session {text}")
    return value


def positive_int(text: str) -> int:
    """A whole number above 0 (for counts such as --workers)."""
    if _parsed(text, int, "a whole number") < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return int(text)


def positive_float(text: str) -> float:
    """A finite number above 0 (seconds, frames per second)."""
    value = _parsed(text, float, "a number")
    if not 0 < value < math.inf:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number greater than 0")
    return value


def port_number(text: str) -> int:
    """A TCP port a person may serve on (1024 to 65535: the lower ones need an administrator)."""
    value = _parsed(text, int, "a port number")
    if not 1024 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} must be a port from 1024 to 65535")
    return value


def calibration_seconds(text: str) -> float:
    """A baseline length within the profile's range (3 to 600 s)."""
    from cue_trainer.profiles import CALIBRATION_RANGE_S

    lo, hi = CALIBRATION_RANGE_S
    value = _parsed(text, float, "a number")
    if not lo <= value <= hi:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"{text!r} must be from {lo:g} to {hi:g} seconds")
    return value


@contextlib.contextmanager
def stopped_while_loading(prog: str):
    """Around a pipeline's imports (numpy, OpenCV, MediaPipe: a second or two): Ctrl-C there is
    "Stopped." and exit status 130, not a traceback from inside an import."""
    try:
        yield
    except KeyboardInterrupt:
        print(f"{prog}: Stopped.", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)


def guarded(handler, args, prog: str = "cue-trainer", stopped: str | None = None) -> int:
    """Run ``handler(args)``: a person's error, or a fault of the machine (a damaged, locked or full
    store, a folder that cannot be written), becomes one sentence on stderr and exit status 2.
    With ``stopped`` (what a stop leaves, e.g. "Stopped; no profile was written."), Ctrl-C is that
    sentence and exit status 130; without, it is the caller's."""
    from cue_trainer.store import StoreFault, explain

    try:
        return handler(args)
    except KeyboardInterrupt:
        if stopped is None:
            raise
        print(f"{prog}: {stopped}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except InputError as e:
        message = str(e)
    except BrokenPipeError:  # e.g. piped into head
        return EXIT_OK
    except StoreFault as e:
        message = explain(e)
    except OSError as e:
        message = f"{e.filename + ': ' if e.filename else ''}{e.strerror or e}."
    print(f"{prog}: {message}", file=sys.stderr)
    return EXIT_INPUT
