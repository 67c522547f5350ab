"""`python -m demo`: the client's command line with the demo's commands, without the desktop window
(headless machines: `python -m demo demo --no-window`, `python -m demo generate-demo`)."""

import sys

from app.cli import main
from demo.cli import add_commands

if __name__ == "__main__":
    sys.exit(main(commands=[add_commands]))
