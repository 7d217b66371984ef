from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Realtime"

    def ready(self) -> None:
        from realtime import hub
        from realtime.channels import Fanout, fanout_register

        # The per-process hub (docs/realtime.md): in Redis mode the publish script's
        # PUBLISH is its feed, so nothing more to do after it.
        fanout_register(
            "hub", Fanout(consumer="realtime.consumers.TournamentConsumer", deliver_local=hub.deliver_threadsafe)
        )
