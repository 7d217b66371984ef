"""Row locks of the teams app, each observed and ranked (see core.locking).

A team's row is the lock of its membership: every change of who is in the team
(accepting an invite, a staff add, leaving, a removal, a captaincy handover) takes it
first, so the member count it checks against ``max_members`` cannot move under it.
It ranks first in the lock order: nothing else is locked before a team.
"""

from __future__ import annotations

from core.locking import observe_lock
from teams.models import Team

PIPELINE = "teams"


def team_lock(*, team_id: int, caller: str) -> Team | None:
    """Lock one team (None for an unknown id)."""
    with observe_lock(pipeline=PIPELINE, entity_type="Team", entity_id=team_id, caller=caller):
        return Team.objects.select_for_update(of=("self",), no_key=True).filter(pk=team_id).first()
