from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lgcloud.audit"
    verbose_name = "アクセスログ"
