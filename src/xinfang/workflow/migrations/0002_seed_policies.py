from django.db import migrations


def seed(apps, schema_editor):
    from xinfang.workflow.deadlines import DEFAULT_POLICIES, INACTIVE_BY_DEFAULT

    Policy = apps.get_model("workflow", "DeadlinePolicy")
    for key, (days, working, source) in DEFAULT_POLICIES.items():
        Policy.objects.get_or_create(key=key, unit=None, defaults={
            "days": days, "working_days": working, "source": source, "is_active": key not in INACTIVE_BY_DEFAULT})


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
