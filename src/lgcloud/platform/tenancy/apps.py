from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "lgcloud.platform.tenancy"
    label = "tenancy"
    verbose_name = "団体・グループ"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lgcloud.platform.tenancy import rls

        post_migrate.connect(rls.apply_row_level_security, dispatch_uid="lgcloud-rls")
