from django.contrib import admin

from accounts.admin import OrganizerReadOnlyAdmin
from notifications.models import Certificate, Notification


@admin.register(Notification)
class NotificationAdmin(OrganizerReadOnlyAdmin):
    list_display = ["id", "kind", "user", "tournament_id", "seq", "sent_at", "failed_at", "attempts"]
    list_filter = ["kind"]
    list_select_related = ["user"]


@admin.register(Certificate)
class CertificateAdmin(OrganizerReadOnlyAdmin):
    list_display = ["id", "user", "tournament", "placement", "file", "created_at"]
    list_select_related = ["user", "tournament"]
