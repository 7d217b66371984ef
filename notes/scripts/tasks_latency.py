"""Issue 20, Celery: what a finalization request pays with and without the worker, and how late the work lands.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/arena_tasks REDIS_URL=redis://127.0.0.1:6379/7 \
        DJANGO_ENV=test PYTHONPATH=. python notes/scripts/tasks_latency.py [--rounds 10] [--events 100] \
        [--dispatch-ms 1000]

It makes and drops test_<name>, and runs a real worker (``celery -A config worker --beat``,
tests/tasks/test_worker.py's launcher) on a Redis key prefix of its own.

1. **The request, with and without the worker** (interleaved, ``--rounds`` pairs): the
   finalization of a finished 8-team tournament of 2-player teams, every player with an
   email address: ``tournament_finalize`` alone (with the worker, the request writes one
   event and nothing else), against ``tournament_finalize`` followed by the same work done
   inline, as the report's origin did it (the emails made and sent through Django's
   in-memory backend, the podium's certificates rendered and stored). A real SMTP server
   would only add to the inline arm.
2. **How late it lands** with the worker: ``--events`` registrations, one every 50 ms, to a
   tournament with a webhook endpoint on a loopback receiver; per event, commit to the
   receiver's 2xx, and commit to the email's ``sent_at`` (the worker's ``TASKS_DISPATCH_MS``,
   ``--dispatch-ms``, bounds the wait for the next dispatch).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from tempfile import mkdtemp

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.test.utils import override_settings, setup_databases, setup_test_environment, teardown_databases  # noqa: E402

from notifications.models import Certificate, Notification  # noqa: E402
from notifications.services import certificate_render, notification_send, notifications_from_events  # noqa: E402
from perf.scenarios.finalization import finished_tournament_build  # noqa: E402
from realtime.models import EventRecord  # noqa: E402
from tests import factories  # noqa: E402
from tests.tasks.test_worker import Worker  # noqa: E402
from tests.webhooks.receiver import Receiver  # noqa: E402
from tournaments.services.finalization import tournament_finalize  # noqa: E402
from tournaments.services.registrations import registration_create  # noqa: E402
from webhooks.services import webhook_endpoint_create  # noqa: E402


def quantiles(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return f"{statistics.median(values):.1f} | {cuts[94]:.1f} | {max(values):.1f}"


def finalize_inline(tournament_id: int, organizer: User) -> None:
    tournament_finalize(tournament_id=tournament_id, actor=organizer)
    notifications_from_events()
    for pk in Notification.objects.filter(sent_at__isnull=True).values_list("pk", flat=True):
        notification_send(notification_id=pk)
    for pk in Certificate.objects.filter(file="").values_list("pk", flat=True):
        certificate_render(certificate_id=pk)


def request_cost(rounds: int, organizer: User) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"with the worker": [], "inline": []}
    for round_ in range(rounds):
        arms = list(times) if round_ % 2 == 0 else list(reversed(times))
        for arm in arms:
            tournament = finished_tournament_build(organizer=organizer, teams=8, team_size=2)
            User.objects.filter(email="").update(email="player@example.com")
            notifications_from_events()  # the build's own events are not this measurement's
            Notification.objects.all().delete()
            started = time.perf_counter()
            if arm == "inline":
                finalize_inline(tournament.pk, organizer)
            else:
                tournament_finalize(tournament_id=tournament.pk, actor=organizer)
            times[arm].append((time.perf_counter() - started) * 1000)
    return times


def lateness(events: int, dispatch_ms: int, organizer: User) -> dict[str, list[float]]:
    cup = factories.tournament(organizer=organizer, max_teams=events + 1)
    worker = Worker(Path(mkdtemp()))
    worker.env["TASKS_DISPATCH_MS"] = str(dispatch_ms)
    arrived: dict[str, float] = {}
    with Receiver() as receiver:
        subscribed = ["registration.created"]
        webhook_endpoint_create(actor=organizer, tournament_id=cup.pk, url=receiver.url, events=subscribed)
        worker.start()
        try:
            time.sleep(5)  # the worker's start-up is not lateness
            teams = [factories.team() for _ in range(events)]
            User.objects.filter(captained_teams__in=teams).update(email="captain@example.com")
            for team in teams:
                registration_create(user=team.captain, tournament_id=cup.pk, team_id=team.pk)
                time.sleep(0.05)
            deadline = time.monotonic() + 60
            while len(receiver.accepted) < events and time.monotonic() < deadline:
                time.sleep(0.1)
            while Notification.objects.filter(sent_at__isnull=True).exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            arrived = dict(receiver.arrivals)
        finally:
            worker.cleanup()
    committed = dict(EventRecord.objects.filter(tournament_id=cup.pk).values_list("seq", "created_at"))
    webhook = [(arrived[f"{cup.pk}:{seq}"] - at.timestamp()) * 1000 for seq, at in committed.items()]
    sent = Notification.objects.filter(tournament_id=cup.pk, sent_at__isnull=False).values_list("seq", "sent_at")
    email = [(at - committed[seq]).total_seconds() * 1000 for seq, at in sent if at is not None]
    return {"webhook: commit → 2xx": webhook, "email: commit → sent": email}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--dispatch-ms", type=int, default=1000, help="the worker's TASKS_DISPATCH_MS")
    args = parser.parse_args()
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False, aliases={"default": True})
    try:
        organizer = factories.user(is_staff=True)
        with override_settings(MEDIA_ROOT=mkdtemp()):
            cost = request_cost(args.rounds, organizer)
        late = lateness(args.events, args.dispatch_ms, organizer)
    finally:
        teardown_databases(databases, verbosity=0)
    print(f"Finalization request, 8 teams × 2 players, {args.rounds} per arm, interleaved (ms):\n")
    print("| arm | p50 | p95 | max |\n|---|---:|---:|---:|")
    for arm, values in cost.items():
        print(f"| {arm} | {quantiles(values)} |")
    print(f"\nWith the worker (TASKS_DISPATCH_MS={args.dispatch_ms}), {args.events} registrations 50 ms apart,")
    print("from the event's insert to done (ms):\n")
    print("| what | p50 | p95 | max |\n|---|---:|---:|---:|")
    for what, values in late.items():
        print(f"| {what} | {quantiles(values)} |")


if __name__ == "__main__":
    main()
