from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "lgcloud.platform.interchange"
    label = "interchange"
    verbose_name = "データ移行"
