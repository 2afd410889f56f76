"""The database is what DESIGN §2/§9 says: SQLite in WAL mode with foreign keys and a busy timeout,
or PostgreSQL through the URL; Chinese and Asia/Shanghai by default."""

import pytest
from django.conf import settings
from django.db import connection


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert dict(settings.LANGUAGES).keys() == {"zh-hans", "en"}
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ


@pytest.mark.django_db
def test_sqlite_pragmas_or_postgres():
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA journal_mode")
            assert cur.fetchone()[0].lower() == "wal"
            cur.execute("PRAGMA foreign_keys")
            assert cur.fetchone()[0] == 1
            cur.execute("PRAGMA busy_timeout")
            assert cur.fetchone()[0] >= 5000
            assert not str(settings.DATABASES["default"]["NAME"]).startswith(":memory:")
        else:
            assert connection.vendor == "postgresql"
            cur.execute("SHOW server_encoding")
            assert cur.fetchone()[0].upper() == "UTF8"
