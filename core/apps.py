from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared infrastructure below every app: locking, metrics, logging, error types."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Explicit, like saleor's ``patch_db()``: the end-of-transaction hook of the lock
        # observer is installed once at start-up, before any request or command runs.
        from core.locking import install_transaction_hook

        install_transaction_hook()
