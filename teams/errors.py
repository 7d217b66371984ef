"""Error codes of the teams app: the stable ``code`` of every refusal it raises.

Part of the API: clients switch on these strings, so a member is never renamed.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_MEMBER = "already_member"
    CAPTAIN_CANNOT_LEAVE = "captain_cannot_leave"
    DIRECT_ADD_STAFF_ONLY = "direct_add_staff_only"
    INVITE_EXPIRED = "invite_expired"
    INVITE_NOT_FOUND = "invite_not_found"
    INVITE_NOT_PENDING = "invite_not_pending"
    INVITE_PENDING = "invite_pending"
    MEMBERSHIP_NOT_FOUND = "membership_not_found"
    NOT_TEAM_CAPTAIN = "not_team_captain"
    NOT_TEAM_MEMBER = "not_team_member"
    TAG_TAKEN = "tag_taken"
    TEAM_FULL = "team_full"
    TEAM_NOT_FOUND = "team_not_found"
    USER_NOT_FOUND = "user_not_found"
