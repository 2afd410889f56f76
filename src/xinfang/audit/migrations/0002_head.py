from django.db import migrations


def seed(apps, schema_editor):
    apps.get_model("audit", "AuditHead").objects.get_or_create(id=1, defaults={"seq": 0, "hash": "0" * 64})


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
