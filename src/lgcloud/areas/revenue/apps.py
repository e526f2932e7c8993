from django.apps import AppConfig


class RevenueConfig(AppConfig):
    name = "lgcloud.areas.revenue"
    label = "revenue"
    verbose_name = "収納・滞納"
