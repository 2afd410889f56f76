"""Reach sets (`petitions.reach`): the tables, the petition's column (in the statistics' covering index),
and the triggers that clear a petition's set when its access rows change. Existing petitions start
without a set (the access rows are read for them, as before) until `xinfang reach_fill` or the
sweep stores theirs."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def triggers(apps, schema_editor):
    from xinfang.petitions import reach

    reach.create_triggers(schema_editor.connection)


def no_triggers(apps, schema_editor):
    from xinfang.petitions import reach

    reach.drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0002_unit_superior_government'),
        ('petitions', '0010_search_received_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReachSet',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('units', models.TextField(unique=True)),
            ],
        ),
        migrations.CreateModel(
            name='ReachSetUnit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ],
        ),
        migrations.RemoveIndex(
            model_name='petition',
            name='petition_statistics',
        ),
        migrations.AddField(
            model_name='petition',
            name='reach_set',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='petitions.reachset'),
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(fields=['received_at', 'status', 'channel', 'visit_kind', 'headcount', 'nature', 'is_escalated', 'repeat_of', 'replied_at', 'closed_at', 'receiving_unit', 'handling_unit', 'category', 'problem_region', 'facts_at', 'fact_accept', 'fact_accept_open_due', 'fact_reply', 'fact_reply_open_due', 'fact_review_at', 'fact_evaluation', 'fact_repeat_at', 'due_on', 'reach_set', 'id'], name='petition_statistics'),
        ),
        migrations.AddField(
            model_name='reachsetunit',
            name='reach_set',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='petitions.reachset'),
        ),
        migrations.AddField(
            model_name='reachsetunit',
            name='unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.unit'),
        ),
        migrations.AddConstraint(
            model_name='reachsetunit',
            constraint=models.UniqueConstraint(fields=('unit', 'reach_set'), name='reach_set_unit_unique'),
        ),
        migrations.RunPython(triggers, no_triggers),
    ]
