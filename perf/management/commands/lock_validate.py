"""``manage.py lock_validate``: see :mod:`perf.lock_analysis.cli` (the same command as
``python -m perf.lock_analysis.lock_validate``, with settings.LOCK_REPORT_THRESHOLDS)."""

from perf.lock_analysis.cli import COMMANDS
from perf.management.lock_log_command import LockLogCommand


class Command(LockLogCommand):
    name = "lock_validate"
    help = COMMANDS[name].help
