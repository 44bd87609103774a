"""What every search backend must do, whatever it runs on. A backend's test module subclasses
``BackendContract`` and provides a fixture named ``backend`` returning an empty backend (and
cleaning up after itself). Documents are built here as plain SearchDocuments: the contract is
about search, not about where documents come from."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from search.types import FACETS, KINDS, SearchDocument, SearchQuery

SHANGHAI = ZoneInfo("Asia/Shanghai")
BASE_DATE = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)


def doc(object_id: int, title: str, body: str = "", *, kind: str = "project", **fields) -> SearchDocument:
    fields.setdefault("url", f"/{kind}/{object_id}/")
    fields.setdefault("date", BASE_DATE)
    return SearchDocument(kind=kind, object_id=object_id, title=title, body=body, **fields)


def keys(results) -> list[str]:
    return [hit.document.key for hit in results.hits]


def run(backend, text: str = "", **filters):
    return backend.search(SearchQuery(text=text, **filters))


# A small mixed corpus for the filter and facet tests: two streets, three communities, the four
# kinds, two categories, and a status code ("published") two kinds share.
PLACES = {
    "a1": {"street_id": 1, "street": "城关街道", "community_id": 11, "community": "幸福里社区"},
    "a2": {"street_id": 1, "street": "城关街道", "community_id": 12, "community": "和平社区"},
    "b1": {"street_id": 2, "street": "河西街道", "community_id": 21, "community": "滨河社区"},
}


def mixed_corpus() -> list[SearchDocument]:
    return [
        doc(
            1,
            "幸福里社区养老助餐服务项目",
            "为辖区老人提供助餐服务",
            status="published",
            category="daily_life",
            open=True,
            **PLACES["a1"],
        ),
        doc(
            2,
            "和平社区居家养老上门服务",
            "为失能老人提供上门养老服务",
            status="completed",
            category="specific_groups",
            **PLACES["a2"],
        ),
        doc(
            3,
            "滨河社区养老服务站运营",
            "运营社区养老服务站",
            status="published",
            category="daily_life",
            open=True,
            **PLACES["b1"],
        ),
        doc(
            4,
            "幸福里为老服务中心",
            "专注社区养老与助餐的社会组织",
            kind="organization",
            status="verified",
            category="daily_life",
            **PLACES["a1"],
        ),
        doc(
            5,
            "重阳节养老院探访志愿活动",
            "到敬老院陪伴老人",
            kind="activity",
            status="published",
            category="specific_groups",
            open=True,
            **PLACES["b1"],
        ),
        doc(
            6,
            "关于做好养老服务补贴发放工作的通知",
            "养老服务补贴按季度发放",
            kind="page",
            category="notice",
            **PLACES["a2"],
        ),
        doc(
            7,
            "垃圾分类宣传进社区",
            "志愿者指导居民垃圾分类投放",
            kind="activity",
            status="published",
            category="mutual_aid",
            open=True,
            **PLACES["a1"],
        ),
    ]


def facet(results, name) -> dict[str, int]:
    return {value.value: value.count for value in results.facets[name]}


def facet_labels(results, name) -> dict[str, str]:
    return {value.value: value.label for value in results.facets[name]}


class BackendContract:
    # --- finding -------------------------------------------------------------------------
    def test_finds_a_word_inside_a_sentence(self, backend):
        backend.index(
            [
                doc(1, "图书募集倡议", "我们欢迎社会各界人士捐赠图书和资金"),
                doc(2, "社区图书角开放", "每周六上午开放借阅"),
            ]
        )
        results = run(backend, "捐赠")
        assert keys(results) == ["project:1"]
        assert results.total == 1
        assert "捐赠" in results.terms

    def test_finds_several_words_any_of_them(self, backend):
        backend.index([doc(1, "养老服务", "老人"), doc(2, "助餐点开放", "午餐"), doc(3, "儿童托管", "暑期")])
        assert set(keys(run(backend, "养老 助餐"))) == {"project:1", "project:2"}

    def test_traditional_characters_find_simplified(self, backend):
        backend.index([doc(1, "社区养老服务中心招募护理员"), doc(2, "儿童托管班")])
        assert keys(run(backend, "養老")) == ["project:1"]

    def test_pinyin_finds_chinese(self, backend):
        backend.index([doc(1, "社区养老服务中心招募护理员"), doc(2, "儿童托管班")])
        results = run(backend, "yanglao")
        assert keys(results) == ["project:1"]
        assert "<mark>养老</mark>" in results.hits[0].title_html
        assert "养老" in results.terms

    def test_no_match_finds_nothing(self, backend):
        backend.index([doc(1, "社区养老服务中心")])
        results = run(backend, "火箭发射")
        assert results.total == 0
        assert results.hits == []

    def test_punctuation_only_query_finds_nothing_and_does_not_fail(self, backend):
        backend.index([doc(1, "社区养老服务中心")])
        for typed in ["!!!", "的", "'\"&|:*()"]:
            results = run(backend, typed)
            assert results.total == 0

    def test_query_syntax_is_never_taken_from_the_user(self, backend):
        backend.index([doc(1, "社区养老服务中心"), doc(2, "NEAR AND OR NOT 服务")])
        for typed in ['养老" OR "儿童', "养老' | '儿童", "养老:* & !儿童", "title_tokens:养老", "NEAR(养老"]:
            results = run(backend, typed)
            assert "project:1" in keys(results), typed

    # --- filters and facets ----------------------------------------------------------------
    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({"kind": "activity"}, {"activity:5"}),
            ({"street_id": 2}, {"project:3", "activity:5"}),
            ({"community_id": 12}, {"project:2", "page:6"}),
            ({"category": "specific_groups"}, {"project:2", "activity:5"}),
            ({"status": "published"}, {"project:1", "project:3", "activity:5"}),
            ({"kind": "project", "street_id": 1}, {"project:1", "project:2"}),
        ],
    )
    def test_filters(self, backend, filters, expected):
        backend.index(mixed_corpus())
        results = run(backend, "养老", **filters)
        assert set(keys(results)) == expected
        assert results.total == len(expected)

    def test_filters_without_text_browse(self, backend):
        backend.index(mixed_corpus())
        results = run(backend, "", street_id=1, kind="activity")
        assert keys(results) == ["activity:7"]

    def test_facet_counts_ignore_their_own_filter_only(self, backend):
        backend.index(mixed_corpus())
        results = run(backend, "养老", kind="project")
        # Every facet is present; the kind facet still counts the other kinds ...
        assert set(results.facets) == set(FACETS)
        assert facet(results, "kind") == {"project": 3, "organization": 1, "activity": 1, "page": 1}
        # ... while the others count projects only.
        assert facet(results, "street") == {"1": 2, "2": 1}
        assert facet(results, "community") == {"11": 1, "12": 1, "21": 1}
        assert facet(results, "category") == {"daily_life": 2, "specific_groups": 1}
        assert facet(results, "status") == {"published": 2, "completed": 1}
        assert results.total == 3

    def test_facets_with_two_filters(self, backend):
        backend.index(mixed_corpus())
        results = run(backend, "养老", kind="project", street_id=1)
        assert facet(results, "kind") == {"project": 2, "organization": 1, "page": 1}
        assert facet(results, "street") == {"1": 2, "2": 1}
        assert facet(results, "status") == {"published": 1, "completed": 1}
        assert results.total == 2

    def test_facet_labels(self, backend):
        backend.index(mixed_corpus())
        results = run(backend, "")
        assert facet_labels(results, "kind") == {
            "project": "服务项目",
            "organization": "社会组织",
            "activity": "志愿活动",
            "page": "资讯",
        }
        assert [value.value for value in results.facets["kind"]] == list(KINDS)
        assert facet_labels(results, "street") == {"1": "城关街道", "2": "河西街道"}
        assert facet_labels(results, "community")["11"] == "幸福里社区"
        assert facet_labels(results, "category") == {
            "daily_life": "生活服务类",
            "specific_groups": "特定群体类",
            "mutual_aid": "居民互助类",
            "notice": "通知公告",
        }
        statuses = facet_labels(results, "status")
        # One code, two kinds, two wordings: both shown.
        assert statuses["published"] == "公告中 / 报名中"
        assert statuses["completed"] == "已完成"
        assert statuses["verified"] == "已认证"
        project_only = facet_labels(run(backend, "", kind="project"), "status")
        assert project_only["published"] == "公告中"

    def test_facet_values_ordered_by_count(self, backend):
        backend.index(mixed_corpus())
        counts = [value.count for value in run(backend, "").facets["street"]]
        assert counts == sorted(counts, reverse=True)

    # --- ranking ---------------------------------------------------------------------------
    def test_title_match_ranks_above_body_match(self, backend):
        backend.index(
            [
                doc(1, "社区文化活动通知", "本次活动也将介绍养老政策"),
                doc(2, "养老政策宣讲", "在社区文化广场举行"),
            ]
        )
        assert keys(run(backend, "养老")) == ["project:2", "project:1"]

    def test_open_item_boosted_over_closed_with_the_same_text(self, backend):
        backend.index(
            [
                doc(1, "养老助餐服务", "社区助餐", open=False, date=BASE_DATE + timedelta(days=5)),
                doc(2, "养老助餐服务", "社区助餐", open=True),
            ]
        )
        results = run(backend, "养老助餐")
        assert keys(results) == ["project:2", "project:1"]
        assert results.hits[0].score > results.hits[1].score

    def test_more_query_words_matched_rank_higher(self, backend):
        backend.index(
            [
                doc(1, "社区养老服务", "老人"),
                doc(2, "社区养老助餐服务", "老人"),
                doc(3, "社区助餐点", "午餐"),
            ]
        )
        assert keys(run(backend, "养老 助餐"))[0] == "project:2"

    def test_empty_query_browses_open_first_then_newest(self, backend):
        backend.index(
            [
                doc(1, "旧的已结束项目", open=False, date=BASE_DATE),
                doc(2, "新的已结束项目", open=False, date=BASE_DATE + timedelta(days=2)),
                doc(3, "正在报名的活动", kind="activity", open=True, date=BASE_DATE - timedelta(days=9)),
            ]
        )
        results = run(backend, "")
        assert keys(results) == ["activity:3", "project:2", "project:1"]
        assert results.total == 3

    # --- pages -----------------------------------------------------------------------------
    def test_pagination(self, backend):
        backend.index([doc(i, f"养老服务第{i}期", date=BASE_DATE + timedelta(days=i)) for i in range(1, 26)])
        first = run(backend, "养老", page=1)
        second = run(backend, "养老", page=2)
        third = run(backend, "养老", page=3)
        assert (first.total, first.pages) == (25, 3)
        assert (len(first.hits), len(second.hits), len(third.hits)) == (10, 10, 5)
        seen = keys(first) + keys(second) + keys(third)
        assert len(set(seen)) == 25
        assert second.query.page == 2
        beyond = run(backend, "养老", page=4)
        assert beyond.hits == []
        assert beyond.total == 25

    def test_page_size(self, backend):
        backend.index([doc(i, f"养老服务第{i}期") for i in range(1, 8)])
        results = run(backend, "养老", page=2, page_size=3)
        assert len(results.hits) == 3
        assert results.pages == 3

    # --- highlighting ----------------------------------------------------------------------
    def test_highlights_matched_words_and_escapes_html(self, backend):
        backend.index(
            [
                doc(
                    1,
                    "<b>养老</b>服务 & 助餐",
                    "<script>alert(1)</script>"
                    + "社区情况介绍。" * 30
                    + "本项目为老人提供养老服务。"
                    + "其他内容。" * 30,
                )
            ]
        )
        hit = run(backend, "养老").hits[0]
        assert hit.title_html == "&lt;b&gt;<mark>养老</mark>&lt;/b&gt;服务 &amp; 助餐"
        assert "<mark>养老</mark>" in hit.excerpt_html
        assert "<script>" not in hit.excerpt_html
        # An excerpt, around the match, not the whole body.
        assert len(hit.excerpt_html) < 300
        assert hit.document.title == "<b>养老</b>服务 & 助餐"

    def test_hit_carries_the_document(self, backend):
        original = mixed_corpus()[0]
        backend.index([original])
        hit = run(backend, "助餐").hits[0]
        assert hit.document == original

    # --- writing ---------------------------------------------------------------------------
    def test_reindex_replaces(self, backend):
        backend.index([doc(1, "儿童托管班招生", "暑期托管")])
        backend.index([doc(1, "心理疏导热线开通", "专业心理咨询师")])
        assert backend.count() == 1
        assert run(backend, "托管").total == 0
        assert keys(run(backend, "心理疏导")) == ["project:1"]

    def test_same_id_of_another_kind_is_another_document(self, backend):
        backend.index([doc(1, "养老项目"), doc(1, "养老组织", kind="organization")])
        assert backend.count() == 2
        assert set(keys(run(backend, "养老"))) == {"project:1", "organization:1"}

    def test_remove(self, backend):
        backend.index(
            [doc(1, "社区矫正帮扶"), doc(2, "社区矫正宣传"), doc(2, "社区矫正组织", kind="organization")]
        )
        backend.remove("project", [2, 99])
        assert backend.count() == 2
        assert set(keys(run(backend, "矫正"))) == {"project:1", "organization:2"}

    def test_rebuild_replaces_everything(self, backend):
        backend.index([doc(1, "物业纠纷调解"), doc(2, "党员志愿服务")])
        assert backend.rebuild([doc(3, "文明实践站活动", kind="activity"), doc(4, "物业管理培训")]) == 2
        assert backend.count() == 2
        assert keys(run(backend, "调解")) == []
        assert keys(run(backend, "物业")) == ["project:4"]
        assert keys(run(backend, "文明实践")) == ["activity:3"]

    def test_index_returns_how_many(self, backend):
        assert backend.index([doc(1, "养老"), doc(2, "助餐")]) == 2
        assert backend.index([]) == 0

    # --- suggestions -----------------------------------------------------------------------
    def test_empty_query_suggests_popular_words(self, backend):
        backend.index(
            [
                doc(1, "社区养老助餐服务"),
                doc(2, "居家养老上门服务"),
                doc(3, "养老服务站运营"),
                doc(4, "儿童托管"),
            ]
        )
        suggestions = run(backend, "").suggestions
        assert suggestions
        assert set(suggestions[:2]) == {"养老", "服务"}

    def test_misspelt_query_suggests_the_word_it_sounds_like(self, backend):
        backend.index([doc(1, "社区养老助餐服务"), doc(2, "居家养老上门服务")])
        results = run(backend, "养佬")
        assert results.total == 0
        assert "养老" in results.suggestions

    def test_misspelt_pinyin_suggests_a_close_word(self, backend):
        backend.index([doc(1, "社区养老助餐服务"), doc(2, "居家养老上门服务")])
        results = run(backend, "yanglo")
        assert "养老" in results.suggestions

    def test_unknown_query_still_gets_suggestions(self, backend):
        backend.index([doc(1, "社区养老助餐服务"), doc(2, "垃圾分类宣传")])
        results = run(backend, "火箭发射")
        assert results.total == 0
        assert results.suggestions

    def test_enough_results_need_no_suggestions(self, backend):
        backend.index([doc(i, f"养老服务第{i}期") for i in range(1, 6)])
        assert run(backend, "养老").suggestions == []

    def test_empty_index_has_nothing_to_suggest(self, backend):
        results = run(backend, "养老")
        assert results.total == 0
        assert results.suggestions == []
        assert run(backend, "").total == 0

    # --- completion ------------------------------------------------------------------------
    def test_suggest_completes_titles(self, backend):
        backend.index(
            [
                doc(1, "幸福里社区养老助餐服务", open=True),
                doc(2, "居家养老上门服务"),
                doc(3, "儿童托管班", "养老院附近"),
            ]
        )
        assert set(backend.suggest("养老")) == {"幸福里社区养老助餐服务", "居家养老上门服务"}
        assert backend.suggest("养老")[0] == "幸福里社区养老助餐服务"
        assert "幸福里社区养老助餐服务" in backend.suggest("养老助")
        assert backend.suggest("儿童托")[0] == "儿童托管班"
        assert "居家养老上门服务" in backend.suggest("yanglao")
        assert backend.suggest("火箭") == []

    def test_suggest_limit(self, backend):
        backend.index([doc(i, f"养老服务第{i}期") for i in range(1, 12)])
        assert len(backend.suggest("养老", limit=4)) == 4
