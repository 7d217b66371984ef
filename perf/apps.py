from django.apps import AppConfig


class PerfConfig(AppConfig):
    name = "perf"
    verbose_name = "Perf"

    def ready(self) -> None:
        # Installs the rollback hook of the lock-event emitter at start-up, whatever
        # the import order of the services that use it.
        import perf.lock_events  # noqa: F401
