from django.apps import AppConfig


class PensionConfig(AppConfig):
    name = "lgcloud.areas.pension"
    label = "pension"
    verbose_name = "国民年金"
