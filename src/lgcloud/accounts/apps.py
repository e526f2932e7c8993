from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lgcloud.accounts"
    verbose_name = "職員・権限"
