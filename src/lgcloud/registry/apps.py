from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "lgcloud.registry"
    verbose_name = "住民記録"

    def ready(self) -> None:
        from lgcloud.registry import checks  # noqa: F401  (registers the system check)
