"""Error codes of the teams app: the stable ``code`` of every refusal it raises.

Part of the API: clients switch on these strings, so a member is never renamed.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_MEMBER = "already_member"
    CAPTAIN_CANNOT_LEAVE = "captain_cannot_leave"
    MEMBERSHIP_NOT_FOUND = "membership_not_found"
    NOT_TEAM_CAPTAIN = "not_team_captain"
    TAG_TAKEN = "tag_taken"
    TEAM_NOT_FOUND = "team_not_found"
    USER_NOT_FOUND = "user_not_found"
