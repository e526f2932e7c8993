from django.apps import AppConfig


class NationwideConfig(AppConfig):
    name = "lgcloud.group.nationwide"
    label = "nationwide"
    verbose_name = "全国状況"

    def ready(self) -> None:
        from lgcloud.group.nationwide import data

        # Fail at start-up, not on the first visitor, if the shipped data is inconsistent.
        data.check()
