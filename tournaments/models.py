from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.cache import filtered_ids
from tournaments import formats
from tournaments.cache import TOURNAMENT_CACHE

User = settings.AUTH_USER_MODEL


def _in(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


class Season(models.Model):
    """The lock audit plan's "Semester": finalization serialises on this row."""

    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class TournamentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REGISTRATION_OPEN = "registration_open", "Registration open"
    REGISTRATION_CLOSED = "registration_closed", "Registration closed"
    LIVE = "live", "Live"
    COMPLETED = "completed", "Completed"
    REWARDS_DISTRIBUTED = "rewards_distributed", "Rewards distributed"
    CANCELLED = "cancelled", "Cancelled"


class TournamentFormat(models.TextChoices):
    SINGLE_ELIMINATION = formats.SINGLE_ELIMINATION, "Single elimination"
    DOUBLE_ELIMINATION = formats.DOUBLE_ELIMINATION, "Double elimination"
    ROUND_ROBIN = formats.ROUND_ROBIN, "Round robin"
    SWISS = formats.SWISS, "Swiss"
    GROUPS_PLAYOFFS = formats.GROUPS_PLAYOFFS, "Groups into playoffs"


class TournamentSeeding(models.TextChoices):
    REGISTRATION_ORDER = "registration_order", "Registration order"
    RANDOM = "random", "Random (seeded, reproducible)"
    RATING = "rating", "By rating"
    MANUAL = "manual", "Manual"


class TournamentVisibility(models.TextChoices):
    """Who may watch a tournament once it is open (a draft is its organizer's alone): docs/security.md."""

    PUBLIC = "public", "Anyone signed in"
    PARTICIPANTS = "participants", "Its participants only"


class TournamentQuerySet(models.QuerySet["Tournament"]):
    """Writes that send no signal retire the cached rows they touch (tournaments/cache.py)."""

    def update(self, **kwargs: Any) -> int:
        ids = filtered_ids(self)
        if ids is None:  # a filter that names no ids: ask which rows it matches
            ids = list(self.values_list("pk", flat=True))
        rows = super().update(**kwargs)
        if rows:
            TOURNAMENT_CACHE.forget(ids)
        return rows

    update.alters_data = True  # type: ignore[attr-defined]

    def bulk_create(self, *args: Any, **kwargs: Any) -> Any:
        created = super().bulk_create(*args, **kwargs)
        TOURNAMENT_CACHE.forget(tournament.pk for tournament in created if tournament.pk is not None)
        return created


class Tournament(models.Model):
    Format = TournamentFormat
    Seeding = TournamentSeeding
    Status = TournamentStatus
    Visibility = TournamentVisibility

    name = models.CharField(max_length=200)
    game = models.CharField(max_length=100)
    season = models.ForeignKey(
        Season,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tournaments",
    )
    organizer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="organized_tournaments")
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    max_teams = models.PositiveIntegerField()
    team_size = models.PositiveIntegerField()
    # Format (issue 15, ``tournaments.formats``): how matches are made and teams ranked.
    format = models.CharField(
        max_length=32, choices=TournamentFormat.choices, default=TournamentFormat.SINGLE_ELIMINATION
    )
    round_robin_legs = models.PositiveSmallIntegerField(default=1, help_text="Round robin: 1 single, 2 double.")
    # Double elimination: when the losers bracket's champion wins the grand final, a
    # second grand final is played (both teams then have lost once).
    grand_final_reset = models.BooleanField(default=True)
    # Swiss: rounds to play; None until the start sets formats.swiss_rounds_default(teams).
    swiss_rounds = models.PositiveSmallIntegerField(null=True, blank=True)
    # Groups into playoffs: the teams drawn into ``group_count`` round-robin groups (snake
    # by seed); the best ``group_advancers`` of each seed a single-elimination playoff.
    group_count = models.PositiveSmallIntegerField(default=2)
    group_advancers = models.PositiveSmallIntegerField(default=2)
    # Seeding (issue 15): how the start orders the teams (``services.seeding``). ``random``
    # draws with ``seeding_seed`` (set at the start when empty), so the draw can be replayed;
    # ``manual`` follows ``manual_seeds`` (team ids, set by the organizer before the start).
    seeding = models.CharField(
        max_length=32, choices=TournamentSeeding.choices, default=TournamentSeeding.REGISTRATION_ORDER
    )
    seeding_seed = models.BigIntegerField(null=True, blank=True)
    manual_seeds = models.JSONField(default=list, blank=True)
    # Standings order, from formats.TIEBREAKERS; empty = formats.DEFAULT_TIEBREAKERS.
    tiebreakers = models.JSONField(default=list, blank=True)
    # Roster (issue 16): a registration names team_size starters and up to this many
    # substitutes; rewards and ratings go to the starters.
    max_substitutes = models.PositiveSmallIntegerField(default=0)
    registration_opens_at = models.DateTimeField(null=True, blank=True)
    registration_closes_at = models.DateTimeField(null=True, blank=True)
    entry_fee = models.BigIntegerField(default=0, help_text="Coins, integer minor units.")
    # The tournament's own escrow (issue 17): entry fees in, refunds and prizes out, plus
    # what the organizer adds. Made on first use, under this row's lock. Before, every
    # fee went to the one global treasury row, which every paid registration locked.
    prize_pool = models.OneToOneField(
        "economy.Wallet", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # {"1": {"xp": 500, "coins": 1000}, "2": {...}, "default": {...}}; empty = defaults.
    reward_policy = models.JSONField(default=dict, blank=True)
    # Check-in (issue 16): both set, or neither (no check-in). At the start, confirmed
    # teams that did not check in become no_show; ``no_show_refund`` says whether their
    # fee comes back (else it stays in the prize pool, a forfeit).
    # Best-of-N series (issue 16): the series length, and overrides by round number or
    # "final" (``tournaments.series``).
    best_of = models.PositiveSmallIntegerField(default=1)
    round_best_of = models.JSONField(default=dict, blank=True)
    check_in_opens_at = models.DateTimeField(null=True, blank=True)
    check_in_closes_at = models.DateTimeField(null=True, blank=True)
    no_show_refund = models.BooleanField(default=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cancel_reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TournamentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_in("status", TournamentStatus),
                name="tournament_status_valid",
            ),
            models.CheckConstraint(
                condition=_in("visibility", TournamentVisibility),
                name="tournament_visibility_valid",
            ),
            models.CheckConstraint(condition=Q(max_teams__gte=2), name="tournament_max_teams_gte_2"),
            models.CheckConstraint(condition=Q(team_size__gte=1), name="tournament_team_size_gte_1"),
            models.CheckConstraint(condition=Q(entry_fee__gte=0), name="tournament_entry_fee_gte_0"),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="tournament_registration_window_ordered",
            ),
            models.CheckConstraint(condition=Q(best_of__in=[1, 3, 5, 7]), name="tournament_best_of_valid"),
            models.CheckConstraint(condition=_in("format", TournamentFormat), name="tournament_format_valid"),
            models.CheckConstraint(condition=_in("seeding", TournamentSeeding), name="tournament_seeding_valid"),
            models.CheckConstraint(condition=Q(round_robin_legs__in=[1, 2]), name="tournament_round_robin_legs_valid"),
            models.CheckConstraint(
                condition=Q(check_in_opens_at__isnull=True, check_in_closes_at__isnull=True)
                | Q(check_in_closes_at__gt=F("check_in_opens_at")),
                name="tournament_check_in_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    WAITLISTED = "waitlisted", "Waitlisted"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REJECTED = "rejected", "Rejected"
    NO_SHOW = "no_show", "No show"
    DISQUALIFIED = "disqualified", "Disqualified"


class Registration(models.Model):
    Status = RegistrationStatus

    ACTIVE_STATUSES = (Status.PENDING, Status.CONFIRMED, Status.WAITLISTED)

    # No single-column index: idx_registration_tournament_status leads with tournament_id
    # and serves every lookup by tournament (an extra index would only cost writes, and
    # the planner would prefer it for the listing over the covering one).
    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="registrations", db_index=False)
    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField(max_length=16, choices=Status.choices)
    registered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # 1 is the top seed; set at the start for every team that plays (``services.seeding``).
    seed = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_in("status", RegistrationStatus),
                name="registration_status_valid",
            ),
            # One live registration per team and tournament; withdrawn ones stay as history.
            models.UniqueConstraint(
                fields=["tournament", "team"],
                condition=Q(status__in=["pending", "confirmed", "waitlisted"]),
                name="registration_one_active_per_team",
            ),
        ]
        # The organizer listing's covering index, idx_registration_tournament_status,
        # lives in migration 0002 only: its name is longer than Django's 30-character
        # limit for Meta.indexes, and it is built CONCURRENTLY on PostgreSQL.

    def __str__(self) -> str:
        return f"{self.team_id} → {self.tournament_id} ({self.status})"


