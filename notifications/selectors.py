"""Reads of notifications and certificates: the workers' due jobs, a player's certificates."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound
from notifications.errors import ErrorCode
from notifications.models import Certificate, Notification


def notifications_unsent() -> QuerySet[Notification]:
    """Emails neither sent nor given up on."""
    return Notification.objects.filter(sent_at__isnull=True, failed_at__isnull=True)


def certificates_unrendered() -> QuerySet[Certificate]:
    """Certificates whose file is not stored yet."""
    return Certificate.objects.filter(file="")


def certificate_list(*, user_id: int) -> QuerySet[Certificate]:
    """The user's certificates, newest first, with their tournament's name."""
    return Certificate.objects.filter(user_id=user_id).select_related("tournament").order_by("-created_at", "-pk")


def certificate_file_get(*, certificate_id: int, user_id: int) -> Certificate:
    """The user's own stored certificate; anyone else's, or one not rendered yet, is not found."""
    certificate = Certificate.objects.filter(pk=certificate_id, user_id=user_id).exclude(file="").first()
    if certificate is None:
        raise NotFound("No such certificate.", code=ErrorCode.CERTIFICATE_NOT_FOUND)
    return certificate
