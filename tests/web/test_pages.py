"""Key staff pages in a real browser: log in, the scoped list, a petition with its timeline."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_list_detail_and_scope(org, register, act, login, live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    p, _ = register(title="东湖区幸福小区停车收费问题")
    act("demo_dispatcher", p, "assign", unit="DH-ZJ")
    page = login("demo_clerk")
    assert "工作台" in page.inner_text("h1")
    assert page.get_by_text(p.number).count() == 1
    page.click(f"text={p.number}")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("main")
    assert "东湖区幸福小区停车收费问题" in body
    assert "东湖区住房和城乡建设局" in body  # routed to
    assert "张*" in body and "13800138000" not in body  # masked petitioner
    assert page.locator("ol.timeline.events li").count() == 2  # register, assign
    assert "交办" in page.inner_text("ol.timeline.events")


def test_other_district_sees_nothing(org, register, login, live_server):
    p, _ = register()
    page = login("demo_handler2")
    assert page.get_by_text(p.number).count() == 0
    response = page.goto(f"{live_server.url}/petitions/{p.pk}/")
    assert response.status == 404


def test_wrong_password_is_refused(org, login):
    page = login("demo_clerk", password="wrong")
    assert "用户名或密码不正确" in page.inner_text("main")
