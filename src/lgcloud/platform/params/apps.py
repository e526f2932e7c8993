from django.apps import AppConfig


class ParamsConfig(AppConfig):
    name = "lgcloud.platform.params"
    label = "params"
    verbose_name = "パラメータ"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lgcloud.platform.params.catalogue import sync_catalogue_after_migrate

        post_migrate.connect(sync_catalogue_after_migrate, sender=self, dispatch_uid="lgcloud-params-sync")
