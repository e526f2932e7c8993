from django.apps import AppConfig


class ContinuityConfig(AppConfig):
    name = "lgcloud.platform.continuity"
    label = "continuity"
    verbose_name = "事業継続（DR訓練・バックアップ）"
