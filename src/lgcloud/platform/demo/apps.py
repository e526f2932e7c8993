from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "lgcloud.platform.demo"
    label = "demo"
    verbose_name = "デモデータ"