class RosterRole(models.TextChoices):
    STARTER = "starter", "Starter"
    SUBSTITUTE = "substitute", "Substitute"


class RosterEntry(models.Model):
    """The players a registration froze: its starters and substitutes.

    The partial unique constraint is what guarantees that no player sits in two
    teams of one tournament, however requests race: the database refuses the
    second roster, not a check-then-insert in Python.
    """

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="roster")
    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=RosterRole.choices, default=RosterRole.STARTER)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_in("role", RosterRole), name="roster_role_valid"),
            models.UniqueConstraint(
                fields=["tournament", "user"],
                condition=Q(active=True),
                name="roster_one_team_per_player",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in registration {self.registration_id}"


class MatchStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    AWAITING_CONFIRMATION = "awaiting_confirmation", "Awaiting confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    DISPUTED = "disputed", "Disputed"


class MatchBracket(models.TextChoices):
    NONE = "", "None"
    WINNERS = formats.WINNERS, "Winners bracket"
    LOSERS = formats.LOSERS, "Losers bracket"
    GRAND_FINAL = formats.GRAND_FINAL, "Grand final"


class Match(models.Model):
    Status = MatchStatus
    Bracket = MatchBracket

    class Slot(models.TextChoices):
        A = "a", "Team A"
        B = "b", "Team B"

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="matches")
    round = models.PositiveIntegerField()
    position = models.PositiveIntegerField()
    # Groups into playoffs: the group (1, 2, ...) of a group-stage match; None elsewhere.
    group = models.PositiveSmallIntegerField(null=True, blank=True)
    # Double elimination: the match's bracket (rounds and positions count per bracket);
    # blank in every other format.
    bracket = models.CharField(max_length=16, choices=Bracket.choices, blank=True, default="")
    team_a = models.ForeignKey("teams.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    team_b = models.ForeignKey("teams.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.SCHEDULED)
    score_a = models.PositiveIntegerField(null=True, blank=True)
    score_b = models.PositiveIntegerField(null=True, blank=True)
    winner = models.ForeignKey("teams.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    next_match = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    next_slot = models.CharField(max_length=1, choices=Slot.choices, blank=True)
    # Double elimination: where the loser goes (a losers-bracket match, or the grand final
    # from a two-team winners bracket); null where losing means out.
    loser_next_match = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    loser_next_slot = models.CharField(max_length=1, choices=Slot.choices, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The team that forfeited: the match is confirmed as a walkover, no scores.
    forfeited_by = models.ForeignKey("teams.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["round", "position"]
        constraints = [
            models.CheckConstraint(condition=_in("status", MatchStatus), name="match_status_valid"),
            models.UniqueConstraint(fields=["tournament", "bracket", "round", "position"], name="match_unique_slot"),
            models.CheckConstraint(condition=_in("bracket", MatchBracket), name="match_bracket_valid"),
            # A confirmed match has a winner, or is a draw (equal scores: formats.DRAWS_ALLOWED).
            models.CheckConstraint(
                condition=~Q(status="confirmed")
                | Q(winner__isnull=False)
                | Q(score_a__isnull=False, score_a=F("score_b")),
                name="match_confirmed_has_winner_or_draw",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tournament_id} R{self.round}#{self.position}"


class ResultReport(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="reports")
    side = models.CharField(max_length=1, choices=Match.Slot.choices)
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    score_a = models.PositiveIntegerField()
    score_b = models.PositiveIntegerField()
    # [[score_a, score_b], ...] per game of a best-of-N series; empty for a single game.
    games = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["match", "side"], name="report_one_per_side"),
            models.CheckConstraint(condition=Q(side__in=["a", "b"]), name="report_side_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.match_id} side {self.side}: {self.score_a}-{self.score_b}"


class MatchSubstitution(models.Model):
    """A starter benched for one match, and the substitute of the same roster who plays it.

    Written by ``match_substitute`` once the roster locked (the tournament is live) and
    before the match is reported. Who played the team's matches is who finalization
    rates and rewards (``selectors.finalization``).
    """

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="substitutions")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    player_out = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    player_in = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["match", "player_out"], name="substitution_one_out_per_match"),
            models.UniqueConstraint(fields=["match", "player_in"], name="substitution_one_in_per_match"),
        ]

    def __str__(self) -> str:
        return f"match {self.match_id}: {self.player_in_id} for {self.player_out_id}"


class AuditAction(models.TextChoices):
    TOURNAMENT_CREATED = "tournament.created", "Tournament created"
    TOURNAMENT_OPENED = "tournament.opened", "Registration opened"
    TOURNAMENT_CLOSED = "tournament.closed", "Registration closed"
    TOURNAMENT_STARTED = "tournament.started", "Tournament started"
    TOURNAMENT_SEEDED = "tournament.seeded", "Seeds set"
    TOURNAMENT_CANCELLED = "tournament.cancelled", "Tournament cancelled"
    TOURNAMENT_FINALIZED = "tournament.finalized", "Tournament finalized"
    RESULT_REPORTED = "match.reported", "Result reported"
    RESULT_CONFIRMED = "match.confirmed", "Result confirmed"
    RESULT_DISPUTED = "match.disputed", "Result disputed"
    MATCH_RESOLVED = "match.resolved", "Dispute resolved"
    MATCH_FORFEITED = "match.forfeited", "Match forfeited"
    MATCH_OVERRIDDEN = "match.overridden", "Result overridden"
    MATCH_RESET = "match.reset", "Match reset"
    TEAM_DISQUALIFIED = "team.disqualified", "Team disqualified"
    PLAYER_SUBSTITUTED = "match.substitution", "Player substituted"


class AuditEntry(models.Model):
    """Who did what to a tournament or one of its matches, and the state before and after.

    Written by the service that makes the change, in its transaction (``services.audit``):
    an entry exists exactly when its change committed. Never updated or deleted.
    """

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="+")
    match = models.ForeignKey(Match, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # None: the system (``manage.py finalize_tournament``).
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tournament", "-created_at", "-id"], name="audit_tournament_newest")]
        constraints = [models.CheckConstraint(condition=_in("action", AuditAction), name="audit_action_valid")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.tournament_id} {self.action} by {self.actor_id}"


class PlayerSkill(models.Model):
    """The audit plan's "UserLicense": rating, XP and history counters per player."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="skill")
    rating = models.IntegerField(default=1500)
    xp = models.BigIntegerField(default=0)
    tournaments_played = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(xp__gte=0), name="playerskill_xp_gte_0")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.rating}"


class TournamentParticipation(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="participations")
    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="participations")
    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="+")
    placement = models.PositiveIntegerField()
    xp_awarded = models.BigIntegerField(default=0)
    coins_awarded = models.BigIntegerField(default=0)
    rating_before = models.IntegerField()
    rating_after = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "tournament"],
                name="participation_unique_user_tournament",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} #{self.placement} in {self.tournament_id}"


class TournamentBadge(models.Model):
    class BadgeType(models.TextChoices):
        CHAMPION = "champion", "Champion"
        FINALIST = "finalist", "Finalist"
        FIRST_TOURNAMENT = "first_tournament", "First tournament"
        FIVE_TOURNAMENTS = "five_tournaments", "5 tournaments played"
        TEN_TOURNAMENTS = "ten_tournaments", "10 tournaments played"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="badges")
    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="badges")
    badge_type = models.CharField(max_length=32, choices=BadgeType.choices)
    awarded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "tournament", "badge_type"],
                name="badge_unique_per_tournament",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.badge_type} for {self.user_id} in {self.tournament_id}"
