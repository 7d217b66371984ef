from django.conf import settings
from django.db import models

#: Members a team may have unless it says otherwise (``Team.max_members``).
DEFAULT_MAX_MEMBERS = 10
#: The most any team may have: a bound on roster size, so on registration's roster insert.
MAX_MEMBERS_LIMIT = 50


class Team(models.Model):
    name = models.CharField(max_length=100)
    tag = models.CharField(max_length=12, unique=True)
    captain = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="captained_teams")
    max_members = models.PositiveSmallIntegerField(default=DEFAULT_MAX_MEMBERS)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_members__gte=1, max_members__lte=MAX_MEMBERS_LIMIT),
                name="team_max_members_range",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.tag}] {self.name}"


class Membership(models.Model):
    class Role(models.TextChoices):
        CAPTAIN = "captain", "Captain"
        MEMBER = "member", "Member"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user"),
            models.CheckConstraint(condition=models.Q(role__in=["captain", "member"]), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.team_id} ({self.role})"


class TeamInvite(models.Model):
    """A captain's invitation of one user; the user joins only by accepting it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_invites")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One open invitation per user and team: a second one would be a duplicate.
            models.UniqueConstraint(
                fields=["team", "user"], condition=models.Q(status="pending"), name="team_invite_one_pending"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "accepted", "declined", "expired"]),
                name="team_invite_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["user", "status"], name="idx_team_invite_user_status")]

    def __str__(self) -> str:
        return f"invite {self.pk}: {self.user_id} to {self.team_id} ({self.status})"
