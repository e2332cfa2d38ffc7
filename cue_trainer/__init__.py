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
