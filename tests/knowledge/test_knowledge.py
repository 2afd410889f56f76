"""知识库: policy and case services (validation, audit), scoped reading that never shows the
petitioner, the knowledge page, the case form from the petition page and the reply-form panel."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.test import RequestFactory

from xinfang.audit.models import AuditEntry
from xinfang.common.errors import ApplicationError, NotFound
from xinfang.knowledge import selectors, services
from xinfang.knowledge.models import Article
from xinfang.petitions.models import Category, Petition

pytestmark = pytest.mark.django_db


def fresh_user(users, name):
    """A new user object (memberships are cached per object)."""
    return get_user_model().objects.get(pk=users[name].pk)


def replied(register, act, **fields):
    p, _ = register(**fields)
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    p = act("demo_dept_dispatcher", p, "accept", handler="demo_handler")
    p = act("demo_handler", p, "draft_reply", outcome="support",
            text="经核实，物业公司收取地面停车费缺乏依据，已责令其停止收费并退还。",
            basis="《物业管理条例》")
    return act("demo_leader", p, "approve_reply")


def in_handling(register, act, **fields):
    p, _ = register(**fields)
    p = act("demo_dispatcher", p, "forward", unit="DH-ZJ")
    return act("demo_dept_dispatcher", p, "accept", handler="demo_handler")


def mark(users, p, **over):
    data = {"title": "幸福小区违规收取停车费的处理", "body": "物业公司违规收取地面停车费，住建局责令退还。",
            "lesson": "先调取物业服务合同，再约谈物业公司，当场算清退费金额。"}
    data.update(over)
    return services.case_mark(actor=fresh_user(users, "demo_handler"), petition_id=p.pk, **data)


# ---- seed ---------------------------------------------------------------------------------

def test_seeded_policies_are_real_titles_in_short_summaries():
    titles = set(Article.objects.filter(kind="policy").values_list("title", flat=True))
    assert "复查与复核" in titles and "信访事项的办理期限与延期" in titles
    for a in Article.objects.filter(kind="policy", created_by__isnull=True):
        assert a.source and a.is_published
        assert len(a.body) < 400  # a paraphrase, not the legal text
    secret = Article.objects.get(title="检举控告材料的保密")
    assert secret.category.code == "16" and "第三十条" in secret.source


# ---- policies -----------------------------------------------------------------------------

def test_policy_create_validates_audits_and_is_limited_to_admins_and_leaders(org, users):
    admin = fresh_user(users, "demo_admin")
    with pytest.raises(ApplicationError) as err:
        services.article_create(actor=admin, title="  ", body="正文")
    assert (err.value.code, err.value.field) == ("invalid", "title")
    with pytest.raises(ApplicationError) as err:
        services.article_create(actor=admin, title="标题", body="正文", category="nope")
    assert err.value.field == "category"
    with pytest.raises(NotFound):
        services.article_create(actor=fresh_user(users, "demo_handler"), title="标题", body="正文")
    before = AuditEntry.objects.count()
    a = services.article_create(actor=fresh_user(users, "demo_leader"), title="本市物业服务收费办法",
                                body="收费项目和标准应公示。", source="示范市政府令第1号", category="010101")
    assert a.kind == "policy" and a.unit.code == "DH-ZJ" and a.category.code == "010101"
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.object_id, entry.actor) == ("knowledge.create", str(a.pk), "demo_leader")


def test_policy_edit_and_delete_rights(org, users):
    leader = fresh_user(users, "demo_leader")
    a = services.article_create(actor=leader, title="本区办法", body="正文")
    # a leader of the other district cannot edit it; a handler cannot either
    for name in ("demo_leader2", "demo_handler"):
        with pytest.raises(NotFound):
            services.article_update(actor=fresh_user(users, name), article_id=a.pk, title="改", body="改")
    a = services.article_update(actor=fresh_user(users, "demo_admin"), article_id=a.pk, title="本区办法（修订）",
                                body="新正文", is_published=False)
    assert a.title == "本区办法（修订）" and not a.is_published
    assert AuditEntry.objects.filter(action="knowledge.update", object_id=str(a.pk)).exists()
    # drafts are hidden from other staff, shown to the author
    assert not selectors.article_search(fresh_user(users, "demo_handler2")).filter(pk=a.pk).exists()
    assert selectors.article_search(leader).filter(pk=a.pk).exists()
    services.article_delete(actor=leader, article_id=a.pk)
    assert not Article.objects.filter(pk=a.pk).exists()
    assert AuditEntry.objects.filter(action="knowledge.delete", object_id=str(a.pk)).exists()


def test_seeded_policy_is_editable_by_global_admins_only(org, users):
    seeded = Article.objects.filter(created_by__isnull=True).first()
    with pytest.raises(NotFound):
        services.article_update(actor=fresh_user(users, "demo_admin2"), article_id=seeded.pk, title="x", body="y")
    services.article_update(actor=fresh_user(users, "demo_admin"), article_id=seeded.pk, title=seeded.title,
                            body=seeded.body + "（已核对）", source=seeded.source)


# ---- cases --------------------------------------------------------------------------------

def test_case_mark_requires_a_handled_petition_and_audits(org, users, register, act):
    p = in_handling(register, act)
    with pytest.raises(ApplicationError) as err:
        mark(users, p)
    assert err.value.code == "conflict"
    p = act("demo_handler", p, "draft_reply", outcome="explain", text="已解释", basis="《物业管理条例》")
    p = act("demo_leader", p, "approve_reply")
    with pytest.raises(ApplicationError) as err:
        mark(users, p, lesson="")
    assert err.value.field == "lesson"
    case = mark(users, p)
    assert (case.kind, case.petition_id, case.source, case.category.code) == ("case", p.pk, p.number, "010101")
    assert case.unit.code == "DH-ZJ"
    entry = AuditEntry.objects.get(action="knowledge.case_mark")
    assert entry.data["number"] == p.number and entry.object_id == str(case.pk)
    with pytest.raises(ApplicationError) as err:
        mark(users, p)
    assert err.value.code == "conflict"


def test_case_text_must_not_carry_the_petitioners_identity(org, users, register, act):
    p = replied(register, act)
    for field, text in (("body", "张三反映停车费问题"), ("lesson", "回访13800138000"), ("title", "张三案")):
        with pytest.raises(ApplicationError) as err:
            mark(users, p, **{field: text})
        assert (err.value.code, err.value.field) == ("invalid", field)
    assert not Article.objects.filter(kind="case").exists()


def test_case_mark_outside_jurisdiction_is_not_found(org, users, register, act):
    p = replied(register, act)
    with pytest.raises(NotFound):
        services.case_mark(actor=fresh_user(users, "demo_handler2"), petition_id=p.pk, title="t", body="b",
                           lesson="l")
    with pytest.raises(NotFound):  # informants do not mark cases
        services.case_mark(actor=fresh_user(users, "demo_informant"), petition_id=p.pk, title="t", body="b",
                           lesson="l")


def test_other_units_read_the_case_with_number_and_title_but_no_petitioner(org, users, register, act, client):
    p = replied(register, act)
    case = mark(users, p)
    other = fresh_user(users, "demo_handler2")
    found = selectors.article_page_refs(other, selectors.article_search(other, q="停车费"))
    assert [a.pk for a in found] == [case.pk]
    ref = found[0].case_ref
    assert (ref.number, ref.title, ref.visible) == (p.number, p.title, False)
    client.force_login(users["demo_handler2"])
    html = client.get("/knowledge/", {"q": "停车费"}).content.decode()
    assert p.number in html and case.title in html
    assert "张" not in html.replace("张某", "")  # no petitioner name, not even masked
    assert f"/petitions/{p.pk}/" not in html  # no link into a petition the reader cannot open
    html = client.get(f"/knowledge/{case.pk}/").content.decode()
    assert p.number in html and p.title in html and "13800138000" not in html and "张三" not in html
    # the handling district links to its petition
    client.force_login(users["demo_handler"])
    assert f"/petitions/{p.pk}/" in client.get(f"/knowledge/{case.pk}/").content.decode()


# ---- search -------------------------------------------------------------------------------

def test_search_words_kind_and_category_subtree(org, users):
    leader = fresh_user(users, "demo_leader")
    a = services.article_create(actor=leader, title="停车收费公示办法", body="小区停车 收费 应当公示。",
                                category="010101")
    b = services.article_create(actor=leader, title="拖欠工资处理指引", body="先调解后仲裁。", category="0201")
    reader = fresh_user(users, "demo_clerk2")
    ids = lambda qs: {x.pk for x in qs}  # noqa: E731
    assert ids(selectors.article_search(reader, q="停车 公示")) == {a.pk}
    assert ids(selectors.article_search(reader, q="停车 仲裁")) == set()  # every word must match
    city = Category.objects.get(code="01")  # 城乡建设 includes 物业管理
    assert a.pk in ids(selectors.article_search(reader, category=city))
    assert b.pk not in ids(selectors.article_search(reader, category=city))
    assert ids(selectors.article_search(reader, kind="case")) == set()
    assert selectors.article_search(reader, kind="policy").filter(pk=b.pk).exists()


def test_knowledge_page_filters_and_policy_form(org, users, client):
    client.force_login(users["demo_clerk"])
    r = client.get("/knowledge/", {"q": "复查", "kind": "policy"})
    assert r.status_code == 200 and "复查与复核" in r.content.decode()
    assert "录入政策法规" not in r.content.decode()
    assert client.get("/knowledge/new/").status_code == 404
    client.force_login(users["demo_leader"])
    assert client.get("/knowledge/new/").status_code == 200
    r = client.post("/knowledge/new/", {"title": "", "body": "正文"})
    assert r.status_code == 422 and "请填写标题" in r.content.decode()
    r = client.post("/knowledge/new/", {"title": "噪声扰民处理要点", "body": "夜间施工须经审批。", "source": "内部",
                                        "category": "010204", "is_published": "on"})
    a = Article.objects.get(title="噪声扰民处理要点")
    assert r.status_code == 302 and r["Location"] == f"/knowledge/{a.pk}/"
    r = client.post(f"/knowledge/{a.pk}/edit/", {"title": "噪声扰民处理要点", "body": "x" * 20001})
    assert r.status_code == 422 and "正文不能超过" in r.content.decode()
    client.force_login(users["demo_handler"])
    assert client.get(f"/knowledge/{a.pk}/edit/").status_code == 404
    assert client.post(f"/knowledge/{a.pk}/delete/").status_code == 404
    assert client.get("/knowledge/999999/").status_code == 404


# ---- from the petition page -----------------------------------------------------------------

def test_mark_case_partial_and_form(org, users, register, act, client):
    p = replied(register, act)
    rf = RequestFactory().get("/")
    rf.user = users["demo_handler"]
    html = render_to_string("web/knowledge/_mark_case.html", {"p": p, "my_roles": {"handler"}, "user": rf.user})
    assert f"/knowledge/case/{p.pk}/" in html
    assert render_to_string("web/knowledge/_mark_case.html", {"p": p, "my_roles": {"informant"},
                                                                "user": users["demo_informant"]}).strip() == ""
    client.force_login(users["demo_handler"])
    r = client.get(f"/knowledge/case/{p.pk}/")
    body = r.content.decode()
    assert r.status_code == 200 and "已责令其停止收费并退还" in body  # prefilled from the approved reply
    r = client.post(f"/knowledge/case/{p.pk}/", {"title": "张三停车费", "body": "b", "lesson": "l"})
    assert r.status_code == 422 and "不得包含信访人" in r.content.decode()
    r = client.post(f"/knowledge/case/{p.pk}/", {"title": "停车费退还案例", "body": "责令退还。",
                                                 "lesson": "合同先行。", "is_published": "on"})
    case = Article.objects.get(kind="case")
    assert r.status_code == 302 and r["Location"] == f"/knowledge/{case.pk}/"
    html = render_to_string("web/knowledge/_mark_case.html", {"p": Petition.objects.get(pk=p.pk),
                                                              "my_roles": {"handler"}, "user": rf.user})
    assert f"/knowledge/{case.pk}/" in html and "典型案例" in html
    client.force_login(users["demo_handler2"])
    assert client.get(f"/knowledge/case/{p.pk}/").status_code == 404


def test_reply_panel_renders_for_reply_actions_only(org, users, register):
    p, _ = register()
    for action in ("draft_reply", "fast_track", "answer_review", "answer_rereview"):
        html = render_to_string("web/knowledge/_reply_panel.html", {"p": p, "action": action})
        assert f"/knowledge/suggest/{p.pk}/" in html and 'name="kq"' in html
    for action in ("note", "review", "reply", "request_review"):
        assert render_to_string("web/knowledge/_reply_panel.html", {"p": p, "action": action}).strip() == ""


def test_a_marked_case_is_found_from_the_reply_form_of_a_similar_petition(org, users, register, act, client):
    done = replied(register, act)
    case = mark(users, done)
    unrelated = services.article_create(actor=fresh_user(users, "demo_admin"), title="拖欠工资处理指引",
                                        body="先调解后仲裁。", category="0201")
    p = in_handling(register, act, title="和平社区物业乱收费")  # same category 物业管理
    client.force_login(users["demo_handler"])
    r = client.get(f"/knowledge/suggest/{p.pk}/", HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html  # a fragment for htmx
    assert case.title in html and done.number in html and unrelated.title not in html
    assert html.index(case.title) < html.index("物业服务与业主权益")  # exact category first, then the seed
    r = client.get(f"/knowledge/suggest/{p.pk}/", {"kq": "仲裁"})
    assert unrelated.title in r.content.decode() and case.title not in r.content.decode()
    r = client.get(f"/knowledge/suggest/{p.pk}/", {"kq": "量子纠缠"})
    assert "没有找到与“量子纠缠”相关" in r.content.decode()
    # the petition's own case is not suggested to itself; other districts cannot probe it
    assert case.title not in client.get(f"/knowledge/suggest/{done.pk}/").content.decode()
    client.force_login(users["demo_handler2"])
    assert client.get(f"/knowledge/suggest/{p.pk}/").status_code == 404


def test_suggestions_rank_title_hits_first(org, users, register):
    admin = fresh_user(users, "demo_admin")
    in_body = services.article_create(actor=admin, title="通用指引", body="涉及电梯维修基金的问题")
    in_title = services.article_create(actor=admin, title="电梯维修基金使用", body="维修基金")
    p, _ = register(category="", title="咨询")
    found = selectors.articles_for_petition(fresh_user(users, "demo_clerk"), Petition.objects.get(pk=p.pk),
                                            q="电梯")
    assert [a.pk for a in found[:2]] == [in_title.pk, in_body.pk]
