from django.apps import AppConfig


class CustomizationConfig(AppConfig):
    name = "lgcloud.group.customization"
    label = "customization"
    verbose_name = "カスタマイズ要望"
