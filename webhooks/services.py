"""Webhook writes: an organizer registers an endpoint; a worker delivers its events.

Deliveries come from the durable event log (``realtime.models.EventRecord``), never from
a hook of their own: an event is an endpoint's to deliver once its transaction has
committed, and nothing committed can be skipped, whatever failed when (Redis down, the
broker down, a worker killed). The endpoint's cursor (``delivered_seq``) moves past an
event only once a 2xx answered it, under the worker's lease; so per endpoint the events
go out one at a time, in the stream's order, and the next waits until the last one was
accepted or the endpoint was disabled. A worker killed between the POST and the cursor's
move sends that one event again: delivery is at least once, and ``X-Arena-Delivery``
(tournament:seq) is the receiver's key to drop a repeat.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from core.errors import InvalidInput
from core.metrics import observe_webhook_attempt
from core.tasks import job_claim, job_failed, job_release
from realtime.events import EVENT_TYPES
from realtime.selectors import CommittedEvent, event_list_after, event_stream_get
from tournaments.policies import tournament_run_require
from tournaments.selectors.tournaments import tournament_get
from webhooks import http, signing
from webhooks.errors import ErrorCode
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.selectors import webhook_endpoint_get, webhook_endpoints_active

logger = logging.getLogger(__name__)

USER_AGENT = "Arena-Webhooks/1"


def webhook_endpoint_create(*, actor: User, tournament_id: int, url: str, events: list[str]) -> WebhookEndpoint:
    """Register ``url`` for ``events`` of the tournament (its organizer or staff). It receives the
    events committed from now on; the returned endpoint carries its signing secret."""
    tournament_run_require(actor=actor, tournament_id=tournament_id)
    tournament = tournament_get(tournament_id=tournament_id)
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(f"Unknown event types: {', '.join(unknown)}.", code=ErrorCode.UNKNOWN_EVENT_TYPE)
    refusal = http.target_refusal(url)
    if refusal is not None:
        raise InvalidInput(f"That URL cannot receive webhooks: {refusal}.", code=ErrorCode.URL_REFUSED)
    head, _epoch = event_stream_get(tournament_id=tournament.pk)
    return WebhookEndpoint.objects.create(
        tournament=tournament,
        created_by=actor,
        url=url,
        events=sorted(set(events)),
        secret=f"whsec_{secrets.token_urlsafe(32)}",
        delivered_seq=head,
    )


def webhook_endpoint_enable(*, actor: User, endpoint_id: int) -> WebhookEndpoint:
    """Turn a disabled endpoint back on (its tournament's organizer or staff). It resumes at its
    cursor: the event that kept failing first, then everything after it that the log retains."""
    endpoint = webhook_endpoint_get(actor=actor, endpoint_id=endpoint_id)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=True, attempts=0, disabled_at=None, disabled_reason="", next_attempt_at=timezone.now()
    )
    endpoint.refresh_from_db()
    return endpoint


def webhook_endpoint_delete(*, actor: User, endpoint_id: int) -> None:
    """Remove an endpoint and its delivery attempts (its tournament's organizer or staff)."""
    webhook_endpoint_get(actor=actor, endpoint_id=endpoint_id).delete()


@dataclass(frozen=True)
class DeliveryRun:
    delivered: int
    failed: bool


def webhook_deliver(*, endpoint_id: int) -> DeliveryRun:
    """Deliver the endpoint's next events, in order, up to ``WEBHOOK_BATCH``, stopping at the first failure.

    Precondition: outside a transaction (each step commits on its own: the claim before
    the first POST, the cursor after each 2xx). A failure is retried after
    ``retry_delay(failures in a row)``; at ``WEBHOOK_MAX_FAILURES`` the endpoint is disabled.
    """
    active = webhook_endpoints_active()
    token = job_claim(active, pk=endpoint_id)
    if token is None:
        return DeliveryRun(delivered=0, failed=False)
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    delivered, position = 0, endpoint.delivered_seq
    for event in event_list_after(tournament_id=endpoint.tournament_id, after=position, limit=settings.WEBHOOK_BATCH):
        if event.type in endpoint.events:
            attempt = _attempt(endpoint, event)
            if not attempt.ok:
                _failed(endpoint, token=token, position=position, error=attempt.error)
                return DeliveryRun(delivered=delivered, failed=True)
            delivered += 1
            endpoint.attempts = 0
            if not _advance(endpoint, token=token, position=event.seq):
                return DeliveryRun(delivered=delivered, failed=False)  # the lease ran out: another worker has it
        position = event.seq  # delivered, or of a type it does not receive
    # Due again at once: the next dispatch sends whatever is left or new.
    job_release(active, pk=endpoint_id, token=token, delivered_seq=position, attempts=0, next_attempt_at=timezone.now())
    return DeliveryRun(delivered=delivered, failed=False)


def _attempt(endpoint: WebhookEndpoint, event: CommittedEvent) -> WebhookDelivery:
    body = event.text.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Arena-Event": event.type,
        "X-Arena-Delivery": f"{event.tournament_id}:{event.seq}",
        signing.HEADER: signing.sign(secret=endpoint.secret, body=body),
    }
    answer = http.post(url=endpoint.url, body=body, headers=headers)
    observe_webhook_attempt(ok=answer.ok)
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        seq=event.seq,
        event_type=event.type,
        attempt=endpoint.attempts + 1,
        ok=answer.ok,
        status_code=answer.status_code,
        error=answer.error,
        duration_ms=answer.duration_ms,
    )


def _advance(endpoint: WebhookEndpoint, *, token: str, position: int) -> bool:
    """Move the cursor past a delivered event and renew the lease; False when the lease was lost."""
    lease = timezone.now() + timedelta(seconds=settings.TASKS_LEASE_SECONDS)
    moved = WebhookEndpoint.objects.filter(pk=endpoint.pk, lease_token=token).update(
        delivered_seq=position, attempts=0, lease_until=lease
    )
    return moved == 1


def _failed(endpoint: WebhookEndpoint, *, token: str, position: int, error: str) -> None:
    failures = endpoint.attempts + 1
    fields: dict[str, object] = {"delivered_seq": position}
    if failures >= settings.WEBHOOK_MAX_FAILURES:
        reason = f"{failures} failed deliveries in a row; the last: {error}"
        fields |= {"active": False, "disabled_at": timezone.now(), "disabled_reason": reason[:600]}
        logger.warning("webhooks: endpoint %s disabled: %s", endpoint.pk, reason)
    job_failed(WebhookEndpoint.objects.all(), pk=endpoint.pk, token=token, failures=failures, error=error, **fields)
