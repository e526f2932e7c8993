from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "lgcloud.demo"
    verbose_name = "デモデータ"
