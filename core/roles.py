"""Platform roles every app decides on, written once.

* **Moderators are staff accounts** (``is_staff``): they run any tournament
  (``tournaments.policies``) and may put a user into a team without an invitation
  (``teams.policies``). Minting coins is a permission of its own (``economy``).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User


def is_moderator(actor: User | AnonymousUser) -> bool:
    """Staff: organizers, and the platform's moderators."""
    return bool(getattr(actor, "is_staff", False))
