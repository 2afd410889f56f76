"""Key the chain: existing rows keep their plain SHA-256 hashes (scheme "sha256") and are sealed as the
legacy prefix with the audit key in effect now (set XINFANG_AUDIT_KEY before migrating; otherwise
`xinfang audit seal` does it once the key is set); every new row is an HMAC under the audit key."""

from django.db import migrations, models


def seal_legacy(apps, schema_editor):
    from xinfang.audit.keys import seal_mac

    Head = apps.get_model("audit", "AuditHead")
    Entry = apps.get_model("audit", "AuditEntry")
    head, _ = Head.objects.get_or_create(id=1, defaults={"seq": 0, "hash": "0" * 64})
    last = Entry.objects.order_by("-seq").first()
    if last is None:
        head.legacy_seq, head.legacy_seal = 0, seal_mac(0, "0" * 64)
    else:
        head.legacy_seq, head.legacy_seal = last.seq, seal_mac(last.seq, last.hash)
    head.save(update_fields=["legacy_seq", "legacy_seal"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_head")]
    operations = [
        migrations.AddField("auditentry", "scheme", models.CharField(default="sha256", max_length=16)),
        migrations.AlterField("auditentry", "scheme", models.CharField(default="hmac-sha256", max_length=16)),
        migrations.AddField("audithead", "legacy_seq", models.PositiveBigIntegerField(default=0)),
        migrations.AddField("audithead", "legacy_seal",
                            models.CharField(blank=True, default="", max_length=64)),
        migrations.RunPython(seal_legacy, migrations.RunPython.noop),
    ]
