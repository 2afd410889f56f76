"""`xinfang insight hotspots …`: the console script maps it here (config/cli.py); see `_insight`."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from . import _insight


class Command(BaseCommand):
    help = "热点问题（xinfang insight hotspots）"

    def add_arguments(self, parser):
        _insight.hotspots_arguments(parser)

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            _insight.run_hotspots(options, self.stdout)
