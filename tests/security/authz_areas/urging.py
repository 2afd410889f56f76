"""Authorization-matrix entries of 催办与时限提醒 (issue 10): the 催办 list (every signed-in account: the
urges of their own jurisdiction), a petition's contact log (who sees the petition reads it, the
accusation's log only inside its handling chain; the handling chain adds to it), and the admins' page
of reminder and urging rules (admins of the unit only; everyone else 404)."""

from __future__ import annotations

from test_authz_matrix import ADMIN, CITY_NO, POST_OK, SEE, STAFF, E

P = {"petition_id": "petition"}
SP = {"policy_id": "urging_policy"}

WEB = {
    "web:urge_list": E(STAFF),
    # an empty form: back to the petition page with the message (the chain would be refused later, by the service)
    "web:contact_add": E(SEE, fill=P, method="POST", scoped=True, ok=POST_OK),
    "web:urging_policies": E(ADMIN, city=CITY_NO),
    "web:urging_policy_delete": E(ADMIN, fill=SP, method="POST", scoped=True, ok=POST_OK, city=CITY_NO),
}

API = {
    ("GET", "/petitions/{petition_id}/contacts"): E(SEE, fill=P, scoped=True),
    ("POST", "/petitions/{petition_id}/contacts"): E(SEE, fill=P, method="POST", scoped=True, ok=422, body="contact"),
    ("GET", "/urges"): E(STAFF),
}

BODIES = {
    "contact": lambda world, username: {"method": "phone", "kind": "progress", "note": "测试联系"},
}


def build(world) -> None:
    """A rule of 东湖区住建局, a supervisor's urge on the accusation and the handler's contact with the
    accuser (its note names them: only the handling chain may read it)."""
    from django.contrib.auth import get_user_model
    from security_helpers import ACCUSER_NAME

    from xinfang.oversight.urging.models import SweepPolicy
    from xinfang.oversight.urging.services import contact_add
    from xinfang.petitions.models import Petition
    from xinfang.workflow.services import petition_act

    User = get_user_model()
    world.other["urging_policy"] = SweepPolicy.objects.create(unit=world.unit, escalate_after=2)
    p = world.petition
    petition_act(actor=User.objects.get(username="demo_supervisor"), petition_id=p.pk, action="urge",
                 version=Petition.objects.get(pk=p.pk).version, params={"note": "请抓紧办理并报告结果"})
    contact_add(actor=User.objects.get(username="demo_handler"), petition_id=p.pk, method="phone", kind="first",
                note=f"电话告知{ACCUSER_NAME}已受理")
    world.petition = Petition.objects.get(pk=p.pk)
