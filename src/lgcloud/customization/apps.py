from django.apps import AppConfig


class CustomizationConfig(AppConfig):
    name = "lgcloud.customization"
    verbose_name = "カスタマイズ要望"
