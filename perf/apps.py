from django.apps import AppConfig


class PerfConfig(AppConfig):
    name = "perf"
    verbose_name = "Perf"

    def ready(self) -> None:
        from perf.realtime import STOCK_FANOUT
        from realtime.channels import fanout_register

        # Stock Channels fan-out, selectable as REALTIME_FANOUT=channels wherever perf is installed.
        fanout_register("channels", STOCK_FANOUT)
