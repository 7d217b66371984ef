"""Admin base for the organizer back office.

Organizers are staff without per-model permissions; the admin is their window on the
data, never a second way to write it. Every model admin is read-only: writes happen
through admin actions that call the same services as the API, so the rules, locks and
broadcasts are the same whoever clicks.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


def _is_organizer(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_staff)


class OrganizerReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_organizer(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_organizer(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrganizerReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Shown, never edited: non-editable fields (created_at) would break the form otherwise.
        return [field for field in self.fields or [] if isinstance(field, str)]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_organizer(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
