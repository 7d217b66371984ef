"""A real ASGI server process for the realtime end-to-end tests and benchmarks.

    python -m tests.realtime.server seed  --sqlite PATH | --database-url URL   # migrate, create a listener,
                                                                 # an organizer and a tournament
    python -m tests.realtime.server serve --sqlite PATH | --database-url URL --port P \
        [--server uvicorn|daphne] [--ws IMPL] [--deflate] [--fanout hub|channels]

``serve`` runs the project's ASGI application unchanged, plus one test-only HTTP route,
``POST /__control__/publish?tournament=<id>&count=<n>[&type=<event type>]``, that calls
``realtime.events.publish`` n times inside the server process (the only way to reach an
in-memory channel layer from outside) and answers the list of sequence numbers.
The route exists only in this launcher, never in the product's URLs.

The database is a SQLite file given by ``--sqlite`` or PostgreSQL given by ``--database-url``
(the server processes of one test share it); ``REDIS_URL`` / ``REDIS_PREFIX`` in the
environment select the Redis mode.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from urllib.parse import parse_qs

CONTROL_PATH = "/__control__/publish"


def _setup_django(sqlite_path: str | None, database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = sqlite_path or "realtime-live.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def seed() -> dict:
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from tests import factories

    call_command("migrate", verbosity=0)
    listener = factories.user(username=f"bench-listener-{os.getpid()}")
    organizer = factories.user(username=f"bench-organizer-{os.getpid()}", is_staff=True)
    tournament = factories.tournament(name="Bench Cup", organizer=organizer)
    return {
        "token": Token.objects.get(user=listener).key,
        "organizer_token": Token.objects.get(user=organizer).key,
        "session": _session_for(listener),
        "tournament_id": tournament.id,
        "bracket_tournament_id": _bracket(organizer=organizer),
        "double_tournament_id": _bracket(organizer=organizer, name="Autumn Double", format="double_elimination"),
    }


def _bracket(*, organizer, name: str = "Spring Open", format: str = "single_elimination") -> int:  # noqa: A002
    """A live 4-team cup with named teams, for the live page's bracket."""
    from teams.models import Team
    from tests import factories
    from tournaments.services.matches import tournament_start

    cup = factories.tournament(name=name, organizer=organizer, max_teams=4, format=format)
    for name in ("Falcons", "Owls", "Ravens", "Hawks"):
        team = factories.team()
        Team.objects.filter(pk=team.pk).update(name=name)
        factories.confirmed_registration(tournament=cup, team=team)
    tournament_start(tournament_id=cup.pk, actor=organizer)
    return cup.id


def _session_for(user) -> str:
    """A signed-in session's key, for a browser (the live page fetches its tickets with it)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key or ""


def _publish_many(tournament_id: int, count: int, type: str) -> list[int]:  # noqa: A002
    from realtime.events import publish

    return [publish(tournament_id=tournament_id, type=type, data=_sample_data(number)) for number in range(count)]


def _sample_data(number: int) -> dict:
    return {"n": number, "team_id": number, "match_id": number, "score_a": 2, "score_b": 1}


def control_app(application):
    from asgiref.sync import sync_to_async

    async def app(scope, receive, send):
        if scope["type"] != "http" or scope["path"] != CONTROL_PATH:
            return await application(scope, receive, send)
        params = parse_qs(scope["query_string"].decode())
        started = time.perf_counter()
        event_type = params.get("type", ["registration.created"])[0]
        seqs = await sync_to_async(_publish_many)(int(params["tournament"][0]), int(params["count"][0]), event_type)
        publish_ms = f"{(time.perf_counter() - started) * 1000:.3f}".encode()
        headers = [(b"content-type", b"application/json"), (b"x-publish-ms", publish_ms)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": json.dumps(seqs).encode()})

    return app


def build_app():
    from config.asgi import application

    return control_app(application)


def serve(*, server: str, port: int, ws: str, deflate: bool) -> None:
    app = build_app()
    if server == "uvicorn":
        import uvicorn

        uvicorn.run(
            app,
            host="127.0.0.1",
            port=port,
            ws=ws,
            ws_per_message_deflate=deflate,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
    else:
        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server

        Server(
            application=app,
            endpoints=build_endpoint_description_strings(host="127.0.0.1", port=port),
            verbosity=0,
        ).run()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["seed", "serve"])
    parser.add_argument("--sqlite", help="the SQLite file (default without --database-url)")
    parser.add_argument("--database-url", help="PostgreSQL instead of SQLite")
    parser.add_argument("--port", type=int, default=18100)
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    parser.add_argument("--ws", choices=["websockets-sansio", "websockets"], default="websockets-sansio")
    parser.add_argument("--deflate", action="store_true", help="permessage-deflate (uvicorn only)")
    parser.add_argument("--fanout", choices=["hub", "channels"], default="hub")
    args = parser.parse_args(argv)
    _setup_django(args.sqlite, args.database_url)
    if args.command == "seed":
        print(json.dumps(seed()), flush=True)  # noqa: T201 - the parent reads it
    else:
        from django.conf import settings

        settings.REALTIME_FANOUT = args.fanout
        serve(server=args.server, port=args.port, ws=args.ws, deflate=args.deflate)


if __name__ == "__main__":
    main(sys.argv[1:])
