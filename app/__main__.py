"""`python -m app`: the client command line without the desktop window (headless machines)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
