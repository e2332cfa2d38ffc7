"""cue-trainer: notice nonverbal cues, relative to a person's own baseline, and ask instead of assuming.

The package follows the data flow in DESIGN.md, one module per stage; each imports only the
stages before it:

    frames -> landmarks -> features -> baseline -> cues -> coach -> store
                                     (catalogue and profiles configure cues and coach)

``session`` runs the stages over a frame source; ``cli`` and ``app`` are the entry points.
"""

__version__ = "0.1.0"


class InputError(Exception):
    """A problem a person caused (bad file, bad profile, unknown session), not a bug.

    The message is one sentence meant for that person; entry points print it without a traceback.
    """


def read_user_text(path, what: str, error: type[InputError] = InputError) -> str:
    """The text of a file a person named; a missing or unreadable file raises ``error`` with one
    sentence naming ``what`` ("profile file", "label file") and the path."""
    from pathlib import Path

    path = Path(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"There is no {what} at {path}.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"The {what} {path} cannot be read ({e.__class__.__name__}).") from None
