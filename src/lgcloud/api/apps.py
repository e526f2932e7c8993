from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lgcloud.api"
    verbose_name = "API"
