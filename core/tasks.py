"""Background work: job rows, their leases and retries, and the one way a task is sent.

Nothing in a request sends a task. A write commits rows that say what is to be done
(events in the event log, job rows); the dispatchers that beat runs read them and send
ids. So a task never sees an uncommitted row, a rolled-back write sends nothing, and a
broker that is down delays work without failing or slowing a write (docs/tasks.md).

* A **job** is a database row that says what to do (an email to send, an endpoint's next
  delivery). A worker owns it for ``TASKS_LEASE_SECONDS`` by compare-and-swap on
  ``lease_until`` (``job_claim``): two workers given the same job (a message delivered
  twice, a dispatcher that sent it again) cannot both run it, and a worker killed
  mid-job leaves a lease that expires, after which the next dispatch hands the job out
  again. No row lock is held across the network call.
* Retries wait ``retry_delay(n)`` after the n-th failure, kept in the row
  (``next_attempt_at``), not in a Celery countdown: an ETA message on the Redis broker
  waits unacknowledged in a worker's memory, and a wait past the visibility timeout is
  delivered twice (Celery's "Redis caveats").
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)


def enqueue(task: Any, *args: int) -> None:
    """Send ``task(*args)``; a broker that cannot be reached is logged (the job is handed out again later)."""
    try:
        task.delay(*args)
    except Exception:
        logger.exception("tasks: could not enqueue %s%s; the next dispatch finds it", task.name, args)


def claimable(now: datetime) -> Q:
    """Jobs nobody holds: no lease, or a lease that has run out (its worker is gone)."""
    return Q(lease_until__isnull=True) | Q(lease_until__lt=now)


def job_claim(queryset: QuerySet[Any], *, pk: int) -> str | None:
    """Lease the job ``pk`` (among ``queryset``'s due rows) for this worker: its token, or None if taken."""
    now = timezone.now()
    token = uuid.uuid4().hex
    lease = now + timedelta(seconds=settings.TASKS_LEASE_SECONDS)
    claimed = queryset.filter(claimable(now), pk=pk).update(lease_until=lease, lease_token=token)
    return token if claimed == 1 else None


def jobs_due(queryset: QuerySet[Any], *, limit: int = 500) -> list[int]:
    """Ids of ``queryset``'s jobs that are due and unowned, marked as handed out for one lease.

    The caller enqueues them. Marking them (``next_attempt_at`` a lease ahead) keeps a
    slow queue from being refilled with the same job every dispatch; a message that is
    lost all the same is handed out again once that time passes.
    """
    now = timezone.now()
    due = queryset.filter(claimable(now), next_attempt_at__lte=now).order_by("next_attempt_at")
    ids = list(due.values_list("pk", flat=True)[:limit])
    if ids:
        ahead = now + timedelta(seconds=settings.TASKS_LEASE_SECONDS)
        queryset.model.objects.filter(pk__in=ids, next_attempt_at__lte=now).update(next_attempt_at=ahead)
    return ids


def job_release(queryset: QuerySet[Any], *, pk: int, token: str, **fields: Any) -> bool:
    """End this worker's lease on ``pk``, writing ``fields``; False when the lease was lost meanwhile."""
    released = queryset.filter(pk=pk, lease_token=token).update(lease_until=None, lease_token="", **fields)
    return released == 1


def job_failed(queryset: QuerySet[Any], *, pk: int, token: str, failures: int, error: str, **fields: Any) -> bool:
    """End this worker's lease after the job's ``failures``-th failure in a row: it is due again
    after ``retry_delay(failures)``, with ``error`` kept for whoever looks (and ``fields`` written)."""
    due = timezone.now() + retry_delay(failures)
    return job_release(
        queryset, pk=pk, token=token, attempts=failures, last_error=error[:500], next_attempt_at=due, **fields
    )


def retry_delay(failures: int) -> timedelta:
    """How long to wait after the ``failures``-th failure in a row: doubling, capped."""
    seconds = settings.TASKS_RETRY_BASE_SECONDS * 2 ** min(failures - 1, 30)
    return timedelta(seconds=min(seconds, settings.TASKS_RETRY_MAX_SECONDS))
