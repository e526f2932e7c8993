from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "lgcloud.group.costs"
    label = "costs"
    verbose_name = "費用の見える化"
