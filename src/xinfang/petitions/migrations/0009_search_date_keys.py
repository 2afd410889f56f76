"""SQLite: the text index's rows are keyed by the petition's date key (see xinfang.petitions.search:
the second it was received, then its id), so a page newest first is read from the index in order.

An index made before is rebuilt from its stored documents (no text is tokenized again); a fresh one
(made by 0004 with today's `create_schema`) is left as it is. PostgreSQL: nothing changes.
"""

from django.db import migrations


def forward(apps, schema_editor):
    from xinfang.petitions import search

    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        search.sqlite_date_keys(connection)


class Migration(migrations.Migration):

    dependencies = [
        ("petitions", "0008_queue_indexes"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop, elidable=False),
    ]
