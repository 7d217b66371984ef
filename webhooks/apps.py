from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Organizers' endpoints, sent every committed event they subscribe to, signed, in order (docs/webhooks.md)."""

    name = "webhooks"
    verbose_name = "Webhooks"
