from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "lgcloud.platform.web"
    label = "web"
    verbose_name = "画面"
