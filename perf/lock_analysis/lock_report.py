"""``python -m perf.lock_analysis.lock_report``: the lock report, without Django (options: ``--help``)."""

import sys

from perf.lock_analysis.cli import main

if __name__ == "__main__":
    sys.exit(main("lock_report"))
