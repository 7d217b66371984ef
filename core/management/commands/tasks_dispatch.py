"""``manage.py tasks_dispatch [--loop]``: run beat's dispatchers here, once or every ``TASKS_DISPATCH_SECONDS``.

For a process without a Celery beat: ``make run`` (no Redis, tasks eager) starts it with
``--loop``, so emails, certificates and webhooks go out in development too. With a broker
it enqueues as beat would. See docs/tasks.md.
"""

from __future__ import annotations

import time
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

DISPATCHERS = ("notifications.dispatch", "webhooks.dispatch")


class Command(BaseCommand):
    help = __doc__ or ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="run until stopped")

    def handle(self, *args: Any, **options: Any) -> None:
        current_app.loader.import_default_modules()  # the apps' tasks modules
        while True:
            for name in DISPATCHERS:
                handed_out = current_app.tasks[name].apply().get()
                if handed_out and options["verbosity"] >= 1:
                    self.stdout.write(f"{name}: {handed_out} handed out")
            if not options["loop"]:
                return
            time.sleep(settings.TASKS_DISPATCH_SECONDS)
