"""The search page (/search/) and its completions, on the database backend, with documents indexed
straight through the search service (no domain data needed)."""

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from wagtail.models import Site

from cms.models import PortalSettings
from search.service import get_backend
from search.types import MAX_PAGE, MAX_QUERY_LENGTH, SearchDocument
from tests.frontend.pagecheck import csp_problems, parse
from tests.frontend.test_english_pages import chinese_in

URL = "/search/"


def doc(object_id: int, title: str, body: str = "", *, kind: str = "project", **fields) -> SearchDocument:
    fields.setdefault("url", f"/{kind}s/{object_id}/")
    return SearchDocument(kind=kind, object_id=object_id, title=title, body=body, **fields)


CITY = {"street_id": 11, "street": "城关街道"}
RIVER = {"street_id": 12, "street": "滨河街道"}


@pytest.fixture
def index(db):
    backend = get_backend()

    def add(*documents):
        backend.index(documents)

    return add


@pytest.fixture
def corpus(index):
    index(
        doc(
            1,
            "幸福里社区老年助餐服务项目",
            "为辖区 60 岁以上老人提供养老助餐和送餐上门服务。",
            **CITY,
            community_id=21,
            community="幸福里社区",
            category="daily_life",
            status="published",
            open=True,
            date=timezone.now(),
        ),
        doc(
            2,
            "居家养老上门服务",
            "为失能老人提供居家养老照护。",
            **RIVER,
            community_id=22,
            community="柳岸社区",
            category="specific_groups",
            status="completed",
        ),
        doc(
            3,
            "夕阳红养老志愿服务队",
            "组织党员志愿者陪伴空巢老人。",
            kind="activity",
            **CITY,
            community_id=21,
            community="幸福里社区",
            category="daily_life",
            status="published",
            open=True,
        ),
        doc(
            4,
            "幸福里为老服务中心",
            "专注社区养老与助餐的社会组织。",
            kind="organization",
            **CITY,
            category="daily_life",
            status="verified",
        ),
        doc(5, "垃圾分类宣传周", "垃圾分类知识进社区。", kind="activity", **RIVER, status="finished"),
    )


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def hits(response) -> list[str]:
    """The result links, in order."""
    return re.findall(r'<li class="card search-hit">.*?<h3><a href="([^"]*)">', html(response), re.S)


def links(response, css_class: str = "") -> dict[str, str]:
    """{link text: href} of the page's links (with ``css_class`` if given)."""

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found, self.href, self.text = {}, None, ""

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            classes = (attrs.get("class") or "").split()
            if tag == "a" and (not css_class or css_class in classes):
                self.href, self.text = attrs.get("href"), ""

        def handle_data(self, data):
            if self.href is not None:
                self.text += data

        def handle_endtag(self, tag):
            if tag == "a" and self.href is not None:
                self.found[" ".join(self.text.split())] = self.href
                self.href = None

    parser = Links()
    parser.feed(html(response))
    return parser.found


def facet_links(response, name: str) -> dict[str, str]:
    """{"label count": href} of one facet's values."""
    body = html(response)
    section = re.search(
        rf'<section class="search-facet" aria-labelledby="facet-{name}">(.*?)</section>', body, re.S
    )
    assert section, f"no {name} facet"
    return {
        " ".join(re.sub(r"<[^>]+>", " ", text).split()): href.replace("&amp;", "&")
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', section[1], re.S)
    }


