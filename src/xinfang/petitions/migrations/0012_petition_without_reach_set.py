"""A partial index of the petitions still without a reach set (`petitions.reach.fill`, every sweep)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0011_reach_sets'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(condition=models.Q(('reach_set__isnull', True)), fields=['id'], name='petition_without_reach_set'),
        ),
    ]
