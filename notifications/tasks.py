"""Celery tasks of notifications: the dispatcher (beat) and the workers' jobs (docs/tasks.md).

Tasks carry ids only; the job rows say what to do. ``dispatch`` reads the event log into
job rows, then hands out what is due: new jobs, retries whose wait has passed, and jobs
whose message was lost or whose worker died (their lease ran out).
"""

from __future__ import annotations

from celery import shared_task

from core.tasks import enqueue, jobs_due
from notifications import services
from notifications.selectors import certificates_unrendered, notifications_unsent


@shared_task(name="notifications.dispatch")
def dispatch() -> int:
    """Events → emails and certificates, then enqueue the due ones; returns how many were enqueued."""
    while services.notifications_from_events() >= services.BATCH:  # a backlog: read it all before handing out
        pass
    sends = jobs_due(notifications_unsent())
    renders = jobs_due(certificates_unrendered())
    for notification_id in sends:
        enqueue(send, notification_id)
    for certificate_id in renders:
        enqueue(render_certificate, certificate_id)
    return len(sends) + len(renders)


@shared_task(name="notifications.send")
def send(notification_id: int) -> bool:
    return services.notification_send(notification_id=notification_id)


@shared_task(name="notifications.render_certificate")
def render_certificate(certificate_id: int) -> bool:
    return services.certificate_render(certificate_id=certificate_id)
