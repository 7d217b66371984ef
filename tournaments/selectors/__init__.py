"""Reads of the tournaments app, one module per subdomain; the names below are its read API."""

from tournaments.selectors.finalization import (
    BracketMatch,
    finalization_bracket,
    finalization_roster,
    finalization_tournament_get,
    opponent_rating_averages,
)
from tournaments.selectors.matches import match_get, match_list
from tournaments.selectors.registrations import registration_counts, registration_first_waitlisted, registration_list
from tournaments.selectors.tournaments import tournament_get, tournament_list, tournament_organizer_id

__all__ = [
    "BracketMatch",
    "finalization_bracket",
    "finalization_roster",
    "finalization_tournament_get",
    "match_get",
    "match_list",
    "opponent_rating_averages",
    "registration_counts",
    "registration_first_waitlisted",
    "registration_list",
    "tournament_get",
    "tournament_list",
    "tournament_organizer_id",
]
