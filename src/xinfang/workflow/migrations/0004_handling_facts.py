"""Fill the handling facts stored on each petition (xinfang.workflow.facts) for existing petitions."""

from django.db import migrations


def fill(apps, schema_editor):
    from xinfang.workflow.facts import facts_rebuild

    models = (apps.get_model("petitions", "Petition"), apps.get_model("workflow", "Deadline"),
              apps.get_model("workflow", "Evaluation"))
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cur:  # fresh statistics: one index probe per petition
            cur.execute("ANALYZE workflow_deadline")
            cur.execute("ANALYZE workflow_evaluation")
    facts_rebuild(models=models)  # 50,000 petitions per UPDATE


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0006_statistics_index"),
        ("workflow", "0003_routingrule"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
