"""Writes of the tournaments app, one module per subdomain; the names below are its write API.

* ``status``: create a tournament, open and close its registration;
* ``registrations``: register, withdraw, reject the waitlist;
* ``matches``: start (the bracket), results, disputes;
* ``finalization``: placements, rewards, ratings, badges (the maths is ``tournaments.awards``).
"""

from tournaments.services.finalization import FinalizationResult, tournament_finalize
from tournaments.services.matches import (
    Outcome,
    ResultSubmission,
    match_resolve,
    match_result_submit,
    seed_order,
    tournament_start,
)
from tournaments.services.registrations import (
    RegistrationOutcome,
    WithdrawalOutcome,
    registration_check_in,
    registration_create,
    registration_withdraw,
    registrations_reject_waitlisted,
)
from tournaments.services.status import tournament_close, tournament_create, tournament_open

__all__ = [
    "FinalizationResult",
    "Outcome",
    "RegistrationOutcome",
    "ResultSubmission",
    "WithdrawalOutcome",
    "match_resolve",
    "match_result_submit",
    "registration_check_in",
    "registration_create",
    "registration_withdraw",
    "registrations_reject_waitlisted",
    "seed_order",
    "tournament_close",
    "tournament_create",
    "tournament_finalize",
    "tournament_open",
    "tournament_start",
]