def query_of(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def test_results_with_highlights_badges_places_and_links(client, corpus):
    response = client.get(URL, {"q": "养老"})
    body = html(response)
    assert set(hits(response)) == {"/projects/1/", "/projects/2/", "/activitys/3/", "/organizations/4/"}
    assert "找到 4 条与“养老”相关的结果" in body
    assert '<a href="/projects/2/">居家<mark>养老</mark>上门服务</a>' in body
    assert "为失能老人提供居家<mark>养老</mark>照护。" in body
    assert '<span class="badge badge-neutral">服务项目</span>' in body
    assert '<span class="badge badge-neutral">已完成</span>' in body
    assert '<span class="badge badge-ok">公告中</span>' in body  # open: marked as such
    assert "滨河街道 · 柳岸社区" in body
    assert "特定群体类" in body
    # The query stays in the box.
    assert re.search(r'<input type="search" name="q" value="养老"', body)


def test_html_in_documents_is_escaped(client, index):
    index(
        doc(1, "<script>alert(1)</script>养老讲座", 'intro <img src=x onerror="alert(2)"> 养老'),
        doc(2, "养老课堂", url="javascript:alert(3)"),
    )
    response = client.get(URL, {"q": "养老"})
    body = html(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>养老</mark>讲座" in body
    assert "&lt;img src=x onerror=" in body
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "javascript:" not in body
    assert csp_problems(response) == []


def test_page_keeps_to_the_content_security_policy(client, corpus):
    response = client.get(URL, {"q": "养老"})
    assert csp_problems(response) == []
    scripts = [
        s for s in parse(html(response)).find("script") if s.attrs.get("src", "").endswith("search.js")
    ]
    assert len(scripts) == 1 and scripts[0].attrs.get("nonce")


def test_kind_facet_filters_and_clears(client, corpus):
    response = client.get(URL, {"q": "养老"})
    kinds = facet_links(response, "kind")
    assert set(kinds) == {"服务项目 2", "社会组织 1", "志愿活动 1"}
    assert query_of(kinds["志愿活动 1"]) == {"q": "养老", "kind": "activity"}

    filtered = client.get(kinds["志愿活动 1"])
    assert hits(filtered) == ["/activitys/3/"]
    body = html(filtered)
    # The picked value is marked and its link takes the filter off; the other kinds still count.
    assert re.search(r'aria-current="true" class="is-selected">.*?志愿活动', body)
    kinds = facet_links(filtered, "kind")
    assert query_of(kinds["已选: 志愿活动 1"]) == {"q": "养老"}
    assert query_of(kinds["服务项目 2"]) == {"q": "养老", "kind": "project"}
    assert query_of(links(filtered, "search-facet-clear")["不限类型"]) == {"q": "养老"}
    # A new query from the box keeps the filter.
    assert '<input type="hidden" name="kind" value="activity">' in body


def test_street_community_category_and_status_facets(client, corpus):
    response = client.get(URL, {"q": "养老"})
    streets = facet_links(response, "street")
    assert set(streets) == {"城关街道 3", "滨河街道 1"}
    assert query_of(streets["城关街道 3"]) == {"q": "养老", "street": "11"}
    assert set(hits(client.get(streets["滨河街道 1"]))) == {"/projects/2/"}

    communities = facet_links(response, "community")
    assert set(hits(client.get(communities["幸福里社区 2"]))) == {"/projects/1/", "/activitys/3/"}
    categories = facet_links(response, "category")
    assert set(hits(client.get(categories["生活服务类 3"]))) == {
        "/projects/1/",
        "/activitys/3/",
        "/organizations/4/",
    }
    statuses = facet_links(response, "status")
    assert set(hits(client.get(statuses["已认证 1"]))) == {"/organizations/4/"}


def test_two_filters_and_clearing_them_all(client, corpus):
    response = client.get(URL, {"q": "养老", "street": 11, "kind": "project"})
    assert hits(response) == ["/projects/1/"]
    clear_all = links(response)["清除全部筛选"]
    assert query_of(clear_all) == {"q": "养老"}
    assert query_of(links(response, "search-facet-clear")["不限街道"]) == {"q": "养老", "kind": "project"}


def test_pagination(client, index):
    now = timezone.now()
    index(*(doc(i, f"养老服务第{i}期", date=now - datetime.timedelta(days=i)) for i in range(1, 26)))
    first = client.get(URL, {"q": "养老", "kind": "project"})
    assert len(hits(first)) == 10
    assert "第 1 / 3 页" in html(first)
    nav = links(first)
    assert "上一页" not in nav
    assert query_of(nav["下一页"]) == {"q": "养老", "kind": "project", "page": "2"}

    second = client.get(nav["下一页"])
    assert "第 2 / 3 页" in html(second)
    assert query_of(links(second)["上一页"]) == {"q": "养老", "kind": "project"}
    assert not set(hits(first)) & set(hits(second))

    third = client.get(URL, {"q": "养老", "page": 3})
    assert len(hits(third)) == 5 and "下一页" not in links(third)
    # A stale link past the end shows the last page rather than nothing.
    past = client.get(URL, {"q": "养老", "page": 7})
    assert hits(past) == hits(third)
    assert "第 3 / 3 页" in html(past)


def test_misspelled_query_offers_did_you_mean(client, corpus):
    response = client.get(URL, {"q": "养佬"})
    body = html(response)
    assert "没有找到与“养佬”相关的内容。" in body
    assert "您是不是要找:" in body
    assert query_of(links(response)["养老"]) == {"q": "养老"}
    assert hits(client.get(links(response)["养老"]))


def test_empty_query_shows_popular_words_and_browses(client, corpus):
    response = client.get(URL)
    body = html(response)
    assert "热门搜索" in body
    popular = re.search(r'<ul class="search-words">(.*?)</ul>', body, re.S)[1]
    assert 'href="/search/?q=%E5%85%BB%E8%80%81">养老</a>' in popular
    assert "共 5 条内容" in body
    assert len(hits(response)) == 5


def test_empty_index_says_so(client, db):
    body = html(client.get(URL))
    assert "暂时还没有可以搜索的内容。" in body
    assert "没有找到" not in body


def test_no_results_for_a_filter(client, corpus):
    response = client.get(URL, {"street": 999})
    body = html(response)
    assert "没有符合筛选条件的内容。" in body
    assert query_of(links(response)["清除全部筛选"]) == {}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "abc"}, f"页码应为 1 到 {MAX_PAGE} 之间的整数,已显示第 1 页。"),
        ({"page": MAX_PAGE + 1}, f"页码应为 1 到 {MAX_PAGE} 之间的整数,已显示第 1 页。"),
        ({"kind": "person"}, "没有这种内容类型,已显示全部类型。"),
        ({"street": "x"}, "街道编号无效,已显示全部街道。"),
        ({"community": "-1"}, "社区编号无效,已显示全部社区。"),
        ({"community": str(2**63)}, "社区编号无效,已显示全部社区。"),
        ({"category": "<b>"}, "服务类别无效,已显示全部类别。"),
        ({"status": "x" * 41}, "状态无效,已显示全部状态。"),
        ({"status": "open\x00"}, "状态无效,已显示全部状态。"),
    ],
)
def test_bad_parameters_are_left_out_with_a_message(client, corpus, params, message):
    response = client.get(URL, {"q": "养老", **params})
    body = html(response)
    assert message in body
    # The rest of the search still happens, and no link carries the bad value on.
    assert len(hits(response)) == 4
    name, value = next(iter(params.items()))
    for href in links(response).values():
        assert query_of(href).get(name) != str(value)


