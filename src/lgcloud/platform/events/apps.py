from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "lgcloud.platform.events"
    label = "events"
    verbose_name = "ドメインイベント"

    def ready(self) -> None:
        from lgcloud.platform.events.catalog import discover

        discover()
