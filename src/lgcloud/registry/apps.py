from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "lgcloud.registry"
    verbose_name = "住民記録"