def test_a_query_with_a_nul_is_refused(client, corpus):
    assert "搜索词含有无法识别的字符,请重新输入。" in html(client.get(URL, {"q": "养老\x00"}))


def test_too_long_a_query_is_refused_but_kept_in_the_box(client, corpus):
    typed = "养老" * MAX_QUERY_LENGTH
    body = html(client.get(URL, {"q": typed}))
    assert f"搜索词不能超过 {MAX_QUERY_LENGTH} 个字,请缩短后再试。" in body
    assert f'value="{typed}"' in body


def test_reads_wholly_in_english(client, index):
    # The footer's organiser is data (Chinese by default): Latin here, like every other datum.
    portal = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    portal.district_name, portal.organiser = "Taihe District", "Taihe District Social Work Department"
    portal.save()
    index(
        doc(1, "Meals for elderly residents", "Lunch delivery for seniors.", street_id=1, street="Riverside"),
        doc(2, "Meals on weekends", "Weekend lunches.", kind="activity", status="published", open=True),
    )
    for params in ({"q": "meals"}, {"q": "zzzz"}, {}, {"page": "abc", "kind": "x"}, {"q": "x" * 101}):
        body = html(client.get(URL, params, HTTP_ACCEPT_LANGUAGE="en"))
        assert '<html lang="en">' in body
        assert chinese_in(body) == [], params
    assert "<mark>Meals</mark>" in html(client.get(URL, {"q": "meals"}, HTTP_ACCEPT_LANGUAGE="en"))


