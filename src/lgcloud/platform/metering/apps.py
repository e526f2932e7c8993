from django.apps import AppConfig


class MeteringConfig(AppConfig):
    name = "lgcloud.platform.metering"
    label = "metering"
    verbose_name = "利用実績の計測"
