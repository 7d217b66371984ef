"""Celery tasks of webhooks: the dispatcher (beat) and one endpoint's deliveries (docs/webhooks.md)."""

from __future__ import annotations

from celery import shared_task

from core.tasks import enqueue, jobs_due
from webhooks import services
from webhooks.selectors import webhook_endpoints_behind


@shared_task(name="webhooks.dispatch")
def dispatch() -> int:
    """Enqueue a delivery run for every endpoint with events to send and no wait to sit out."""
    due = jobs_due(webhook_endpoints_behind())
    for endpoint_id in due:
        enqueue(deliver, endpoint_id)
    return len(due)


@shared_task(name="webhooks.deliver")
def deliver(endpoint_id: int) -> int:
    return services.webhook_deliver(endpoint_id=endpoint_id).delivered
