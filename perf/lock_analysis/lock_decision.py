"""``python -m perf.lock_analysis.lock_decision``: the weekly §5 decision, without Django (options: ``--help``)."""

import sys

from perf.lock_analysis.cli import main

if __name__ == "__main__":
    sys.exit(main("lock_decision"))
