from django.contrib import admin

from accounts.admin import OrganizerReadOnlyAdmin, OrganizerReadOnlyInline
from teams.models import Membership, Team


class MembershipInline(OrganizerReadOnlyInline):
    model = Membership
    fields = ["user", "role", "joined_at"]


@admin.register(Team)
class TeamAdmin(OrganizerReadOnlyAdmin):
    list_display = ["id", "tag", "name", "captain", "created_at"]
    list_select_related = ["captain"]
    search_fields = ["tag", "name", "captain__username"]
    inlines = [MembershipInline]
