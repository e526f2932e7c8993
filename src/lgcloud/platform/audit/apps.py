from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lgcloud.platform.audit"
    label = "audit"
    verbose_name = "アクセスログ"
