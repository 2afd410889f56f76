"""`xinfang reach_fill`: store the reach set of every petition that has none (`petitions.reach`)."""

import time

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from xinfang.petitions import reach


class Command(BaseCommand):
    help = "为尚无单位集合的信访件补记其到达过的单位集合 (store the reach sets petitions lack)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database=DEFAULT_DB_ALIAS, **options):
        started = time.perf_counter()
        n = reach.fill(using=database, batch=20000)
        self.stdout.write(f"stored the reach sets of {n} petitions in {time.perf_counter() - started:.1f}s")
