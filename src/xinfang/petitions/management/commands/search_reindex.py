"""`xinfang search_reindex`: rebuild the full-text index of petition titles and contents."""

import time

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from xinfang.petitions import search


class Command(BaseCommand):
    help = "重建信访件全文检索索引 (rebuild the full-text search index)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database=DEFAULT_DB_ALIAS, **options):
        connection = connections[database]
        if not search.supported(connection):
            self.stderr.write(f"search index not supported on {connection.vendor}; searches scan the table")
            return
        started = time.perf_counter()
        search.create_schema(connection)
        with transaction.atomic(using=database):
            n = search.reindex_all(using=database)
        self.stdout.write(f"indexed {n} petitions in {time.perf_counter() - started:.1f}s")
