"""The full-text index of petition titles and contents (see xinfang.petitions.search).

SQLite: an FTS5 virtual table; PostgreSQL: a tsvector table with a GIN index. Neither is a Django
model, so this migration creates them by hand, per database vendor, and indexes existing rows.
"""

from django.db import migrations


def forward(apps, schema_editor):
    from xinfang.petitions import search

    connection = schema_editor.connection
    if not search.supported(connection):
        return
    search.create_schema(connection)
    search.reindex_all(connection=connection)


def backward(apps, schema_editor):
    from xinfang.petitions import search

    search.drop_schema(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("petitions", "0003_importjob"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
