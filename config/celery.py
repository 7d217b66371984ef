"""The Celery application: a worker and beat on the Redis broker (docs/tasks.md).

Start a worker with beat (``make worker``; ``make serve`` starts one beside gunicorn)::

    celery -A config worker --beat --loglevel INFO

Settings are Django's ``CELERY_*`` (config/settings.py). Beat runs the two dispatchers
every ``TASKS_DISPATCH_SECONDS``: they read the durable event log and the database's due
retries and enqueue the work. The signals below feed the task metrics of ``/metrics``.
"""

from __future__ import annotations

import os
import time
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("arena")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["notifications", "webhooks"])


@app.on_after_finalize.connect
def _beat_schedule(sender: Celery, **kwargs: Any) -> None:
    from django.conf import settings

    every = settings.TASKS_DISPATCH_SECONDS
    sender.add_periodic_task(every, sender.signature("notifications.dispatch"), name="notifications dispatch")
    sender.add_periodic_task(every, sender.signature("webhooks.dispatch"), name="webhooks dispatch")


_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_started(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_ended(task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    from core.metrics import observe_task

    started = _started.pop(task_id or "", None)
    if started is not None and task is not None:
        observe_task(task.name, state or "UNKNOWN", time.perf_counter() - started)
