from django.apps import AppConfig


class NationwideConfig(AppConfig):
    name = "lgcloud.nationwide"
    verbose_name = "全国状況"

    def ready(self) -> None:
        from lgcloud.nationwide import data

        # Fail at start-up, not on the first visitor, if the shipped data is inconsistent.
        data.check()
