"""Data for the law's second pass: the 告知引导 channels; a delivery assumed on the approval date
for every opinion issued before deliveries were recorded (the 复查 windows already ran from it);
each evaluation linked to the opinion it judged, counted only when it came after that opinion and
was the first for it."""

from django.db import migrations
from django.utils import timezone

CHANNELS = [
    ("litigation", "人民法院（诉讼）", "属于人民法院受理范围的，可依法向有管辖权的人民法院提起诉讼。"),
    ("arbitration", "仲裁机构（仲裁）", "属于仲裁范围的，可依法向有管辖权的仲裁机构申请仲裁。"),
    ("reconsideration", "行政复议机关", "对行政行为不服的，可依法向行政复议机关申请行政复议。"),
    ("discipline", "纪检监察机关", "反映党员、公职人员违纪违法问题的，可依法向纪检监察机关检举控告。"),
    ("npc", "人民代表大会及其常务委员会", "属于各级人大及其常委会职权范围的，可向人大及其常委会提出。"),
    ("politics_law", "政法机关（涉法涉诉）", "涉法涉诉事项，可依法向政法机关反映，依照法律程序处理。"),
    ("other", "其他有权处理的机关", "可向依法有权处理的机关提出。"),
]


def forward(apps, schema_editor):
    DivertChannel = apps.get_model("workflow", "DivertChannel")
    for i, (code, name, guidance) in enumerate(CHANNELS):
        DivertChannel.objects.get_or_create(code=code, defaults={"name": name, "guidance": guidance,
                                                                 "ordering": i})
    Reply = apps.get_model("workflow", "Reply")
    Delivery = apps.get_model("workflow", "Delivery")
    now = timezone.now()
    batch = []
    for r in Reply.objects.filter(approved_at__isnull=False).exclude(petition__status="reply_pending").iterator():
        batch.append(Delivery(petition_id=r.petition_id, reply_id=r.pk, delivered_at=timezone.localdate(r.approved_at),
                              method="in_person", assumed=True, recorded_at=now,
                              note="系统升级前出具的意见书，推定于批准之日送达。"))
        if len(batch) >= 2000:
            Delivery.objects.bulk_create(batch)
            batch = []
    Delivery.objects.bulk_create(batch)
    Evaluation = apps.get_model("workflow", "Evaluation")
    seen = set()
    for e in Evaluation.objects.order_by("at", "id").iterator():
        reply = (Reply.objects.filter(petition_id=e.petition_id, approved_at__isnull=False, approved_at__lte=e.at)
                 .order_by("-approved_at", "-id").first())
        counted = reply is not None and reply.pk not in seen
        if reply is not None:
            seen.add(reply.pk)
        Evaluation.objects.filter(pk=e.pk).update(reply=reply, counted=counted)


def backward(apps, schema_editor):
    apps.get_model("workflow", "Delivery").objects.filter(assumed=True).delete()


class Migration(migrations.Migration):
    dependencies = [("workflow", "0005_law_second_pass")]
    operations = [migrations.RunPython(forward, backward)]
