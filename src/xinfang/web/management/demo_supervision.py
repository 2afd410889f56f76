"""Demo data of 督办与批示: on the demo's cases in 东湖区住建局, a 挂牌督办 awaiting the unit's report,
one with a result report awaiting the supervisor's decision, one already 销号, and two 领导批示 (one
reported back). Idempotent: nothing is added once any supervision order exists."""

from __future__ import annotations

import contextlib
import datetime as dt


def seed_demo(users: dict, now: dt.datetime) -> None:
    from django.utils import timezone

    from xinfang.common.errors import ApplicationError
    from xinfang.oversight.supervision import services
    from xinfang.oversight.supervision.models import Instruction, Supervision
    from xinfang.petitions.choices import Status
    from xinfang.petitions.models import Petition
    from xinfang.workflow.services import petition_act

    supervisor, leader = users.get("demo_supervisor"), users.get("demo_leader")
    reviewer = users.get("demo_reviewer")
    if supervisor is None or leader is None or Supervision.objects.exists():
        return
    today = timezone.localdate(now)
    cases = list(Petition.objects.filter(handling_unit__code="DH-ZJ", nature="appeal",
                                         status__in=(Status.ROUTED, Status.ACCEPTED, Status.IN_HANDLING))
                 .order_by("due_on", "id")[:5])
    plans = [
        ({"requirement": "该件群众反映强烈，列入挂牌督办。请于十日内约谈信访人、落实整改并报告结果。", "listed": True,
          "due_on": (today + dt.timedelta(days=10)).isoformat()}, None),
        ({"requirement": "请于五日内报告调查核实情况和化解措施。", "listed": False,
          "due_on": (today + dt.timedelta(days=2)).isoformat()}, "reported"),
        ({"requirement": "请依法依规办理，按期答复信访人。", "listed": True,
          "due_on": (today + dt.timedelta(days=5)).isoformat()}, "accepted"),
    ]
    for p, (params, end) in zip(cases, plans, strict=False):
        try:
            petition_act(actor=supervisor, petition_id=p.pk, action="supervise", version=p.version, params=params)
            sup = Supervision.objects.filter(petition=p).latest("pk")
            if end:
                services.supervision_report(actor=leader, supervision=sup.pk, kind="result",
                                            text="已约谈信访人，责成相关企业整改，信访人表示认可。")
            if end == "accepted":
                services.supervision_accept(actor=supervisor, supervision=sup.pk, note="整改到位，同意销号。")
        except ApplicationError:
            continue
    if reviewer is None or Instruction.objects.exists():
        return
    for p, reported in zip(cases[3:5], (False, True), strict=False):
        with contextlib.suppress(ApplicationError):
            p = Petition.objects.get(pk=p.pk)
            petition_act(actor=reviewer, petition_id=p.pk, action="instruct", version=p.version,
                         params={"text": "请住建局高度重视，依法妥善处理，一周内反馈办理情况。",
                                 "due_on": (today + dt.timedelta(days=7)).isoformat()})
            if reported:
                ins = Instruction.objects.filter(petition=p).latest("pk")
                services.instruction_report(actor=leader, instruction=ins.pk, text="已成立专班调查，正在协调处理。")
