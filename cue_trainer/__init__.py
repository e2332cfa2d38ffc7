"""cue-trainer: notice nonverbal cues, relative to a person's own baseline, and ask instead of assuming.

The package follows the data flow in DESIGN.md, one module per stage; each imports only the
modules above it in this list (tests/test_layout.py checks it):

    catalogue, clock       what the cues are called and allowed to be; times as people read them
    records, profiles      the value types of a session; TOML thresholds, validated from a table
    partner                whom the features describe when two people are in view: chosen once, then followed
    tiles                  a video call's shared window: its tiles, the partner's tile followed across layouts
    frames -> landmarks    video/camera frames; MediaPipe Tasks body, face and hand landmarks of the partner
                           (the only mediapipe import; the models ship in models/)
    footage                a live session's frames written to a WebM file off the analysis thread (opt-in)
    processes, interrupts  whether the process that wrote something still runs; Ctrl-C between two frames
    uploads                the temporary folders of uploaded videos, and those a killed process left
    scoring, labels        the one event matcher and the noticing score; hand-label files
    features -> baseline   named per-frame measurements; a person's robust reference
    store                  the SQLite file (the only SQL), typed readers, the recorder an analysis writes to
    export, commands       a session as one file per table; what the command line and the pipelines share
                           (one-sentence argument checks and errors, exit statuses)
    cues -> coach          thresholds, hysteresis, minimum duration (streaming == batch); check-in suggestions
    framing                what the camera lets the app see, and what to change
    analysis               the streaming pipeline of one session, emitting to a recorder
    recording              the read model: one stored session loaded once, replayed, scored
    videos, live           a video file into a session (in chunks; one writer stitches them); a webcam stream
                           shared by two threads
    review, tuning         what the Review shows and exports; threshold sweeps
    progress               the noticing score across sessions, per practitioner and per cue
    batch, cli             many videos on all cores; the command line
    evaluation             detected episodes against hand labels on real clips, blinks, floors (make eval)
    cluster                many videos, and the chunks of long ones, on a Ray cluster (the only ray import;
                           optional extra)

``app/`` (the only package that imports Streamlit) and ``pipelines/`` are entry points too.
"""

__version__ = "0.1.0"


class InputError(Exception):
    """A problem a person caused (bad file, bad profile, unknown session), not a bug.

    The message is one sentence meant for that person; entry points print it without a traceback.
    """


#: A profile or label file is a few kilobytes; one larger than this is refused, not read whole.
MAX_USER_FILE_BYTES = 5_000_000


def read_user_text(path, what: str, error: type[InputError] = InputError) -> str:
    """The text of a file a person named; a missing, unreadable or oversized (``MAX_USER_FILE_BYTES``)
    file raises ``error`` with one sentence naming ``what`` ("profile file", "label file") and the path."""
    from pathlib import Path

    path = Path(path)
    if path.exists() and not path.is_file():  # a folder, a device such as /dev/null, a pipe
        raise error(f"The {what} {path} is not a regular file.")
    try:
        size = path.stat().st_size
        if size > MAX_USER_FILE_BYTES:
            raise error(f"The {what} {path} is {size / 1e6:.0f} MB; a {what} is at most "
                        f"{MAX_USER_FILE_BYTES / 1e6:.0f} MB, so this one is not read.")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"There is no {what} at {path}.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"The {what} {path} cannot be read ({e.__class__.__name__}).") from None
