"""PostgreSQL: the text index's rows carry their petition's receipt time, with the index
``(received_at, petition_id)``, so that a page of a common word newest first walks the index table
alone (see xinfang.petitions.search); the table is never scanned by parallel workers. Filled from
the petitions (no text is tokenized again). A table made by 0004 with today's `create_schema` has
them already. SQLite: nothing changes (its date keys, 0009, do the same).
"""

from django.db import migrations


def forward(apps, schema_editor):
    from xinfang.petitions import search

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        search.pg_date_column(connection)


def backward(apps, schema_editor):
    from xinfang.petitions import search

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        search.pg_drop_date_column(connection)


class Migration(migrations.Migration):

    dependencies = [
        ("petitions", "0009_search_date_keys"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
