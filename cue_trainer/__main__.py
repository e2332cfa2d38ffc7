import sys

from cue_trainer.cli import main

sys.exit(main())
