"""Error codes of the tournaments app: the stable ``code`` of every refusal it raises.

Part of the API: clients switch on these strings, so a member is never renamed.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_FINALIZED = "already_finalized"
    BRACKET_INCOMPLETE = "bracket_incomplete"
    BRACKET_SLOT_TAKEN = "bracket_slot_taken"
    CONCURRENT_UPDATE = "concurrent_update"
    DRAW_NOT_ALLOWED = "draw_not_allowed"
    INVALID_REWARD_POLICY = "invalid_reward_policy"
    INVALID_STATUS_TRANSITION = "invalid_status_transition"
    INVALID_WINDOW = "invalid_window"
    MATCH_ALREADY_CONFIRMED = "match_already_confirmed"
    MATCH_DISPUTED = "match_disputed"
    MATCH_NOT_DISPUTED = "match_not_disputed"
    MATCH_NOT_FOUND = "match_not_found"
    MATCH_NOT_READY = "match_not_ready"
    MATCH_STATE_CHANGED = "match_state_changed"
    MATCHES_NOT_CONFIRMED = "matches_not_confirmed"
    NOT_ENOUGH_TEAMS = "not_enough_teams"
    NOT_MATCH_CAPTAIN = "not_match_captain"
    NOT_ORGANIZER = "not_organizer"
    NOT_TEAM_CAPTAIN = "not_team_captain"
    ORGANIZER_ONLY = "organizer_only"
    PRIZE_POOL_CLOSED = "prize_pool_closed"
    PLAYER_ALREADY_REGISTERED = "player_already_registered"
    REGISTRATION_CLOSED = "registration_closed"
    REGISTRATION_NOT_ACTIVE = "registration_not_active"
    REGISTRATION_NOT_FOUND = "registration_not_found"
    REPORT_ALREADY_SUBMITTED = "report_already_submitted"
    SEASON_NOT_FOUND = "season_not_found"
    TEAM_ALREADY_REGISTERED = "team_already_registered"
    TEAM_TOO_SMALL = "team_too_small"
    TOURNAMENT_NOT_CANCELLABLE = "tournament_not_cancellable"
    TOURNAMENT_NOT_FINISHED = "tournament_not_finished"
    TOURNAMENT_NOT_FOUND = "tournament_not_found"
    TOURNAMENT_NOT_LIVE = "tournament_not_live"
    TOURNAMENT_NOT_STARTABLE = "tournament_not_startable"
    WITHDRAWAL_CLOSED = "withdrawal_closed"
