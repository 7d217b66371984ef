from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """What the platform sends its players after a commit: emails and certificates (docs/tasks.md)."""

    name = "notifications"
    verbose_name = "Notifications"
