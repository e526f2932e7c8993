from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "lgcloud.areas.registry"
    label = "registry"
    verbose_name = "住民記録"

    def ready(self) -> None:
        from lgcloud.areas.registry import checks  # noqa: F401  (registers the system check)
