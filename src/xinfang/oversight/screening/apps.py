from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "xinfang.oversight.screening"
    label = "screening"
    verbose_name = "矛盾纠纷排查"
