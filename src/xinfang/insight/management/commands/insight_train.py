"""`xinfang insight train …`: the console script maps it here (config/cli.py); see `_insight`."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from . import _insight


class Command(BaseCommand):
    help = "训练并启用新版本的内容分类模型（xinfang insight train）"

    def add_arguments(self, parser):
        _insight.add_data_arguments(parser)

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            _insight.run_train(options, self.stdout)
