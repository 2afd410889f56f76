"""Fill the handling facts stored on each petition (xinfang.workflow.facts) for existing petitions."""

from django.db import migrations


def fill(apps, schema_editor):
    from xinfang.workflow.facts import facts_rebuild

    facts_rebuild(models=(apps.get_model("petitions", "Petition"), apps.get_model("workflow", "Deadline"),
                          apps.get_model("workflow", "Evaluation")))


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0006_statistics_index"),
        ("workflow", "0003_routingrule"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
