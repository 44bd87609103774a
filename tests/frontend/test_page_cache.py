"""The anonymous page cache and the public fragments: a change appears on the next request, and
nothing personal is ever served from a shared cache."""

import re

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.contrib.frontend_cache.utils import purge_url_from_cache
from wagtail.models import PageViewRestriction

from frontend.page_cache import PageCacheMiddleware, mark_public
from marketplace.core.models import Notification
from marketplace.organizations.models import Organization
from marketplace.procurement.models import Project
from tests.cms.test_pages import build_tree, notice
from tests.factories import OrganizationFactory, UserFactory
from tests.factories.volunteers import ActivityFactory, ShiftFactory
from tests.frontend.conftest import switch_language
from tests.marketplace.fund.conftest import fw  # noqa: F401  (fixture)
from tests.marketplace.fund.conftest_stripe import (  # noqa: F401  (fixtures)
    deliver,
    event,
    online_donation,
    payment_intent,
    stripe_fund,
    webhook_secret,
)
from tests.marketplace.procurement.conftest import pw  # noqa: F401  (fixture)

NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture(autouse=True)
def _portal_settings(db):
    """Wagtail creates the site's settings row on the first page served: a write that makes
    that first page stale at once. A running site has it long since."""
    from wagtail.models import Site

    from cms.models import PortalSettings

    PortalSettings.for_site(Site.objects.get(is_default_site=True))


