"""`python -m app` is `township-desk` (also the PyInstaller entry script)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
