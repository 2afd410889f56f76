from django.db import migrations


def seed(apps, schema_editor):
    from xinfang.petitions.seed.categories import rows

    Category = apps.get_model("petitions", "Category")
    by_code = {}
    for code, name, parent in rows():
        parent_obj = by_code.get(parent)
        level = parent_obj.level + 1 if parent_obj else 1
        path = (parent_obj.path if parent_obj else "/") + code + "/"
        obj, _ = Category.objects.get_or_create(code=code, defaults={
            "name": name, "parent": parent_obj, "level": level, "path": path})
        by_code[code] = obj


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
