from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "lgcloud.platform.web"
    label = "web"
    verbose_name = "画面"

    def ready(self) -> None:
        from lgcloud.platform.web import checks  # noqa: F401 (registers the start-up checks)
