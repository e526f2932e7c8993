from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "lgcloud.platform.documents"
    label = "documents"
    verbose_name = "文書の発行"
