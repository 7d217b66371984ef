"""``manage.py lock_decision``: see :mod:`perf.lock_analysis.cli` (the same command as
``python -m perf.lock_analysis.lock_decision``, with settings.LOCK_REPORT_THRESHOLDS)."""

from perf.lock_analysis.cli import COMMANDS
from perf.management.lock_log_command import LockLogCommand


class Command(LockLogCommand):
    name = "lock_decision"
    help = COMMANDS[name].help
