from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "xinfang.oversight.scorecards"
    label = "scorecards"
    verbose_name = "考核通报与问责"
