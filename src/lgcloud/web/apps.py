from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "lgcloud.web"
    verbose_name = "画面"
