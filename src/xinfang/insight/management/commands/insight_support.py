"""`xinfang insight support …`: the console script maps it here (config/cli.py); see `_insight`."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from . import _insight


class Command(BaseCommand):
    help = "导入留言的点赞数（xinfang insight support）"

    def add_arguments(self, parser):
        _insight.support_arguments(parser)

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            _insight.run_support(options, self.stdout)
