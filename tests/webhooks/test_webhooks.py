"""Webhooks in one process: the API, signatures, and deliveries to a real HTTP receiver on loopback.

The worker's side is called directly (``webhook_deliver``); tests/tasks/test_worker.py runs
the same against a real Celery worker.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from core.tasks import job_claim, jobs_due, retry_delay
from realtime.events import MATCH_RESET, REGISTRATION_CREATED, REGISTRATION_WITHDRAWN, publish
from realtime.models import EventRecord
from tests import factories
from tests.webhooks.receiver import Receiver
from webhooks import signing
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.selectors import webhook_endpoints_active, webhook_endpoints_behind
from webhooks.services import webhook_deliver, webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def cup(organizer):
    return factories.tournament(organizer=organizer)


def _event(cup, type_: str = REGISTRATION_CREATED, team_id: int = 1) -> int:
    return publish(tournament_id=cup.pk, type=type_, data={"team_id": team_id, "status": "confirmed"})


def _endpoint(organizer, cup, url: str, events: tuple[str, ...] = (REGISTRATION_CREATED,)) -> WebhookEndpoint:
    return webhook_endpoint_create(actor=organizer, tournament_id=cup.pk, url=url, events=list(events))


# --- The API ---------------------------------------------------------------------------------


def test_the_organizer_registers_an_endpoint_and_sees_its_secret_once(organizer, cup):
    client = factories.client_for(organizer)
    url = f"/api/tournaments/{cup.pk}/webhooks/"
    created = client.post(url, {"url": "http://127.0.0.1:9/hook", "events": ["match.confirmed"]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert (body["url"], body["events"], body["active"], body["failures"]) == (
        "http://127.0.0.1:9/hook",
        ["match.confirmed"],
        True,
        0,
    )
    listed = client.get(url)
    assert listed.status_code == 200
    assert [entry["id"] for entry in listed.json()] == [body["id"]]
    assert "secret" not in listed.json()[0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "http://127.0.0.1:9/", "events": ["match.exploded"]}, "events"),
        ({"url": "http://127.0.0.1:9/", "events": []}, "events"),
        ({"url": "not a url", "events": ["match.confirmed"]}, "url"),
        ({"url": "http://127.0.0.1:9/", "events": ["match.confirmed"], "secret": "mine"}, "secret"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(organizer, cup, payload, field):
    response = factories.client_for(organizer).post(f"/api/tournaments/{cup.pk}/webhooks/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert WebhookEndpoint.objects.count() == 0


def test_a_target_that_is_not_http_is_refused(organizer, cup):
    response = factories.client_for(organizer).post(
        f"/api/tournaments/{cup.pk}/webhooks/", {"url": "ftp://example.com/", "events": ["match.reset"]}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "webhook_url_refused")
    assert WebhookEndpoint.objects.count() == 0


@override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=False)
@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "localhost", "[::1]"])
def test_private_targets_are_refused_where_not_allowed(organizer, cup, host):
    response = factories.client_for(organizer).post(
        f"/api/tournaments/{cup.pk}/webhooks/", {"url": f"http://{host}/hook", "events": ["match.reset"]}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "webhook_url_refused")
    assert "non-public address" in response.json()["detail"]
    assert WebhookEndpoint.objects.count() == 0


def test_only_whoever_runs_the_tournament_registers_or_lists_endpoints(outsider, cup):
    client = factories.client_for(outsider)
    url = f"/api/tournaments/{cup.pk}/webhooks/"
    posted = client.post(url, {"url": "http://127.0.0.1:9/", "events": ["match.reset"]}, format="json")
    assert (posted.status_code, posted.json()["code"]) == (403, "organizer_only")
    assert client.get(url).status_code == 403
    assert WebhookEndpoint.objects.count() == 0


def test_the_delivery_log_is_its_organizers_only(organizer, outsider, cup):
    with Receiver(fail_first=1) as receiver:
        endpoint = _endpoint(organizer, cup, receiver.url)
        seq = _event(cup)
        webhook_deliver(endpoint_id=endpoint.pk)
        webhook_deliver(endpoint_id=endpoint.pk)
    response = factories.client_for(organizer).get(f"/api/webhooks/{endpoint.pk}/deliveries/")
    assert response.status_code == 200
    rows = [(r["seq"], r["attempt"], r["ok"], r["status_code"]) for r in response.json()["results"]]
    assert rows == [(seq, 2, True, 204), (seq, 1, False, 500)]
    refused = factories.client_for(outsider).get(f"/api/webhooks/{endpoint.pk}/deliveries/")
    assert (refused.status_code, refused.json()["code"]) == (404, "webhook_not_found")


# --- Signatures -----------------------------------------------------------------------------


def test_a_signature_verifies_only_the_body_and_time_it_signed():
    header = signing.sign(secret="whsec_x", body=b'{"a":1}', timestamp=1_000_000)
    assert signing.verify(secret="whsec_x", header=header, body=b'{"a":1}', now=1_000_100)
    assert not signing.verify(secret="whsec_x", header=header, body=b'{"a":2}', now=1_000_100)
    assert not signing.verify(secret="whsec_y", header=header, body=b'{"a":1}', now=1_000_100)
    assert not signing.verify(secret="whsec_x", header=header, body=b'{"a":1}', now=1_000_301)  # replayed late
    assert not signing.verify(secret="whsec_x", header="t=abc,v1=00", body=b'{"a":1}', now=1_000_100)
    assert not signing.verify(secret="whsec_x", header="", body=b'{"a":1}', now=1_000_100)


# --- Deliveries -----------------------------------------------------------------------------


def test_events_go_out_signed_in_order_once_each_after_the_receiver_recovers(organizer, cup):
    with Receiver(fail_first=2) as receiver:
        endpoint = _endpoint(organizer, cup, receiver.url, events=(REGISTRATION_CREATED, REGISTRATION_WITHDRAWN))
        first = _event(cup, team_id=1)
        skipped = _event(cup, MATCH_RESET)  # not subscribed: never sent
        second = _event(cup, REGISTRATION_WITHDRAWN, team_id=2)
        third = _event(cup, team_id=3)

        before = timezone.now()
        assert webhook_deliver(endpoint_id=endpoint.pk).failed
        endpoint.refresh_from_db()
        assert (endpoint.attempts, endpoint.delivered_seq, endpoint.lease_token) == (1, first - 1, "")
        assert endpoint.next_attempt_at >= before + retry_delay(1)
        assert webhook_deliver(endpoint_id=endpoint.pk).failed
        run = webhook_deliver(endpoint_id=endpoint.pk)

    assert (run.delivered, run.failed) == (3, False)
    assert [call.delivery for call in receiver.calls] == [f"{cup.pk}:{first}"] * 3 + [
        f"{cup.pk}:{second}",
        f"{cup.pk}:{third}",
    ]
    texts = dict(EventRecord.objects.filter(tournament_id=cup.pk).values_list("seq", "text"))
    assert [call.body.decode() for call in receiver.accepted] == [texts[first], texts[second], texts[third]]
    for call in receiver.calls:
        assert signing.verify(secret=endpoint.secret, header=call.headers[signing.HEADER], body=call.body)
    assert [call.headers["X-Arena-Event"] for call in receiver.accepted] == [
        REGISTRATION_CREATED,
        REGISTRATION_WITHDRAWN,
        REGISTRATION_CREATED,
    ]
    endpoint.refresh_from_db()
    assert (endpoint.delivered_seq, endpoint.attempts, endpoint.active) == (third, 0, True)
    attempts = list(WebhookDelivery.objects.order_by("pk").values_list("seq", "attempt", "ok"))
    assert attempts == [(first, 1, False), (first, 2, False), (first, 3, True), (second, 1, True), (third, 1, True)]
    assert skipped not in {seq for seq, _, _ in attempts}


def test_an_endpoint_gets_only_events_committed_after_it_was_registered(organizer, cup):
    _event(cup)
    _event(cup)
    with Receiver() as receiver:
        endpoint = _endpoint(organizer, cup, receiver.url)
        later = _event(cup)
        webhook_deliver(endpoint_id=endpoint.pk)
    assert [call.delivery for call in receiver.calls] == [f"{cup.pk}:{later}"]


@override_settings(WEBHOOK_MAX_FAILURES=3)
def test_an_endpoint_that_keeps_failing_is_disabled(organizer, cup):
    with Receiver(fail_first=100) as receiver:
        endpoint = _endpoint(organizer, cup, receiver.url)
        _event(cup)
        for _ in range(3):
            webhook_deliver(endpoint_id=endpoint.pk)
        endpoint.refresh_from_db()
        assert (endpoint.active, endpoint.attempts) == (False, 3)
        assert endpoint.disabled_reason.startswith("3 failed deliveries in a row; the last: HTTP 500")
        assert webhook_deliver(endpoint_id=endpoint.pk).delivered == 0
    assert len(receiver.calls) == 3
    assert list(webhook_endpoints_behind()) == []


def test_an_unreachable_endpoint_is_a_failed_attempt_not_an_error(organizer, cup):
    with Receiver() as receiver:
        url = receiver.url
    endpoint = _endpoint(organizer, cup, url)  # the receiver is gone: connection refused
    _event(cup)
    assert webhook_deliver(endpoint_id=endpoint.pk).failed
    attempt = WebhookDelivery.objects.get()
    assert (attempt.ok, attempt.status_code) == (False, None)
    assert "Connection refused" in attempt.error or "URLError" in attempt.error


def test_a_worker_cannot_deliver_while_another_holds_the_endpoint(organizer, cup):
    with Receiver() as receiver:
        endpoint = _endpoint(organizer, cup, receiver.url)
        _event(cup)
        assert job_claim(webhook_endpoints_active(), pk=endpoint.pk) is not None  # another worker
        assert webhook_deliver(endpoint_id=endpoint.pk).delivered == 0
        # Its lease runs out (the worker died): the endpoint is anyone's again.
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
        assert webhook_deliver(endpoint_id=endpoint.pk).delivered == 1
    assert len(receiver.calls) == 1


def test_the_dispatcher_hands_out_endpoints_behind_and_due_once_per_lease(organizer, cup):
    behind = _endpoint(organizer, cup, "http://127.0.0.1:9/a")
    waiting = _endpoint(organizer, cup, "http://127.0.0.1:9/b")
    disabled = _endpoint(organizer, cup, "http://127.0.0.1:9/c")
    _event(cup)
    current = _endpoint(organizer, cup, "http://127.0.0.1:9/d")  # registered after the event
    WebhookEndpoint.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    WebhookEndpoint.objects.filter(pk=disabled.pk).update(active=False)
    assert jobs_due(webhook_endpoints_behind()) == [behind.pk]
    assert jobs_due(webhook_endpoints_behind()) == []  # already handed out: not again until its lease passes
    assert current.pk not in jobs_due(webhook_endpoints_behind())


@override_settings(WEBHOOK_MAX_FAILURES=2)
def test_a_disabled_endpoint_turned_back_on_resumes_at_the_event_that_failed(organizer, cup):
    with Receiver(fail_first=2) as receiver:
        endpoint = _endpoint(organizer, cup, receiver.url)
        first, second = _event(cup), _event(cup)
        webhook_deliver(endpoint_id=endpoint.pk)
        webhook_deliver(endpoint_id=endpoint.pk)
        endpoint.refresh_from_db()
        assert endpoint.active is False
        response = factories.client_for(organizer).post(f"/api/webhooks/{endpoint.pk}/enable/", {}, format="json")
        assert response.status_code == 200
        assert (response.json()["active"], response.json()["failures"], response.json()["disabled_reason"]) == (
            True,
            0,
            "",
        )
        assert jobs_due(webhook_endpoints_behind()) == [endpoint.pk]
        assert webhook_deliver(endpoint_id=endpoint.pk).delivered == 2
    assert [call.delivery for call in receiver.accepted] == [f"{cup.pk}:{first}", f"{cup.pk}:{second}"]


def test_only_its_organizer_deletes_an_endpoint_or_turns_it_back_on(organizer, outsider, cup):
    endpoint = _endpoint(organizer, cup, "http://127.0.0.1:9/hook")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    stranger = factories.client_for(outsider)
    for response in (
        stranger.post(f"/api/webhooks/{endpoint.pk}/enable/", {}, format="json"),
        stranger.delete(f"/api/webhooks/{endpoint.pk}/"),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "webhook_not_found")
    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert factories.client_for(organizer).delete(f"/api/webhooks/{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()
