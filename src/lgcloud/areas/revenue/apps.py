from django.apps import AppConfig


class RevenueConfig(AppConfig):
    name = "lgcloud.areas.revenue"
    label = "revenue"
    verbose_name = "収納・滞納"

    def ready(self) -> None:
        from lgcloud.areas.revenue import receiving
        from lgcloud.platform import levies

        levies.register_receiver(receiving.LedgerReceiver())