def test_query_count_does_not_grow_with_the_index(client, index):
    # Counts what rendering reads, not a page cache hit.
    @override_settings(PAGE_CACHE_ENABLED=False)
    def queries(params) -> int:
        with CaptureQueriesContext(connection) as ctx:
            html(client.get(URL, params))
        return len(ctx.captured_queries)

    # Enough documents that every one of these searches already finds several (fewer would add
    # the suggestion queries, which depend on how much was found, not on the index's size).
    index(*(doc(i, f"养老助餐第{i}期", street_id=i % 3 + 1, street=f"街道{i % 3}") for i in range(1, 13)))
    params = [{"q": "养老"}, {}, {"q": "养佬"}, {"q": "养老", "street": 2, "page": 1}]
    queries({})  # the first request of a test also reads the site and its settings
    small = [queries(p) for p in params]
    index(
        *(
            doc(
                i,
                f"养老助餐第{i}期",
                kind=kind,
                street_id=i % 5 + 1,
                street=f"街道{i % 5}",
                status="published",
            )
            for i in range(13, 80)
            for kind in ("project", "activity")
        )
    )
    assert [queries(p) for p in params] == small


def test_suggest_answers_completions(client, corpus):
    response = client.get(f"{URL}suggest/", {"q": "居家"})
    assert response.status_code == 200
    assert response.json() == {"suggestions": ["居家养老上门服务"]}
    assert client.get(f"{URL}suggest/").json() == {"suggestions": []}
    for bad in ("养" * (MAX_QUERY_LENGTH + 1), "养老\x00"):
        response = client.get(f"{URL}suggest/", {"q": bad})
        assert (response.status_code, response.json()) == (200, {"suggestions": []})


def test_search_box_wired_for_completions(client, corpus):
    body = html(client.get(URL))
    box = re.search(r'<input type="search" name="q"[^>]*>', body)[0]
    assert 'list="search-suggestions"' in box and 'data-suggest-url="/search/suggest/"' in box
    assert '<datalist id="search-suggestions"></datalist>' in body
    assert re.search(r'<label for="id_q"[^>]*>搜索词</label>', body)


def test_header_search_box_on_every_page(client, db):
    body = html(client.get("/projects/"))
    form = re.search(
        r'<form action="/search/" method="get" class="header-search" role="search"[^>]*>(.*?)</form>',
        body,
        re.S,
    )
    assert form, "no search box in the header"
    assert '<label for="header-search-q" class="visually-hidden">' in form[1]
    assert 'id="header-search-q" type="search" name="q"' in form[1]


def test_an_unreachable_search_engine_gets_a_503_page_and_an_api_error_not_a_500(db, client, monkeypatch):
    from search import service
    from search.backends.elastic import ElasticsearchError

    def down(*args, **kwargs):
        raise ElasticsearchError(
            "Elasticsearch at http://es.internal:9200 failed to search: connection refused"
        )

    monkeypatch.setattr(service.get_backend(), "search", down)
    monkeypatch.setattr(service.get_backend(), "suggest", down)
    page = client.get("/search/", {"q": "养老"})
    assert page.status_code == 503
    html = page.content.decode()
    assert "搜索服务暂时不可用" in html and "es.internal" not in html
    api = client.get("/api/v1/search/", {"q": "养老"})
    assert api.status_code == 503
    assert api.json()["code"] == "search_unavailable" and "es.internal" not in api.content.decode()
    assert client.get("/search/suggest/", {"q": "养"}).json() == {"suggestions": []}
