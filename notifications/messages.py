"""The emails' words: a subject and a plain-text body per kind."""

from __future__ import annotations

from notifications.models import NotificationKind as Kind

_TEMPLATES: dict[str, tuple[str, str]] = {
    Kind.REGISTRATION_CONFIRMED: (
        "{tournament}: your team is in",
        "{team} is registered for {tournament} and has a place in the bracket.",
    ),
    Kind.REGISTRATION_WAITLISTED: (
        "{tournament}: your team is on the waitlist",
        "{tournament} is full. {team} is on its waitlist and moves up, in order, when a place frees.",
    ),
    Kind.REGISTRATION_PROMOTED: (
        "{tournament}: your team is in",
        "A place freed in {tournament}: {team} moved up from the waitlist and now has a place in the bracket.",
    ),
    Kind.MATCH_READY: (
        "{tournament}: your next match",
        "{team_a} against {team_b}, round {round}, is ready to play. Report the result when it is over.",
    ),
    Kind.RESULT_DISPUTED: (
        "{tournament}: a result is disputed",
        "The two teams of {team_a} against {team_b}, round {round}, reported different results. "
        "The organizer will resolve it.",
    ),
    Kind.TOURNAMENT_FINALIZED: (
        "{tournament}: final standings",
        "{tournament} is over. {team} placed #{placement}.",
    ),
}


def message(kind: str, **context: object) -> tuple[str, str]:
    """(subject, body) of an email of ``kind``; ``context`` fills its blanks."""
    subject, body = _TEMPLATES[kind]
    return subject.format(**context)[:200], body.format(**context)
