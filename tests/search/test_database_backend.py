"""The database backend on whatever database the suite runs on (SQLite by default, PostgreSQL
with DATABASE_URL): the shared contract, plus what only this backend has to keep (its
full-text index in step with its rows, its vocabulary, a constant number of queries)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search import text
from search.backends import database
from search.backends.database import DatabaseBackend
from search.models import SearchEntry, SearchTerm, SearchText
from search.types import SearchQuery
from tests.search.contract import BASE_DATE, BackendContract, doc, facet, keys, mixed_corpus, run


@pytest.fixture
def backend(db):
    return DatabaseBackend()


def fulltext_rows() -> int:
    """How many documents the database's own full-text index holds."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT COUNT(*) FROM portal_search_searchentry WHERE vector IS NOT NULL")
        else:
            cursor.execute("SELECT COUNT(*) FROM portal_search_fts_docsize")
        return cursor.fetchone()[0]


def assert_fulltext_consistent():
    assert fulltext_rows() == SearchEntry.objects.count() == SearchText.objects.count()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # raises when the FTS index and the table disagree
            cursor.execute(
                "INSERT INTO portal_search_fts(portal_search_fts, rank) VALUES ('integrity-check', 1)"
            )


class TestDatabaseBackend(BackendContract):
    pass


class TestStorage:
    def test_entry_holds_segmented_words(self, backend):
        backend.index(
            [doc(1, "社区养老服务", "欢迎社会各界人士捐赠", street="城关街道", community="幸福里社区")]
        )
        stored = SearchText.objects.select_related("entry").get()
        assert "养老" in stored.title_tokens.split()
        assert "捐赠" in stored.body_tokens.split()
        # Place names are searchable words too.
        assert "幸福" in stored.body_tokens.split()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT vector::text FROM portal_search_searchentry")
                vector = cursor.fetchone()[0]
            assert "'养老':2A" in vector
            assert "'捐赠'" in vector

    def test_odd_characters_in_words_are_stored_and_found(self, backend):
        backend.index([doc(1, "C++ 编程班 O'Brien", "路径 C:\\temp 与 it's 50% off")])
        assert keys(run(backend, "o'brien")) == ["project:1"]
        assert keys(run(backend, "c++")) == ["project:1"]

    def test_place_names_are_found(self, backend):
        backend.index(mixed_corpus())
        assert set(keys(run(backend, "滨河"))) == {"project:3", "activity:5"}

    def test_fulltext_index_follows_every_write(self, backend):
        backend.index(mixed_corpus())
        assert_fulltext_consistent()
        backend.index([doc(1, "心理疏导热线")])
        assert_fulltext_consistent()
        assert keys(run(backend, "心理")) == ["project:1"]
        backend.remove("project", [1, 2])
        assert_fulltext_consistent()
        backend.rebuild(mixed_corpus()[:3])
        assert_fulltext_consistent()

    def test_browsing_counts_follow_moves_and_removals(self, backend):
        backend.index(
            [doc(1, "养老", street_id=1, street="城关街道"), doc(2, "助餐", street_id=1, street="城关街道")]
        )
        backend.index([doc(1, "养老", street_id=2, street="河西街道", status="completed")])
        backend.remove("project", [2])
        results = run(backend, "")
        assert facet(results, "street") == {"2": 1}
        assert facet(results, "status") == {"completed": 1}
        assert results.total == 1
        # Text searches count the same way.
        assert facet(run(backend, "养老"), "street") == {"2": 1}

    def test_rebuild_is_all_or_nothing(self, backend):
        backend.index([doc(1, "社区养老服务")])

        def documents():
            yield doc(2, "儿童托管")
            raise RuntimeError("source failed")

        with pytest.raises(RuntimeError):
            backend.rebuild(documents())
        assert keys(run(backend, "养老")) == ["project:1"]
        assert run(backend, "托管").total == 0
        assert set(SearchTerm.objects.exclude(word="").values_list("word", flat=True)) == {
            "社区",
            "养老",
            "服务",
        }

    def test_rebuild_keeps_the_first_of_a_repeated_key(self, backend):
        assert backend.rebuild([doc(1, "养老服务"), doc(1, "儿童托管")]) == 1
        assert keys(run(backend, "养老")) == ["project:1"]


class TestCommonWords:
    def test_a_word_in_most_documents_does_not_crowd_out_the_rest(self, backend):
        backend.index(
            [doc(i, f"社区文化活动第{i}期", "社区居民踊跃参加") for i in range(1, 11)]
            + [doc(20, "河西社工服务社", "开展青少年成长和社区矫正社会工作")]
        )
        # 社区矫正 is cut into 社区, 矫正 and 社区矫正; 社区 is everywhere and is left out.
        results = run(backend, "社区矫正")
        assert keys(results) == ["project:20"]
        assert "<mark>社区矫正</mark>" in results.hits[0].excerpt_html
        # Alone, or with nothing rarer, a common word is searched for as it is.
        assert run(backend, "社区").total == 11
        assert run(backend, "社区 居民").total == 11


