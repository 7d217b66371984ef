"""Who may put a user into a team without that user's consent: the one place it is decided.

Players join a team only by accepting its captain's invitation (``team_invite_accept``).
A direct add skips that consent, so it is for staff only: the platform's moderators
(an account recovery, a support case), never a captain. The rule is the organizer
policy's (``is_staff``), written here so that teams does not import tournaments.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from core.errors import Forbidden
from teams.errors import ErrorCode


def direct_add_check(*, actor: User | AnonymousUser) -> None:
    if not getattr(actor, "is_staff", False):
        raise Forbidden(
            "Players join by accepting an invitation: POST /api/teams/{id}/invites/.",
            code=ErrorCode.DIRECT_ADD_STAFF_ONLY,
        )