def get(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response


def state(response) -> str | None:
    return response.headers.get("X-Page-Cache")


def html(response) -> str:
    return response.content.decode()


def cached(client, url) -> HttpResponse:
    """Ask twice: the first answer is rendered and stored, the second comes from the cache."""
    assert state(get(client, url)) == "miss", url
    response = get(client, url)
    assert state(response) == "hit", url
    return response


# --- hits -----------------------------------------------------------------------------------


def test_a_hit_is_the_same_page_with_a_fresh_nonce_in_the_page_and_the_header(client, world):
    url = "/search/?q=" + "养老"
    first = get(client, url)
    hits = [get(client, url) for _ in range(2)]
    assert [state(r) for r in (first, *hits)] == ["miss", "hit", "hit"]
    nonces = []
    for response in (first, *hits):
        in_page = set(NONCE.findall(html(response)))
        assert len(in_page) == 1, "the search page's script carries the nonce"
        nonce = in_page.pop()
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
        nonces.append(nonce)
    assert len(set(nonces)) == 3, "a nonce never repeats"
    bodies = {NONCE.sub('nonce=""', html(r)) for r in (first, *hits)}
    assert len(bodies) == 1


def test_a_hit_reads_nothing_from_the_database(client, world):
    cached(client, "/projects/")
    with CaptureQueriesContext(connection) as queries:
        assert state(get(client, "/projects/")) == "hit"
    assert len(queries) == 0


def test_head_shares_the_entry_of_get(client, world):
    cached(client, "/projects/")
    assert state(client.head("/projects/")) == "hit"


# --- a change appears on the next request ---------------------------------------------------


def test_a_new_bid_shows_on_the_next_request(client, pw):  # noqa: F811
    project = pw.published(title="幸福里助餐服务")
    detail = f"/projects/{project.pk}/"
    assert "已收到 0 份投标" in html(cached(client, detail))
    assert "<dd>0 份</dd>" in html(cached(client, "/projects/"))
    pw.bid(project, 0)
    response = get(client, detail)
    assert state(response) == "miss"
    assert "已收到 1 份投标" in html(response)
    assert "<dd>1 份</dd>" in html(get(client, "/projects/"))


def test_a_donation_credited_by_the_webhook_shows_on_the_fund_page(client, stripe_fund, webhook_secret):  # noqa: F811
    url = f"/fund/{stripe_fund.code}/"
    assert 'data-figure="raised">¥0.00<' in html(cached(client, url))
    online_donation(stripe_fund, 12_300, payment_id="pi_cache")
    assert (
        deliver(client, event("payment_intent.succeeded", payment_intent("pi_cache", 12_300))).status_code
        == 200
    )
    response = get(client, url)
    assert state(response) == "miss"
    assert 'data-figure="raised">¥123.00<' in html(response)


def test_publishing_a_notice_shows_on_the_index_and_the_home_page(client, world):
    tree = build_tree(world)
    cached(client, "/notices/")
    cached(client, "/")
    page = notice(tree.notices, 1)
    assert "第1号通知" in html(get(client, "/notices/"))
    assert "第1号通知" in html(get(client, "/"))
    cached(client, page.url)
    page.unpublish()
    assert "第1号通知" not in html(get(client, "/notices/"))
    assert client.get(page.url).status_code == 404


def test_an_update_inside_a_transaction_is_fresh_on_the_next_request(client, pw):  # noqa: F811
    project = pw.published(title="旧标题")
    cached(client, "/projects/")
    with transaction.atomic():
        Project.objects.filter(pk=project.pk).update(title="新标题")
    response = get(client, "/projects/")
    assert state(response) == "miss"
    assert "新标题" in html(response) and "旧标题" not in html(response)


def test_a_rolled_back_write_keeps_the_page(client, pw):  # noqa: F811
    project = pw.published(title="旧标题")
    cached(client, "/projects/")
    with pytest.raises(RuntimeError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(title="新标题")
        raise RuntimeError
    assert state(get(client, "/projects/")) == "hit"


def test_wagtails_purge_reaches_the_page_cache(client, world):
    build_tree(world)
    cached(client, "/notices/")
    cached(client, "/")
    purge_url_from_cache("http://testserver/notices/")
    assert state(get(client, "/notices/")) == "miss"
    assert state(get(client, "/")) == "hit", "only the purged path"


def test_a_finished_search_task_refreshes_search_pages(client, world):
    from search import tasks

    url = "/search/?q=" + "养老"
    cached(client, url)
    tasks.unindex.enqueue("project", [])
    assert state(get(client, url)) == "miss"


def test_a_rebuild_from_the_command_line_refreshes_search_pages(client, world, monkeypatch):
    from django.core.management import call_command

    from search import tasks

    url = "/search/?q=" + "养老"
    cached(client, url)
    # As with Elasticsearch: the rebuild writes no table the page read.
    monkeypatch.setattr(
        tasks, "get_backend", lambda: type("Backend", (), {"rebuild": lambda self, docs: list(docs)})()
    )
    call_command("search_index", "--rebuild", stdout=__import__("io").StringIO())
    assert state(get(client, url)) == "miss"


# --- nothing personal -----------------------------------------------------------------------


def test_a_signed_in_visitor_is_neither_served_from_nor_stored_in_the_cache(client, world):
    resident = UserFactory(display_name="张三")
    signed_in = Client()
    signed_in.force_login(resident)
    response = get(signed_in, "/projects/")
    assert state(response) is None and "退出" in html(response) and "/me/" in html(response)
    response = get(client, "/projects/")
    assert state(response) == "miss", "the signed-in page was not stored"
    assert "退出" not in html(response) and "/me/" not in html(response)
    assert state(get(client, "/projects/")) == "hit"
    response = get(signed_in, "/projects/")
    assert state(response) is None and "退出" in html(response)


def test_a_session_cookie_alone_bypasses_the_cache(client, world):
    cached(client, "/projects/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    assert state(get(client, "/projects/")) is None


def test_messages_bypass_the_cache(client, world):
    cached(client, "/projects/")
    client.cookies["messages"] = "x"
    assert state(get(client, "/projects/")) is None


def test_english_and_chinese_are_separate_entries(client, world):
    assert "服务项目" in html(cached(client, "/projects/"))
    switch_language(client, "en", "/projects/")
    response = get(client, "/projects/")
    assert state(response) == "miss" and '<html lang="en">' in html(response)
    assert state(get(client, "/projects/")) == "hit"
    # The browser's language alone selects the same entry.
    by_header = get(Client(), "/projects/", HTTP_ACCEPT_LANGUAGE="en")
    assert state(by_header) == "hit" and '<html lang="en">' in html(by_header)
    assert '<html lang="zh-hans">' in html(get(Client(), "/projects/"))


def test_a_password_protected_page_is_never_stored(client, world):
    tree = build_tree(world)
    page = notice(tree.notices, 1)
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.PASSWORD, password="x")
    for _ in range(2):
        response = client.get(page.url)
        assert state(response) == "miss"
        assert "第1号通知正文" not in html(response)


@pytest.mark.parametrize("url", ["/accounts/login/", "/api/v1/streets/", "/healthz/", "/me/"])
def test_pages_that_did_not_opt_in_are_never_looked_up_or_stored(client, world, url):
    for _ in range(2):
        assert state(client.get(url)) is None


def test_the_language_switch_needs_no_csrf_token(world):
    """Cached pages carry no token, so the switch in their header must work without one."""
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.post("/i18n/setlang/", {"language": "en", "next": "/projects/"})
    assert response.status_code == 302 and response.url == "/projects/"
    assert visitor.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in html(get(visitor, "/projects/"))


def test_the_page_cache_can_be_switched_off(client, world, settings):
    settings.PAGE_CACHE_ENABLED = False
    get(client, "/projects/")
    assert state(get(client, "/projects/")) is None


class TestWhatIsStored:
    """The middleware alone, around views that misbehave in one way each."""

    def run(self, rf, view, method="get"):
        middleware = PageCacheMiddleware(view)
        return [middleware(getattr(rf, method)("/x/")) for _ in range(2)]

    def test_a_public_200_is_stored(self, rf, db):
        def view(request):
            mark_public(request)
            return HttpResponse("ok")

        assert [state(r) for r in self.run(rf, view)] == ["miss", "hit"]

    @pytest.mark.parametrize(
        "spoil",
        [
            "not_public",
            "signed_in",
            "cookie",
            "private",
            "no_store",
            "vary_user_agent",
            "status_404",
            "streaming",
        ],
    )
    def test_nothing_else_is(self, rf, db, spoil):
        user = UserFactory()

        def view(request):
            if spoil != "not_public":
                mark_public(request)
            if spoil == "signed_in":
                request.user = user
            response = HttpResponse("ok", status=404 if spoil == "status_404" else 200)
            if spoil == "streaming":
                from django.http import StreamingHttpResponse

                response = StreamingHttpResponse(iter([b"ok"]))
            if spoil == "cookie":
                response.set_cookie("csrftoken", "x")
            if spoil == "private":
                response["Cache-Control"] = "private"
            if spoil == "no_store":
                response["Cache-Control"] = "no-store"
            if spoil == "vary_user_agent":
                response["Vary"] = "User-Agent"
            return response

        assert [state(r) for r in self.run(rf, view)] == ["miss", "miss"]

    def test_post_is_never_cached(self, rf, db):
        def view(request):
            mark_public(request)
            return HttpResponse("ok")

        assert [state(r) for r in self.run(rf, view, "post")] == [None, None]
        assert state(self.run(rf, view)[0]) == "miss"


# --- fragments ------------------------------------------------------------------------------


def _untracked_rename(org, name: str) -> None:
    """Change a row behind the tracking's back: what still shows the old name was cached."""
    table = Organization._meta.db_table
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"UPDATE {table} SET name = '{name}' WHERE id = {int(org.pk)}")
    finally:
        cursor.close()


def test_signed_in_visitors_share_a_public_fragment_and_keep_their_own_parts(world):
    org = OrganizationFactory(street=world.street_a, name="阳光社工服务中心")
    a, b = UserFactory(display_name="甲"), UserFactory(display_name="乙")
    Notification.objects.create(recipient=a, kind="system", title="给甲的通知")
    Notification.objects.create(recipient=a, kind="system", title="给甲的第二条通知")
    client_a, client_b = Client(), Client()
    client_a.force_login(a)
    client_b.force_login(b)

    assert "阳光社工服务中心" in html(get(client_a, "/organizations/"))
    _untracked_rename(org, "改名未记录")
    page_b = html(get(client_b, "/organizations/"))
    assert "阳光社工服务中心" in page_b, "b got the fragment a's visit stored"
    assert "2 条未读" not in page_b, "but b's own header"
    assert "2 条未读" in html(get(client_a, "/organizations/"))

    Organization.objects.filter(pk=org.pk).update(name="新名字服务中心")
    assert "新名字服务中心" in html(get(client_b, "/organizations/"))


def test_a_fragment_served_inside_a_page_makes_the_page_depend_on_its_tables(client, world):
    org = OrganizationFactory(street=world.street_a, name="阳光社工服务中心")
    signed_in = Client()
    signed_in.force_login(UserFactory())
    get(signed_in, "/organizations/")  # stores the directory fragment
    assert "阳光社工服务中心" in html(cached(client, "/organizations/"))
    Organization.objects.filter(pk=org.pk).update(name="新名字服务中心")
    response = get(client, "/organizations/")
    assert state(response) == "miss" and "新名字服务中心" in html(response)


def test_results_filtered_for_the_visitor_are_never_shared(pw):  # noqa: F811
    pw.published(title="可投标项目")
    member = Client()
    member.force_login(pw.org_admins[0])
    get(member, "/projects/?biddable=on")
    from django.core.cache import caches

    keys = list(caches[settings.PAGE_CACHE_ALIAS]._cache)
    assert not any("public:project-list" in k for k in keys)


# --- every public page ----------------------------------------------------------------------


@pytest.fixture
def public_urls(pw, fw):  # noqa: F811
    world = pw.world
    tree = build_tree(world)
    page = notice(tree.notices, 1)
    project = pw.published(title="幸福里助餐服务")
    pw.bid(project, 0)
    activity = ActivityFactory(community=world.community_a)
    ShiftFactory(activity=activity)
    fw.give(10_000)
    return [
        "/",
        "/projects/",
        f"/projects/{project.pk}/",
        "/organizations/",
        f"/organizations/{pw.orgs[0].pk}/",
        "/organizations/incubator/",
        "/volunteers/activities/",
        f"/volunteers/activities/{activity.pk}/",
        "/volunteers/rankings/",
        "/fund/",
        f"/fund/{fw.fund.code}/",
        f"/fund/{fw.fund.code}/{fw.theme_pot.code}/",
        "/stats/",
        "/search/?q=" + "养老",
        "/notices/",
        page.url,
        "/streets/",
        "/streets/a/",
        "/policies/",
        "/party-news/",
    ]


def test_every_public_page_is_cached_and_carries_no_token_or_cookie(client, public_urls):
    for url in public_urls:
        first = get(client, url)
        assert state(first) == "miss", url
        assert not first.cookies, url
        assert "csrfmiddlewaretoken" not in html(first), url
        assert state(get(client, url)) == "hit", url
