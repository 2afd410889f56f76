from django.db import migrations


def seed(apps, schema_editor):
    from xinfang.common.calendar import package_schedule

    CalendarDay = apps.get_model("common", "CalendarDay")
    CalendarYear = apps.get_model("common", "CalendarYear")
    days, years = package_schedule()
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, is_workday=w, name=n[:64]) for d, (w, n) in sorted(days.items())],
        ignore_conflicts=True)
    CalendarYear.objects.bulk_create([CalendarYear(year=y, source="package") for y in sorted(years)],
                                     ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