class TestVocabulary:
    def counts(self, field="title_count"):
        return dict(SearchTerm.objects.exclude(word="").values_list("word", field))

    def documents(self):
        return SearchTerm.objects.get(word="").doc_count

    def test_counts_the_documents(self, backend):
        backend.index([doc(1, "养老"), doc(2, "助餐"), doc(3, "托管")])
        backend.index([doc(1, "养老服务")])
        assert self.documents() == 3
        backend.remove("project", [1, 99])
        assert self.documents() == 2
        backend.rebuild([doc(5, "助餐")])
        assert self.documents() == 1

    def test_counts_documents_per_word(self, backend):
        backend.index([doc(1, "养老服务 养老", "助餐 养老"), doc(2, "居家养老", "助餐")])
        assert self.counts()["养老"] == 2
        assert self.counts()["服务"] == 1
        assert self.counts("doc_count")["助餐"] == 2
        assert self.counts()["助餐"] == 0  # in bodies only
        assert SearchTerm.objects.get(word="养老").pinyin == "yanglao"

    def test_follows_reindex_and_remove(self, backend):
        backend.index([doc(1, "养老服务"), doc(2, "居家养老")])
        backend.index([doc(1, "儿童托管")])
        counts = self.counts()
        assert counts["养老"] == 1
        assert "服务" not in counts
        assert counts["托管"] == 1
        backend.remove("project", [2])
        assert "养老" not in self.counts()

    def test_rebuild_recounts(self, backend):
        backend.index([doc(1, "养老服务")])
        backend.rebuild([doc(2, "儿童托管"), doc(3, "儿童活动")])
        expected = Counter(
            w for title in ("儿童托管", "儿童活动") for w in set(text.segment(title)) if len(w) > 1
        )
        assert self.counts() == dict(expected)
        assert self.counts()["儿童"] == 2


def data_queries(captured) -> int:
    """Queries that read or write, not the transaction plumbing around them (savepoints, and
    the planner setting of PostgreSQL's full-text statements)."""
    plumbing = ("SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL")
    return sum(1 for q in captured.captured_queries if not q["sql"].startswith(plumbing))


class TestQueryCount:
    """A search costs the same number of queries whatever the index holds."""

    def queries(self, backend, query: SearchQuery) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            backend.search(query)
        return data_queries(captured), len(captured.captured_queries)

    @pytest.mark.parametrize(
        "query",
        [
            SearchQuery(text="养老"),
            SearchQuery(text="yanglao", street_id=1),
            SearchQuery(text=""),
            SearchQuery(text="养佬"),
            SearchQuery(text="养老", page=2, kind="project"),
        ],
    )
    def test_constant(self, backend, query):
        def more(start, count):
            return [
                doc(i, f"社区养老服务第{i}期", "老人助餐", street_id=1 + i % 2, community_id=11 + i % 3)
                for i in range(start, start + count)
            ]

        backend.index(mixed_corpus() + more(100, 25))
        few = self.queries(backend, query)
        backend.index(more(200, 100))
        assert self.queries(backend, query) == few
        assert few[0] <= 4

    def test_suggest_costs_one_query_or_two_for_pinyin(self, backend):
        backend.index(mixed_corpus())
        for prefix, expected in [("养老", 1), ("yang", 2)]:
            with CaptureQueriesContext(connection) as captured:
                assert backend.suggest(prefix)
            assert data_queries(captured) == expected, prefix


def test_service_uses_the_database_backend_by_default(settings, db):
    from search import service

    settings.SEARCH_BACKEND = ""
    settings.ELASTICSEARCH_URL = ""
    assert isinstance(service.get_backend(), DatabaseBackend)


@pytest.mark.postgres
class TestRankingManyMatches:
    """Past RANK_ALL_BELOW matches, PostgreSQL ranks only the newest of them (open first): as
    many as the pages can show."""

    @pytest.fixture(autouse=True, params=["kept matches", "broad"])
    def _small_limits(self, monkeypatch, request):
        monkeypatch.setattr(database, "RANK_ALL_BELOW", 1)
        monkeypatch.setattr(database, "RANKED", 4)
        monkeypatch.setattr(database, "MAX_PAGE", 2)
        monkeypatch.setattr(database, "BROAD_SHARE", 0.5 if request.param == "broad" else 100)

    @pytest.fixture
    def corpus(self, backend):
        place = {"street_id": 1, "street": "城关街道", "community_id": 11, "community": "幸福里社区"}
        backend.index(
            [
                doc(1, "养老服务政策汇编", date=BASE_DATE, **place),  # the best match, but the oldest
                doc(2, "社区活动", "介绍养老", date=BASE_DATE + timedelta(days=1), **place),
                doc(3, "社区活动", "介绍养老", date=BASE_DATE + timedelta(days=2), **place),
                doc(4, "养老助餐", date=BASE_DATE + timedelta(days=3), **place),
                doc(5, "社区活动", "介绍养老", date=BASE_DATE + timedelta(days=4), **place),
                doc(6, "儿童托管", "暑期", kind="activity", date=BASE_DATE + timedelta(days=5), **place),
            ]
        )

    def test_the_newest_matches_ranked_by_relevance(self, backend, corpus):
        first = run(backend, "养老", page_size=2)
        assert first.total == 5
        assert facet(first, "kind") == {"project": 5}
        assert keys(first) == ["project:4", "project:5"]
        assert keys(run(backend, "养老", page=2, page_size=2)) == ["project:3", "project:2"]

    def test_filters_apply_before_choosing(self, backend, corpus):
        backend.index([doc(7, "养老", date=BASE_DATE + timedelta(days=9), street_id=7)])
        results = run(backend, "养老", street_id=7)
        assert keys(results) == ["project:7"]
        assert results.total == 1
        assert facet(results, "street") == {"1": 5, "7": 1}

    def test_a_word_in_every_document_counts_every_document(self, backend, corpus):
        # 社区 is in every document (with the names of its place).
        results = run(backend, "社区", kind="project")
        assert results.total == 5
        assert facet(results, "kind") == {"project": 5, "activity": 1}
        assert keys(results)[0] in {"project:2", "project:3", "project:5"}  # 社区 in the title


def test_a_backend_missing_part_of_the_contract_cannot_be_made():
    from search.backends.base import SearchBackend

    class Partial(SearchBackend):
        def search(self, query):
            return None

    with pytest.raises(TypeError):
        Partial()
