"""Demo data of 矛盾纠纷排查: the current rounds of every level (the sweep), a few ledger items (one
found in a round, one overdue, one resolved), a plain and an urgent informant report in each district
(the urgent one unacknowledged, so the town and district leaders see the red banner), and one report
already turned into a ledger item. Idempotent: nothing is added when the demo's reports exist."""

from __future__ import annotations

import datetime as dt


def seed_demo(users: dict, now: dt.datetime) -> None:
    from django.utils import timezone

    from xinfang.oversight.screening.models import InformantReport, ScreeningRound
    from xinfang.oversight.screening.services import report_create, report_to_risk, risk_create, rounds_sweep

    rounds_sweep(now)
    if InformantReport.objects.exists():
        return
    today = timezone.localdate(now)
    for suffix, prefix, place in (("", "DH", "幸福社区"), ("2", "XS", "光明社区")):
        informant, leader, clerk = (users.get(f"demo_informant{suffix}"), users.get(f"demo_town_leader{suffix}"),
                                    users.get(f"demo_clerk{suffix}"))
        if informant is None or leader is None or clerk is None:
            continue
        village = f"{prefix}-T1-V1"
        rnd = ScreeningRound.objects.filter(unit__code=village).order_by("-period_start").first()
        risk_create(actor=leader, round_id=rnd.pk if rnd else None, at=now - dt.timedelta(days=2), data={
            "title": f"{place}老旧小区加装电梯意见分歧", "unit": village, "level": "medium", "people_count": 18,
            "people": "3号楼低层与高层住户", "owner": leader.username, "measures": "社区组织协商会，街道司法所参与调解",
            "due": (today + dt.timedelta(days=20)).isoformat(), "description": "高层住户要求加装电梯，低层住户担心采光和噪音。"})
        risk_create(actor=clerk, at=now - dt.timedelta(days=40), data={
            "title": "某建筑工地拖欠农民工工资", "unit": f"{prefix}-T2", "level": "high", "people_count": 26,
            "people": "26名务工人员", "measures": "人社部门督促总包单位垫付", "status": "controlled",
            "due": (today - dt.timedelta(days=5)).isoformat()})
        risk_create(actor=clerk, at=now - dt.timedelta(days=90), data={
            "title": "两户村民宅基地边界纠纷", "unit": f"{prefix}-T2-V1", "level": "low", "people_count": 2,
            "status": "resolved", "outcome": "经村调委会调解，双方签订边界协议。",
            "due": (today - dt.timedelta(days=60)).isoformat()})
        plain = report_create(actor=informant, at=now - dt.timedelta(days=3), title=f"{place}物业与业主停车费争议升温",
                              content="业主群内对物业新收地面停车费意见很大，有人提议集体找街道反映。",
                              people_involved="约20户业主")
        report_to_risk(actor=leader, report_id=plain.pk, level="medium",
                       due=(today + dt.timedelta(days=14)).isoformat(), measures="街道约谈物业公司，社区召开业主座谈会")
        report_create(actor=informant, at=now - dt.timedelta(hours=2), urgent=True,
                      title=f"{place}部分业主计划周五到区政府集体上访",
                      content="约三十名业主在微信群商议本周五上午到区政府门口集体上访，要求退还停车费，个别人言辞激烈。",
                      people_involved="约30名业主")
