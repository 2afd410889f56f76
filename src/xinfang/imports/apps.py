from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "xinfang.imports"
    label = "imports"
    verbose_name = "批量导入"
