"""Fill the handling facts stored on each petition (xinfang.workflow.facts) for existing petitions."""

from django.db import migrations

CHUNK = 50_000  # petitions per UPDATE


def fill(apps, schema_editor):
    from xinfang.workflow.facts import facts_rebuild

    Petition = apps.get_model("petitions", "Petition")
    models = (Petition, apps.get_model("workflow", "Deadline"), apps.get_model("workflow", "Evaluation"))
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cur:  # fresh statistics: one index probe per petition
            cur.execute("ANALYZE workflow_deadline")
            cur.execute("ANALYZE workflow_evaluation")
    last = Petition.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for low in range(0, last, CHUNK):
        facts_rebuild(Petition.objects.filter(id__gt=low, id__lte=low + CHUNK), models=models)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0006_statistics_index"),
        ("workflow", "0003_routingrule"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
