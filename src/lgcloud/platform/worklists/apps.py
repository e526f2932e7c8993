from django.apps import AppConfig


class WorklistsConfig(AppConfig):
    name = "lgcloud.platform.worklists"
    label = "worklists"
    verbose_name = "処理待ち一覧"

    def ready(self) -> None:
        from lgcloud.platform.worklists.catalog import discover

        discover()
