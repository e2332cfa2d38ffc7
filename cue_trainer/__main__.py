"""The ``cue-trainer`` command (and ``python -m cue_trainer``): the command line of ``cli``, with
``app`` starting the app (``app.launch``), which sits above the command line."""
import sys


def main(argv: list[str] | None = None) -> int:
    try:
        from cue_trainer.app.launch import run
        from cue_trainer.cli import main as cli_main
    except KeyboardInterrupt:  # Ctrl-C while the command starts: nothing was done yet
        print("Stopped.", file=sys.stderr)
        return 130
    return cli_main(argv, app=run)


if __name__ == "__main__":
    sys.exit(main())
