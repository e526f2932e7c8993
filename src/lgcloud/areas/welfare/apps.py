from django.apps import AppConfig


class WelfareConfig(AppConfig):
    name = "lgcloud.areas.welfare"
    label = "welfare"
    verbose_name = "児童手当"
