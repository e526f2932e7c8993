from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "lgcloud.interchange"
    verbose_name = "データ移行"
