"""Repeat and duplicate detection against the database: the registered petitions, their signatures kept
by the post_save receiver, the candidates a user may see, and staff decisions (issue 12)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from xinfang.audit.models import AuditEntry
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.insight.similarity.index import similarity_backfill
from xinfang.insight.similarity.models import Band, Signature, SimilarDecision
from xinfang.insight.similarity.selectors import Intake, petition_similar, similar_check
from xinfang.insight.similarity.services import similar_decide
from xinfang.petitions.models import Petition
from xinfang.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db

ID_A = "11010519491231002X"  # valid GB 11643 (invented)
ID_B = "110101199003071233"

PARKING = ("幸福小区物业违规收取停车费",
           "尊敬的领导：幸福小区物业公司自今年三月起违规收取地面停车费，每月300元。小区停车位严重不足，消防通道经常被占用。"
           "物业公司擅自将公共绿地改建为收费停车位，业主多次找物业协商无果。请求责令物业公司退还违规收取的停车费，规范收费行为。")
WAGES = ("宏达建筑公司拖欠工资",
         "我们12人在宏达建筑公司承建的阳光花园项目工地务工，包工头王某拖欠工资共计86000元。多次找到项目部和公司，对方互相推诿。"
         "春节将至，家中老人看病急需用钱，请求督促宏达建筑公司尽快支付拖欠的工资。")
NOISE = ("幸福小区旁工地夜间施工噪音扰民",
         "幸福小区旁边的工地每天晚上施工到凌晨两点，打桩机噪音很大，严重影响居民休息。向城管局投诉多次，只是临时停工，"
         "过几天又继续。家里有高考学生和老人，身体吃不消，请求依法查处夜间违规施工。")


def person(name="张三", id_number=ID_A, phone="13800138000"):
    return [PetitionerInput(name=name, id_number=id_number, phone=phone)]


def earlier(register, title, content, *, days=30, **kw):
    return register(title=title, content=content, received_at=timezone.now() - dt.timedelta(days=days), **kw)[0]


REWORDINGS = [
    # "再次反映" prefix, other punctuation (half-width), a dropped sentence
    ("再次反映：幸福小区物业违规收取停车费",
     "再次反映,幸福小区物业公司自今年三月起违规收取地面停车费,每月300元.物业公司擅自将公共绿地改建为收费停车位,"
     "业主多次找物业协商无果.请求责令物业公司退还违规收取的停车费,规范收费行为."),
    # reordered sentences, an added one, whitespace junk and full-width letters and digits
    ("又一次反映停车费问题",
     "\n\t\u3000又一次反映。物业公司擅自将公共绿地改建为收费停车位，业主多次找物业协商无果。至今没有任何答复。"
     "幸福小区物业公司自今年三月起违规收取地面停车费，每月３００元。小区停车位严重不足，消防通道经常被占用。\u00a0 "),
    # a partial copy (the first half), no punctuation at all
    ("幸福小区停车费",
     "幸福小区物业公司自今年三月起违规收取地面停车费每月300元小区停车位严重不足消防通道经常被占用"),
]


@pytest.mark.parametrize("title,content", REWORDINGS)
def test_a_reworded_petition_of_the_same_person_is_a_repeat(register, users, title, content):
    first = earlier(register, *PARKING, petitioners=person())
    second, _code = register(title=title, content=content, petitioners=person())
    check = petition_similar(users["demo_clerk"], second.pk)
    found = [(c.petition.pk, c.kind) for c in check.candidates]
    assert found == [(first.pk, "repeat")]
    cand = check.candidates[0]
    assert cand.above and 0 < cand.score <= 1
    assert "同一信访人（身份证号一致）" in cand.reasons
    assert any(r.startswith("内容") for r in cand.reasons)


def test_found_by_phone_alone_and_by_name_with_region_for_an_unsaved_intake(register, users):
    first = earlier(register, *PARKING, petitioners=person(), problem_region="990102001")
    by_phone = Intake.of_input(title=PARKING[0], content="再次反映" + PARKING[1],
                               petitioners=person(name="张叁", id_number="", phone="+86 138 0013 8000"))
    [cand] = similar_check(users["demo_clerk"], by_phone).candidates
    assert (cand.petition.pk, cand.kind) == (first.pk, "repeat")
    assert "同一信访人（手机号一致）" in cand.reasons
    region = Petition.objects.get(pk=first.pk).problem_region_id
    by_name = Intake.of_input(title=PARKING[0], content=PARKING[1], petitioners=person(id_number="", phone=""),
                              problem_region_id=region)
    [cand] = similar_check(users["demo_clerk"], by_name).candidates
    assert cand.kind == "repeat" and "同名信访人且问题属地相同" in cand.reasons
    assert "同一问题属地" in cand.reasons


def test_another_matter_of_the_same_person_is_not_a_repeat(register, users):
    earlier(register, *PARKING, petitioners=person())
    earlier(register, *NOISE, petitioners=person(), days=10)  # same person, same compound, another matter
    second, _code = register(title="再次反映" + WAGES[0], content="再次反映。" + WAGES[1], petitioners=person())
    assert petition_similar(users["demo_clerk"], second.pk).candidates == []
    # with ?all the weak ones above the floor may show, never as above the threshold
    assert not any(c.above for c in petition_similar(users["demo_clerk"], second.pk, include_all=True).candidates)


def test_the_same_place_with_another_matter_is_not_a_duplicate(register, users):
    earlier(register, *PARKING, petitioners=person(name="李四", id_number=ID_B, phone="13900001111"))
    noise, _code = register(title=NOISE[0], content=NOISE[1], petitioners=person())
    assert petition_similar(users["demo_clerk"], noise.pk).candidates == []


def test_a_duplicate_by_another_person_is_found_while_open(register, users):
    other = earlier(register, *PARKING, petitioners=person(name="李四", id_number=ID_B, phone="13900001111"))
    mine, _code = register(title=REWORDINGS[0][0], content=REWORDINGS[0][1], petitioners=person())
    [cand] = petition_similar(users["demo_clerk"], mine.pk).candidates
    assert (cand.petition.pk, cand.kind) == (other.pk, "duplicate")
    assert not any("同一信访人" in r for r in cand.reasons)
    Petition.objects.filter(pk=other.pk).update(status="closed")  # closed matters are not 并案 candidates
    assert petition_similar(users["demo_clerk"], mine.pk).candidates == []


def test_a_matter_ended_by_rereview_is_flagged(register, users):
    first = earlier(register, *PARKING, petitioners=person())
    # the earlier matter went through 复查 and 复核 to its end (the state is what the check reads)
    Petition.objects.filter(pk=first.pk).update(status="final")
    check = similar_check(users["demo_clerk"], Intake.of_input(
        title=REWORDINGS[1][0], content=REWORDINGS[1][1], petitioners=person(phone="")))
    assert check.final is not None and check.final.petition.pk == first.pk
    assert "该事项已复核终结，同一事项不再受理" in check.final.reasons
    other = similar_check(users["demo_clerk"], Intake.of_input(title=WAGES[0], content=WAGES[1],
                                                               petitioners=person(phone="")))
    assert other.final is None


def test_confirming_a_repeat_links_it_counts_it_and_is_audited(register, users):
    first = earlier(register, *PARKING, petitioners=person())
    second, _code = register(title=REWORDINGS[0][0], content=REWORDINGS[0][1], petitioners=person())
    version = Petition.objects.get(pk=second.pk).version
    clerk = users["demo_clerk"]
    similar_decide(actor=clerk, petition_id=second.pk, candidate_id=first.pk, kind="repeat", decision="confirmed")
    second = Petition.objects.get(pk=second.pk)
    assert second.repeat_of_id == first.pk and second.version == version + 1
    assert Petition.objects.get(pk=first.pk).fact_repeat_at == second.received_at  # 一次性化解率 reads it
    assert Petition.objects.filter(repeat_of__isnull=False).count() == 1  # 重复信访率 counts repeat_of
    entry = AuditEntry.objects.filter(action="similar.decide").latest("seq")
    assert entry.object_id == str(second.pk) and entry.data["decision"] == "confirmed"
    [cand] = petition_similar(clerk, second.pk).candidates
    assert cand.decision == "confirmed" and "已确认" in cand.reasons
    # rejecting it afterwards removes the link; the decision row keeps the latest word
    similar_decide(actor=clerk, petition_id=second.pk, candidate_id=first.pk, kind="repeat", decision="rejected")
    assert Petition.objects.get(pk=second.pk).repeat_of_id is None
    assert Petition.objects.get(pk=first.pk).fact_repeat_at is None
    assert SimilarDecision.objects.get(petition=second, candidate=first).decision == "rejected"
    assert petition_similar(clerk, second.pk).candidates == []  # a rejected candidate leaves the default list
    assert [c.decision for c in petition_similar(clerk, second.pk, include_all=True).candidates] == ["rejected"]


def test_a_repeat_links_only_to_an_earlier_petition_and_bad_input_changes_nothing(register, users):
    first = earlier(register, *PARKING, petitioners=person())
    second, _code = register(title=REWORDINGS[0][0], content=REWORDINGS[0][1], petitioners=person())
    clerk = users["demo_clerk"]
    with pytest.raises(ApplicationError) as err:
        similar_decide(actor=clerk, petition_id=first.pk, candidate_id=second.pk, kind="repeat", decision="confirmed")
    assert err.value.code == "invalid"
    for kind, decision in (("same", "confirmed"), ("repeat", "maybe")):
        with pytest.raises(ApplicationError):
            similar_decide(actor=clerk, petition_id=second.pk, candidate_id=first.pk, kind=kind, decision=decision)
    with pytest.raises(ApplicationError) as err:
        similar_decide(actor=users["demo_analyst"], petition_id=second.pk, candidate_id=first.pk, kind="repeat",
                       decision="confirmed")
    assert err.value.status == 403
    assert Petition.objects.get(pk=first.pk).repeat_of_id is None
    assert Petition.objects.get(pk=second.pk).repeat_of_id is None
    assert not SimilarDecision.objects.exists()


def test_another_district_sees_nothing_and_gets_404(register, users):
    first = earlier(register, *PARKING, petitioners=person())
    second, _code = register(title=REWORDINGS[0][0], content=REWORDINGS[0][1], petitioners=person())
    outsider = users["demo_clerk2"]  # 西山区
    with pytest.raises(NotFound):
        petition_similar(outsider, second.pk)
    with pytest.raises(NotFound):
        similar_decide(actor=outsider, petition_id=second.pk, candidate_id=first.pk, kind="repeat",
                       decision="confirmed")
    # the same text typed in the other district finds nothing of district 1
    intake = Intake.of_input(title=PARKING[0], content=PARKING[1], petitioners=person())
    assert similar_check(outsider, intake).candidates == []
    assert {c.petition.pk for c in similar_check(users["demo_clerk"], intake).candidates} == {first.pk, second.pk}


def test_an_accuser_is_not_revealed_outside_the_chain(register, users):
    accusation = earlier(register, "检举幸福小区物业经理收受回扣",
                         "检举幸福小区物业经理刘某在停车位改造工程中收受施工方回扣，金额约五万元，并虚报工程款。"
                         "请纪检部门调查处理。", petitioners=person(), nature="accusation", category=None)
    appeal, _code = register(title="再次检举幸福小区物业经理收受回扣",
                             content="再次检举：幸福小区物业经理刘某在停车位改造工程中收受施工方回扣，金额约五万元。请调查处理。",
                             petitioners=person())
    inside, outside = users["demo_clerk"], users["demo_reviewer"]  # reviewer: same district, not in the chain
    assert [c.petition.pk for c in petition_similar(inside, appeal.pk).candidates] == [accusation.pk]
    # outside the chain the accusation is never a candidate of the accuser's other petition ...
    assert petition_similar(outside, appeal.pk).candidates == []
    # ... and the accusation itself has no candidates for them
    petition_similar(outside, accusation.pk)  # visible (no 404) ...
    assert petition_similar(outside, accusation.pk).candidates == []  # ... but links to nothing


def test_signatures_follow_the_text_and_the_backfill_indexes_bulk_rows(register):
    p, _code = register(title=PARKING[0], content=PARKING[1])
    before = Signature.objects.get(petition=p).digest
    assert Band.objects.filter(petition=p).count() == 20
    p.content = NOISE[1]
    p.save()
    assert Signature.objects.get(petition=p).digest != before
    assert Band.objects.filter(petition=p).count() == 20
    Signature.objects.filter(petition=p).delete()
    Band.objects.filter(petition=p).delete()
    assert similarity_backfill() == 1
    assert Band.objects.filter(petition=p).count() == 20
    assert similarity_backfill() == 0
    assert similarity_backfill(rebuild=True) == Petition.objects.count()
    assert Band.objects.count() == 20 * Petition.objects.count()
