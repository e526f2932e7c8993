from django.apps import AppConfig


class TaxationConfig(AppConfig):
    name = "lgcloud.areas.taxation"
    label = "taxation"
    verbose_name = "税務"
