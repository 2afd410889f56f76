"""`xinfang insight evaluate …`: the console script maps it here (config/cli.py); see `_insight`."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from . import _insight


class Command(BaseCommand):
    help = "按规范化文本分组交叉验证内容分类模型（xinfang insight evaluate）"

    def add_arguments(self, parser):
        _insight.add_data_arguments(parser, evaluate=True)

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            _insight.run_evaluate(options, self.stdout)
