from django.apps import AppConfig


class CalcConfig(AppConfig):
    name = "lgcloud.platform.calc"
    label = "calc"
    verbose_name = "計算ルール"
