"""403, 404 and 500 in the app's layout and the user's language, with a way back home.

This module is also the URL configuration of some tests (`pytest.mark.urls(__name__)`): the
project's URLs and error handlers, plus views that fail on purpose."""

import html as htmllib
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection
from django.test import Client
from django.urls import include, path
from django.utils import translation
from intake_helpers import logged_in

from xinfang.config.urls import handler403, handler404, handler500  # noqa: F401 - the handlers under test

pytestmark = pytest.mark.django_db


def _forbidden(request):
    raise PermissionDenied


def _broken(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("test-errors/forbidden/", _forbidden),
    path("test-errors/broken/", _broken),
    path("", include("xinfang.config.urls")),
]

as_test_urls = pytest.mark.urls(__name__)


def text(response) -> str:
    return htmllib.unescape(response.content.decode())


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def in_english(*msgids: str) -> list[str]:
    """The strings as the English catalogue renders them (the catalogue itself is checked for
    completeness by tests/common/test_i18n.py)."""
    with translation.override("en"):
        return [translation.gettext(m) for m in msgids]


def assert_english(page: str, *msgids: str) -> None:
    assert '<html lang="en">' in page
    brand, home, back = in_english("信访业务系统", "返回首页", "返回上一页")
    assert brand == "Petition System" and f"{brand}</a>" in page and "信访业务系统" not in page
    assert f"data-home>{home}</a>" in page and f">{back}</a>" in page
    for text in in_english(*msgids):
        assert text in page


def test_a_missing_petition_is_a_chinese_404_with_the_navigation(org, users):
    client = logged_in(users["demo_clerk"])
    response = client.get("/petitions/999999/", HTTP_REFERER="http://testserver/queue/all/")
    assert response.status_code == 404
    page = text(response)
    assert '<html lang="zh-hans">' in page and "页面不存在" in page and "不在您的管辖范围内" in page
    assert re.search(r'<a class="button primary" href="/" data-home>返回首页</a>', page)
    assert 'href="http://testserver/queue/all/" data-back' in page and "返回上一页" in page
    assert 'data-nav="queue"' in page and 'href="/static/web/app.css"' in page  # the app's layout
    assert "Not Found" not in page


def test_an_unknown_address_is_a_404_for_anonymous_users_too(db):
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    page = text(response)
    assert "页面不存在" in page and 'href="/" data-home' in page and 'data-nav=' not in page
    # a link back that is not ours is not offered
    response = Client().get("/no/such/page/", HTTP_REFERER="https://elsewhere.example/")
    assert "elsewhere.example" not in text(response)


def test_the_404_speaks_english_when_the_user_chose_english(org, users):
    response = english(logged_in(users["demo_clerk"])).get("/petitions/999999/")
    assert response.status_code == 404
    assert_english(text(response), "页面不存在")
    assert 'data-nav="home">Workbench' in text(response)


def test_another_districts_petition_is_the_same_404(org, register, users):
    p, _ = register()
    response = logged_in(users["demo_handler2"]).get(f"/petitions/{p.pk}/")
    assert response.status_code == 404 and "页面不存在" in text(response) and p.title not in text(response)


@as_test_urls
def test_403_in_chinese_and_english(org, users):
    response = logged_in(users["demo_clerk"]).get("/test-errors/forbidden/")
    assert response.status_code == 403
    page = text(response)
    assert "无权访问" in page and 'href="/" data-home>返回首页' in page and 'data-nav="queue"' in page
    response = english(logged_in(users["demo_clerk"])).get("/test-errors/forbidden/")
    assert response.status_code == 403
    assert_english(text(response), "无权访问")
    anonymous = Client().get("/test-errors/forbidden/")
    assert anonymous.status_code == 403 and "无权访问" in text(anonymous)


@as_test_urls
def test_500_through_a_view_that_raises(org, users, settings):
    settings.DEBUG = False
    client = logged_in(users["demo_clerk"])
    client.raise_request_exception = False
    response = client.get("/test-errors/broken/")
    assert response.status_code == 500
    page = text(response)
    assert '<html lang="zh-hans">' in page and "系统出错" in page and 'href="/" data-home>返回首页' in page
    assert 'href="/static/web/app.css"' in page and "信访业务系统" in page  # looks like the app
    assert "boom" not in page and "Traceback" not in page
    assert 'data-nav=' not in page and "退出" not in page  # nothing that needs the database or the session
    response = english(client).get("/test-errors/broken/")
    assert response.status_code == 500
    assert_english(text(response), "系统出错")


def test_500_when_the_database_is_unusable(org, users, settings):
    """Every query fails (the session, the user, the navigation): the 500 page still renders."""
    settings.DEBUG = False
    client = logged_in(users["demo_clerk"])
    client.raise_request_exception = False
    queries = []

    def down(execute, sql, params, many, context):
        queries.append(sql)
        raise OperationalError("database is unavailable")

    with connection.execute_wrapper(down):
        response = client.get("/")
    assert queries  # the request did try the database
    assert response.status_code == 500
    page = text(response)
    assert "系统出错" in page and 'href="/" data-home>返回首页' in page and 'href="/static/web/app.css"' in page


def test_api_paths_keep_the_json_error_shape(org, users):
    response = Client().get("/api/v2/nothing")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_missing_petition_in_a_real_browser(org, login, live_server):
    page = login("demo_clerk")
    response = page.goto(f"{live_server.url}/petitions/987654/")
    assert response.status == 404
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.inner_text("section.error-page h1") == "页面不存在"
    assert page.locator("nav.sidenav").count() == 1  # in the app's layout, signed in
    home = page.locator("a[data-home]")
    assert home.inner_text() == "返回首页"
    home.click()
    page.wait_for_load_state("networkidle")
    assert page.url == live_server.url + "/"
    assert "工作台" in page.inner_text("h1")
    # and back again: the link back returns to the page the user came from
    page.goto(f"{live_server.url}/petitions/987654/")
    page.locator("a[data-back]").click()
    page.wait_for_load_state("networkidle")
    assert page.url == live_server.url + "/"


def test_an_expired_form_is_a_chinese_403_not_djangos_csrf_page(org, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["demo_clerk"])
    response = client.post("/search/saved/", {"name": "我的查询"}, HTTP_REFERER="http://testserver/search/")
    assert response.status_code == 403
    page = text(response)
    assert "页面已过期" in page and 'href="/" data-home>返回首页' in page and 'href="http://testserver/search/" data-back' in page
    assert "CSRF verification failed" not in page and "Forbidden" not in page
