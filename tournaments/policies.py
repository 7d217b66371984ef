"""The organizer policy: who may run tournaments. One rule, used by every service and view.

* **Organizers are staff accounts.** Only staff may create a tournament; its creator
  becomes its organizer.
* **A tournament is run by its organizer, or by any staff member.** Opening and
  closing registration, listing registrations, starting the bracket, resolving a
  dispute and finalizing are all "running" it. Staff are the platform's moderators:
  they may step in on any tournament (an absent organizer, a dispute to settle).
* **Nobody else.** Players, captains included, never run a tournament; what captains
  may do (register, withdraw, report results) is decided by the team, not by this policy.
* The system (``manage.py finalize_tournament``) acts without an actor.

Each refusal keeps the code its endpoint has always answered (``organizer_only`` for
creating, opening, closing and listing; ``not_organizer`` for starting, resolving and
finalizing): codes are part of the API. docs/architecture.md writes the policy down.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser, User

from core.errors import Forbidden, NotFound
from core.roles import is_moderator
from tournaments.errors import ErrorCode
from tournaments.models import Tournament
from tournaments.selectors.tournaments import (
    WatchFacts,
    tournament_has_player,
    tournament_organizer_id,
    tournament_watch_facts,
)

Actor = User | AnonymousUser


def may_run(actor: Actor, *, organizer_id: int | None) -> bool:
    """Whether ``actor`` may run the tournament organized by ``organizer_id`` (None: no such tournament)."""
    return is_moderator(actor) or (organizer_id is not None and actor.pk == organizer_id)


_DETAIL = {
    ErrorCode.ORGANIZER_ONLY: "Only organizers may do this.",
    ErrorCode.NOT_ORGANIZER: "Only the tournament's organizer may do this.",
}


def tournament_create_check(*, actor: Actor) -> None:
    if not is_moderator(actor):
        raise Forbidden(_DETAIL[ErrorCode.ORGANIZER_ONLY], code=ErrorCode.ORGANIZER_ONLY)


def tournament_run_check(*, actor: Actor, organizer_id: int | None, code: ErrorCode = ErrorCode.NOT_ORGANIZER) -> None:
    """Refuse unless ``actor`` may run the tournament (its organizer id already read)."""
    if not may_run(actor, organizer_id=organizer_id):
        raise Forbidden(_DETAIL[code], code=code)


def tournament_run_require(*, actor: Actor, tournament_id: int, code: ErrorCode = ErrorCode.ORGANIZER_ONLY) -> None:
    """``tournament_run_check`` for a caller that has not read the tournament.

    Staff pass without a query; anyone else costs one (the organizer id), and an
    unknown tournament is refused like any other (a non-organizer learns nothing).
    """
    if is_moderator(actor):
        return
    tournament_run_check(actor=actor, organizer_id=tournament_organizer_id(tournament_id=tournament_id), code=code)


# --- Who may watch (the WebSocket; docs/security.md "Tournament visibility") ------------------


class WatchRefusal(StrEnum):
    UNKNOWN = "unknown"  # no such tournament, or a draft the actor may not see: nothing to reveal
    NOT_PARTICIPANT = "not_participant"


def watch_refusal(*, actor: Actor, facts: WatchFacts | None) -> WatchRefusal | None:
    """Why ``actor`` may not watch, or None when they may.

    * a draft: whoever may run it (its organizer; staff moderate every tournament);
    * once open, ``public``: any signed-in user;
    * once open, ``participants``: whoever may run it, and players on an active roster.
    """
    if facts is None:
        return WatchRefusal.UNKNOWN
    runs_it = may_run(actor, organizer_id=facts.organizer_id)
    if facts.status == Tournament.Status.DRAFT:
        return None if runs_it else WatchRefusal.UNKNOWN
    if facts.visibility == Tournament.Visibility.PUBLIC or runs_it or facts.is_participant:
        return None
    return WatchRefusal.NOT_PARTICIPANT


def tournament_watch_check(*, actor: Actor, tournament_id: int) -> WatchRefusal | None:
    """``watch_refusal`` for a tournament not yet read (one query)."""
    facts = tournament_watch_facts(tournament_id=tournament_id, user_id=actor.pk)
    return watch_refusal(actor=actor, facts=facts)


def tournament_view_check(*, actor: Actor, tournament: Tournament) -> None:
    """The HTTP detail follows the watch policy: what a listener may not watch, a reader may not read.

    Refused as "no such tournament" (a draft or a participants-only tournament reveals
    nothing to an outsider). Costs a query only for a participants-only tournament read
    by someone who does not run it (the roster test).
    """
    if may_run(actor, organizer_id=tournament.organizer_id):
        return
    visible = tournament.status != Tournament.Status.DRAFT and (
        tournament.visibility == Tournament.Visibility.PUBLIC
        or tournament_has_player(tournament_id=tournament.pk, user_id=actor.pk)
    )
    if not visible:
        raise NotFound("No such tournament.", code=ErrorCode.TOURNAMENT_NOT_FOUND)
