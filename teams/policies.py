"""Who may put a user into a team without that user's consent: the one place it is decided.

Players join a team only by accepting its captain's invitation (``team_invite_accept``).
A direct add skips that consent, so it is for staff only: the platform's moderators
(an account recovery, a support case), never a captain (``core.roles``).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from core.errors import Forbidden
from core.roles import is_moderator
from teams.errors import ErrorCode


def direct_add_check(*, actor: User | AnonymousUser) -> None:
    if not is_moderator(actor):
        raise Forbidden(
            "Players join by accepting an invitation: POST /api/teams/{id}/invites/.",
            code=ErrorCode.DIRECT_ADD_STAFF_ONLY,
        )
