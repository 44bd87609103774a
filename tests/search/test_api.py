"""GET /api/v1/search/ and /api/v1/search/suggest/ on the database backend, with documents indexed
straight through the search service (no domain data needed)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from search.service import get_backend
from search.types import FACETS, MAX_PAGE, MAX_QUERY_LENGTH, PAGE_SIZE, SearchDocument

URL = "/api/v1/search/"
SUGGEST_URL = "/api/v1/search/suggest/"


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


def keys(body) -> list[str]:
    return [f"{row['kind']}:{row['id']}" for row in body["results"]]


def test_answer_has_the_documented_shape(client, corpus):
    response = client.get(URL, {"q": "养老"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "page", "pages", "results", "facets", "suggestions"}
    assert body["count"] == 4
    assert (body["page"], body["pages"]) == (1, 1)
    assert set(keys(body)) == {"project:1", "project:2", "activity:3", "organization:4"}
    assert set(body["facets"]) == set(FACETS)
    first = next(row for row in body["results"] if row["id"] == 2 and row["kind"] == "project")
    assert first["title"] == "居家养老上门服务"
    assert first["title_html"] == "居家<mark>养老</mark>上门服务"
    assert "<mark>养老</mark>" in first["excerpt_html"]
    assert first["url"] == "/projects/2/"
    assert (first["street_id"], first["street"]) == (12, "滨河街道")
    assert (first["community_id"], first["community"]) == (22, "柳岸社区")
    assert (first["category"], first["category_label"]) == ("specific_groups", "特定群体类")
    assert (first["status"], first["status_label"]) == ("completed", "已完成")
    assert first["kind_label"] == "服务项目"
    assert first["open"] is False


def test_open_items_rank_above_closed_ones_of_the_same_text(client, index):
    index(doc(1, "社区养老服务", status="completed"), doc(2, "社区养老服务", status="published", open=True))
    assert keys(client.get(URL, {"q": "养老"}).json()) == ["project:2", "project:1"]


def test_facets_count_values_with_labels(client, corpus):
    facets = client.get(URL, {"q": "养老"}).json()["facets"]
    assert {f["value"]: f["count"] for f in facets["kind"]} == {
        "project": 2,
        "organization": 1,
        "activity": 1,
    }
    assert {f["value"]: (f["label"], f["count"]) for f in facets["street"]} == {
        "11": ("城关街道", 3),
        "12": ("滨河街道", 1),
    }
    assert {f["value"]: f["label"] for f in facets["category"]}["daily_life"] == "生活服务类"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "activity"}, {"activity:3"}),
        ({"street": 12}, {"project:2"}),
        ({"community": 21}, {"project:1", "activity:3"}),
        ({"category": "daily_life"}, {"project:1", "activity:3", "organization:4"}),
        ({"status": "verified"}, {"organization:4"}),
        ({"street": 11, "kind": "project"}, {"project:1"}),
    ],
)
def test_filters(client, corpus, params, expected):
    body = client.get(URL, {"q": "养老", **params}).json()
    assert set(keys(body)) == expected
    assert body["count"] == len(expected)


def test_filters_without_text_browse(client, corpus):
    body = client.get(URL, {"street": 12}).json()
    assert set(keys(body)) == {"project:2", "activity:5"}


def test_title_and_excerpt_are_escaped(client, index):
    index(doc(1, "<script>alert(1)</script>养老讲座", 'body <img src=x onerror="alert(2)"> 养老'))
    row = client.get(URL, {"q": "养老"}).json()["results"][0]
    assert row["title"] == "<script>alert(1)</script>养老讲座"  # the plain field is plain text
    assert row["title_html"] == "&lt;script&gt;alert(1)&lt;/script&gt;<mark>养老</mark>讲座"
    assert "<img" not in row["excerpt_html"] and "&lt;img" in row["excerpt_html"]


def test_a_link_that_is_not_a_web_address_is_dropped(client, index):
    index(doc(1, "养老讲座", url="javascript:alert(1)"), doc(2, "养老课堂", url="/notices/2/"))
    urls = {row["id"]: row["url"] for row in client.get(URL, {"q": "养老"}).json()["results"]}
    assert urls == {1: "", 2: "/notices/2/"}


def test_traditional_and_pinyin_queries(client, corpus):
    assert "project:2" in keys(client.get(URL, {"q": "養老"}).json())
    body = client.get(URL, {"q": "yanglao"}).json()
    assert "project:2" in keys(body)
    # The Chinese word a pinyin query matched is what gets highlighted.
    assert "<mark>养老</mark>" in next(r for r in body["results"] if r["id"] == 2)["title_html"]


def test_pagination(client, index):
    index(
        *(doc(i, f"养老服务第{i}期", date=timezone.now() - datetime.timedelta(days=i)) for i in range(1, 26))
    )
    first = client.get(URL, {"q": "养老"}).json()
    assert (first["count"], first["page"], first["pages"]) == (25, 1, 3)
    assert len(first["results"]) == PAGE_SIZE
    third = client.get(URL, {"q": "养老", "page": 3}).json()
    assert (third["page"], len(third["results"])) == (3, 5)
    seen = set(keys(first)) | set(keys(client.get(URL, {"q": "养老", "page": 2}).json())) | set(keys(third))
    assert len(seen) == 25


def test_page_past_the_end_is_a_404(client, corpus):
    response = client.get(URL, {"q": "养老", "page": 2})
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "没有这一页。"}


def test_empty_query_browses_and_offers_popular_words(client, corpus):
    body = client.get(URL).json()
    assert body["count"] == 5
    assert body["suggestions"]
    assert "养老" in body["suggestions"]


def test_misspelled_query_gets_suggestions(client, corpus):
    body = client.get(URL, {"q": "养佬"}).json()
    assert body["count"] == 0
    assert "养老" in body["suggestions"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "abc"}, "page"),
        ({"page": 0}, "page"),
        ({"page": MAX_PAGE + 1}, "page"),
        ({"kind": "person"}, "kind"),
        ({"street": "x"}, "street"),
        ({"community": -1}, "community"),
        ({"community": 2**63}, "community"),
        ({"category": "<b>"}, "category"),
        ({"status": "a" * 41}, "status"),
        ({"q": "养" * (MAX_QUERY_LENGTH + 1)}, "q"),
        ({"q": "养老\x00"}, "q"),
        ({"status": "open\x00"}, "status"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(client, corpus, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == field
    assert body["detail"]


def test_unknown_parameters_are_ignored(client, corpus):
    assert client.get(URL, {"q": "养老", "page_size": 100, "x": 1}).json()["count"] == 4


def test_anonymous_may_search_but_a_bad_token_is_refused(client, corpus):
    assert client.get(URL, {"q": "养老"}).status_code == 200
    assert client.get(URL, {"q": "养老"}, HTTP_AUTHORIZATION="Token nonsense").status_code == 401


def test_labels_follow_the_request_language(client, corpus):
    body = client.get(URL, {"q": "养老", "kind": "project"}, HTTP_ACCEPT_LANGUAGE="en").json()
    labels = {row["kind_label"] for row in body["results"]}
    assert labels == {"Service projects"}
    assert {f["label"] for f in body["facets"]["kind"]} >= {"Service projects", "Social organisations"}


def test_query_count_does_not_grow_with_the_index(client, index):
    def queries(params) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, params).status_code == 200
        return len(ctx.captured_queries)

    index(*(doc(i, f"养老助餐第{i}期", street_id=i % 3 + 1, street=f"街道{i % 3}") for i in range(1, 4)))
    small = [queries({"q": "养老"}), queries({}), queries({"q": "养佬"})]
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
            for i in range(4, 80)
            for kind in ("project", "activity")
        )
    )
    assert [queries({"q": "养老"}), queries({}), queries({"q": "养佬"})] == small


def test_suggest(client, corpus):
    response = client.get(SUGGEST_URL, {"q": "居家"})
    assert response.status_code == 200
    assert response.json() == {"suggestions": ["居家养老上门服务"]}
    assert client.get(SUGGEST_URL).json() == {"suggestions": []}
    assert client.get(SUGGEST_URL, {"q": "   "}).json() == {"suggestions": []}
    assert client.get(SUGGEST_URL, {"q": "x" * (MAX_QUERY_LENGTH + 1)}).status_code == 400
    assert client.get(SUGGEST_URL, {"q": "x\x00"}).status_code == 400


def test_schema_documents_both_operations(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    search = schema["paths"]["/api/v1/search/"]["get"]
    params = {p["name"]: p for p in search["parameters"]}
    assert set(params) == {"q", "kind", "street", "community", "category", "status", "page"}
    assert params["kind"]["schema"]["enum"] == ["project", "organization", "activity", "page"]
    assert params["page"]["schema"]["maximum"] == MAX_PAGE
    assert {"200", "400", "401", "404"} <= set(search["responses"])
    assert "get" in schema["paths"]["/api/v1/search/suggest/"]
