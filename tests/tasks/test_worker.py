"""A real Celery worker (with beat) against the machine's Redis and the test's PostgreSQL database.

Each test starts ``celery -A config worker --beat`` as its own process group, on a Redis
key prefix of its own, and stops it before the database is flushed. Webhooks go to a real
HTTP receiver on loopback; emails to Django's file backend in a temporary directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from notifications.models import Notification
from realtime.models import EventRecord
from teams.models import Team
from tests import factories
from tests.webhooks.receiver import Receiver
from tournaments.services.registrations import registration_create, registration_withdraw
from webhooks import signing
from webhooks.services import webhook_endpoint_create

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBED = ["registration.created", "registration.withdrawn"]


class Worker:
    """``celery worker --beat`` in a process group of its own: started, killed (SIGKILL), started again."""

    def __init__(self, tmp: Path) -> None:
        db = connection.settings_dict
        self.mail = tmp / "mail"
        self.prefix = f"arena-test-{uuid.uuid4().hex[:8]}"
        self.env = os.environ | {
            "DJANGO_ENV": "test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "REDIS_PREFIX": self.prefix,
            "TASKS_DISPATCH_MS": "200",
            "TASKS_LEASE_SECONDS": "3",
            "TASKS_RETRY_BASE_MS": "200",
            "TASKS_VISIBILITY_TIMEOUT_SECONDS": "5",
            "WEBHOOK_TIMEOUT_SECONDS": "30",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail),
            "MEDIA_ROOT": str(tmp / "media"),
        }
        self.schedule = tmp / "beat-schedule"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "--concurrency", "2"]
        command += ["--schedule", str(self.schedule), "--loglevel", "WARNING"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def cleanup(self) -> None:
        self.kill()
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(f"{self.prefix}:*"):
            client.delete(key)


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Worker]:
    started = Worker(tmp_path)
    yield started
    started.cleanup()  # before the database is flushed


def _wait_until(condition: Callable[[], bool], *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _teams(count: int) -> list[Team]:
    teams = [factories.team() for _ in range(count)]
    for team in teams:
        User.objects.filter(pk=team.captain_id).update(email=f"captain{team.pk}@example.com")
    return teams


def _subscribed_events(tournament_id: int) -> list[str]:
    """The deliveries the endpoint must get: every subscribed event of the stream, in order."""
    rows = EventRecord.objects.filter(tournament_id=tournament_id).order_by("seq").values_list("seq", "text")
    return [f"{tournament_id}:{seq}" for seq, text in rows if any(f'"type":"{t}"' in text for t in SUBSCRIBED)]


def test_a_worker_delivers_every_event_once_in_order_after_failures_and_sends_the_emails(organizer, worker):
    cup = factories.tournament(organizer=organizer, max_teams=2)
    with Receiver(fail_first=2) as receiver:
        endpoint = webhook_endpoint_create(actor=organizer, tournament_id=cup.pk, url=receiver.url, events=SUBSCRIBED)
        teams = _teams(3)
        outcomes = [registration_create(user=t.captain, tournament_id=cup.pk, team_id=t.pk) for t in teams]
        registration_withdraw(user=teams[0].captain, registration_id=outcomes[0].registration.pk)
        expected = _subscribed_events(cup.pk)
        assert len(expected) == 4
        worker.start()
        _wait_until(lambda: len(receiver.accepted) >= len(expected))
        time.sleep(1)  # a repeat would arrive within a few dispatches
    assert [call.delivery for call in receiver.calls] == [expected[0]] * 3 + expected[1:]
    assert [call.delivery for call in receiver.accepted] == expected
    for call in receiver.calls:
        assert signing.verify(secret=endpoint.secret, header=call.headers[signing.HEADER], body=call.body)

    # The emails: three registrations and one promotion, each written once by the worker.
    _wait_until(lambda: Notification.objects.filter(sent_at__isnull=False).count() == 4)
    sent = "".join(path.read_text() for path in worker.mail.glob("*.log"))
    assert sent.count("Subject: ") == 4
    assert sent.count("your team is on the waitlist") == 1
    assert "moved up from the waitlist" in sent


def test_a_worker_killed_mid_delivery_loses_nothing(organizer, worker):
    cup = factories.tournament(organizer=organizer, max_teams=8)
    with Receiver(hold_first=True) as receiver:
        webhook_endpoint_create(actor=organizer, tournament_id=cup.pk, url=receiver.url, events=SUBSCRIBED)
        for team in _teams(3):
            registration_create(user=team.captain, tournament_id=cup.pk, team_id=team.pk)
        expected = _subscribed_events(cup.pk)
        worker.start()
        assert receiver.in_flight.wait(60), "the first delivery never arrived"
        worker.kill()  # SIGKILL, worker and children: the delivery in flight is never answered to it
        receiver.release()
        worker.start()  # once the dead worker's lease has run out, the new one takes the endpoint
        _wait_until(lambda: len(receiver.accepted) >= len(expected))
        time.sleep(1)
    assert [call.delivery for call in receiver.accepted] == expected  # every event, in order, accepted once
    assert [call.delivery for call in receiver.calls] == [expected[0], *expected]  # the one in flight, again


def test_the_queue_depth_is_read_from_the_broker():
    from celery import current_app

    from core.metrics import scrape, task_queue_depth

    key = f"{settings.CELERY_BROKER_TRANSPORT_OPTIONS['global_keyprefix']}{settings.CELERY_TASK_DEFAULT_QUEUE}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(key)
    try:
        before = task_queue_depth()
        for _ in range(3):
            current_app.send_task("notifications.dispatch")  # no worker consumes this test's queue
        assert (before, task_queue_depth()) == (0, 3)
        assert b"arena_task_queue_depth 3.0" in scrape()
    finally:
        client.delete(key)
