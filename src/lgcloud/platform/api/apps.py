from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lgcloud.platform.api"
    label = "api"
    verbose_name = "API"
