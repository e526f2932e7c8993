from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "lgcloud.areas.insurance"
    label = "insurance"
    verbose_name = "国民健康保険"
