"""Authorization-matrix entries of 督办 and 批示 (issue 10): the lists and the board (every signed-in
account; the rows are scoped), the petition page's forms and the API, on an order and an instruction
of the world's accusation (district 1). Empty forms / invalid bodies are refused by validation (422)
for whoever sees the order; the deciding forms answer 403 to the accounts outside the issuing side."""

from __future__ import annotations

from test_authz_matrix import SEE, STAFF, E

S = {"supervision_id": "supervision"}
I = {"instruction_id": "instruction"}  # noqa: E741
# the district's informant does not see the petition (404); the city's accounts see it, outside the
# issuing side and the target unit (403)
NOT_SIDE = {"demo_informant": 404, "demo_city_leader": 403, "demo_city_dispatcher": 403}
TARGET = {"handler", "leader", "dept_dispatcher"}  # 东湖区住建局, the order's target unit

WEB = {
    "web:supervision_list": E(STAFF),
    "web:supervision_board": E(STAFF),
    "web:instruction_list": E(STAFF),
    "web:supervision_report": E(SEE, fill=S, method="POST", scoped=True, ok=422),
    "web:supervision_return": E(SEE, fill=S, method="POST", scoped=True, ok=422),
    # the note is optional: the issuing side meets the state (nothing reported yet: 409), others 403
    "web:supervision_accept": E({"supervisor"}, fill=S, method="POST", scoped=True, ok=409, deny=403,
                                city=NOT_SIDE),
    "web:instruction_report": E(SEE, fill=I, method="POST", scoped=True, ok=422),
    "web:instruction_close": E(SEE, fill=I, method="POST", scoped=True, ok=422),
}

API = {
    ("GET", "/supervisions"): E(STAFF),
    ("GET", "/supervisions/{supervision_id}"): E(SEE, fill=S, scoped=True),
    ("POST", "/supervisions/{supervision_id}/report"): E(TARGET, fill=S, method="POST", scoped=True, ok=422,
                                                          deny=403, city=NOT_SIDE, body="supervision_report"),
    ("POST", "/supervisions/{supervision_id}/accept"): E({"supervisor"}, fill=S, method="POST", scoped=True,
                                                          ok=409, deny=403, city=NOT_SIDE, body="note"),
    ("POST", "/supervisions/{supervision_id}/return"): E({"supervisor"}, fill=S, method="POST", scoped=True,
                                                          ok=422, deny=403, city=NOT_SIDE, body="note"),
    ("GET", "/instructions"): E(STAFF),
    ("POST", "/instructions/{instruction_id}/report"): E(TARGET, fill=I, method="POST", scoped=True, ok=422,
                                                          deny=403, city=NOT_SIDE, body="text"),
    ("POST", "/instructions/{instruction_id}/close"): E({"reviewer"}, fill=I, method="POST", scoped=True,
                                                         ok=422, deny=403, city=NOT_SIDE, body="note"),
}

BODIES = {
    "supervision_report": lambda world, username: {"kind": "result", "text": "测试报告"},
    "note": lambda world, username: {"note": "测试意见"},
    "text": lambda world, username: {"text": "测试反馈"},
}


def build(world) -> None:
    """A 督办单 (demo_supervisor → 东湖区住建局) and a 领导批示 (demo_reviewer → 住建局) on the accusation."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from xinfang.oversight.supervision.models import Instruction, Supervision
    from xinfang.petitions.models import Petition
    from xinfang.workflow.services import petition_act

    User = get_user_model()
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    p = world.petition
    for username, action, params in (
            ("demo_supervisor", "supervise", {"requirement": "请十日内办结并报告结果", "due_on": due, "listed": True}),
            ("demo_reviewer", "instruct", {"text": "请依法依规处理，按时反馈", "due_on": due})):
        version = Petition.objects.get(pk=p.pk).version
        petition_act(actor=User.objects.get(username=username), petition_id=p.pk, action=action, version=version,
                     params=params)
    world.other["supervision"] = Supervision.objects.get(petition=p)
    world.other["instruction"] = Instruction.objects.get(petition=p)
    world.petition = Petition.objects.get(pk=p.pk)  # the version moved on
