"""`python -m tests.linklab run [--households N] [--edits N] [--cut SECONDS]`: the whole link lab in one
command (as root), printing the figures of bench/bench_link.py."""

from __future__ import annotations

import sys

from bench.bench_link import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] != "run":
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(args[1:]))
