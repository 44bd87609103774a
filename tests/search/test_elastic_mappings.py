"""The Elasticsearch backend without a cluster: the indices it creates (settings, analyzers,
mappings), the documents it sends, the search bodies it builds, how it reads answers, and the
requests each operation makes, through the real client over a fake transport that records them
and answers as Elasticsearch 8 does. What only a live cluster can show (that the analyzers cut
and score as intended) is left to test_elastic_backend.py, run when ELASTICSEARCH_URL is set."""

import json
import re
from dataclasses import fields
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport._node import NodeApiResponse
from elasticsearch import Elasticsearch

from search import text
from search.backends import elastic
from search.backends.elastic import (
    ElasticsearchBackend,
    ElasticsearchError,
    alias_actions,
    aliases_from_response,
    bulk_actions,
    completion_inputs,
    completion_prefix,
    completion_request,
    document_from_source,
    document_source,
    index_body,
    rank_suggestions,
    read_completions,
    read_results,
    search_request,
    suggestion_request,
)
from search.suggestions import suggestion_keys
from search.types import FACETS, KINDS, SearchDocument, SearchQuery
from tests.search.contract import BASE_DATE, PLACES, doc, mixed_corpus

ALIASES = [f"portal-{kind}" for kind in KINDS]
BULK = "PUT|POST"  # the client sends bulk requests with PUT
DERIVED = {"title_words", "body_words", "title_pinyin", "body_pinyin", "vocabulary", "title_terms", "suggest"}
BUILT_IN_TOKENIZERS = {"whitespace", "keyword"}
BUILT_IN_FILTERS = {"lowercase"}
BUILT_IN_ANALYZERS = {"cjk"}


def body_of(search) -> dict:
    return search.to_dict()


def find(tree, key):
    """Every value under ``key`` anywhere in a nested body."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            if k == key:
                yield v
            yield from find(v, key)
    elif isinstance(tree, list):
        for item in tree:
            yield from find(item, key)


# --- indices ------------------------------------------------------------------------------------
class TestIndex:
    def test_settings_define_analyzers_that_need_no_plugin(self):
        body = index_body("portal-project-20250301")
        analysis = body["settings"]["analysis"]
        assert analysis["analyzer"]["portal_words"] == {
            "type": "custom",
            "tokenizer": "whitespace",
            "filter": ["lowercase"],
        }
        assert analysis["analyzer"]["portal_complete"] == {
            "type": "custom",
            "tokenizer": "keyword",
            "filter": ["lowercase"],
        }
        for definition in analysis["analyzer"].values():
            assert definition["tokenizer"] in BUILT_IN_TOKENIZERS
            assert set(definition["filter"]) <= BUILT_IN_FILTERS
        used = set(find(body["mappings"], "analyzer"))
        assert used <= BUILT_IN_ANALYZERS | set(analysis["analyzer"])
        assert body["settings"]["number_of_shards"] == 1
        assert "aliases" not in body
        assert "refresh_interval" not in body["settings"]

    def test_mapping(self):
        properties = index_body("portal-project-1")["mappings"]["properties"]
        # The text as written: cjk bigrams (recall, highlighting).
        assert properties["title"] == {"type": "text", "analyzer": "cjk"}
        assert properties["body"] == {"type": "text", "analyzer": "cjk"}
        # jieba's words, split on spaces only.
        assert properties["title_words"] == {"type": "text", "analyzer": "portal_words"}
        assert properties["body_words"] == {"type": "text", "analyzer": "portal_words"}
        for name in (
            "kind",
            "street",
            "community",
            "category",
            "status",
            "title_pinyin",
            "body_pinyin",
            "vocabulary",
        ):
            assert properties[name] == {"type": "keyword"}, name
        for name in ("object_id", "street_id", "community_id"):
            assert properties[name] == {"type": "long"}, name
        assert properties["open"] == {"type": "boolean"}
        assert properties["date"] == {"type": "date"}
        assert properties["url"] == {"type": "keyword", "index": False, "doc_values": False}
        assert properties["suggest"] == {
            "type": "completion",
            "analyzer": "portal_complete",
            "max_input_length": 50,
        }

    def test_mapping_is_strict_and_holds_only_document_fields(self):
        mappings = index_body("portal-page-1")["mappings"]
        # A field not in the mapping is refused, not added: nothing else can enter an index.
        assert mappings["dynamic"] == "strict"
        document_fields = {f.name for f in fields(SearchDocument)}
        assert set(mappings["properties"]) == document_fields | DERIVED

    def test_index_being_loaded_and_index_created_behind_its_alias(self):
        loading = index_body("portal-activity-2", loading=True)
        assert loading["settings"]["refresh_interval"] == "-1"
        assert "aliases" not in loading
        initial = index_body("portal-activity-initial", alias="portal-activity")
        assert initial["aliases"] == {"portal-activity": {}}
        assert "refresh_interval" not in initial["settings"]


class TestAliases:
    def test_swap_removes_old_and_adds_new_in_one_list(self):
        current = {"portal-project": ["portal-project-1"], "portal-page": ["portal-page-1", "portal-page-0"]}
        fresh = {"portal-project": "portal-project-2", "portal-page": "portal-page-2"}
        assert alias_actions(current, fresh) == [
            {"remove": {"index": "portal-project-1", "alias": "portal-project"}},
            {"add": {"index": "portal-project-2", "alias": "portal-project"}},
            {"remove": {"index": "portal-page-1", "alias": "portal-page"}},
            {"remove": {"index": "portal-page-0", "alias": "portal-page"}},
            {"add": {"index": "portal-page-2", "alias": "portal-page"}},
        ]

    def test_first_swap_only_adds(self):
        assert alias_actions({}, {"portal-project": "portal-project-2"}) == [
            {"add": {"index": "portal-project-2", "alias": "portal-project"}}
        ]

    def test_reads_aliases_from_a_partial_answer(self):
        # What get_alias answers (with a 404) when one of the aliases asked for is missing.
        response = {
            "error": "alias [portal-page] missing",
            "status": 404,
            "portal-project-1": {"aliases": {"portal-project": {}}},
            "portal-activity-1": {"aliases": {"portal-activity": {}}},
        }
        assert aliases_from_response(response) == {
            "portal-project": ["portal-project-1"],
            "portal-activity": ["portal-activity-1"],
        }


# --- documents ----------------------------------------------------------------------------------
class TestDocuments:
    def test_source_holds_the_document_and_what_is_derived_from_its_text(self):
        original = mixed_corpus()[0]
        source = document_source(original)
        assert set(source) == {f.name for f in fields(SearchDocument)} | DERIVED
        assert {name: source[name] for name in elastic.FIELDS if name != "date"} == {
            name: getattr(original, name) for name in elastic.FIELDS if name != "date"
        }
        assert source["date"] == "2025-03-01T09:00:00+08:00"
        assert source["title_words"] == text.segmented(original.title)
        assert "养老" in source["title_words"].split()
        # Place names are searchable words, as in the database backend.
        assert {"城关", "幸福"} <= set(source["body_words"].split())
        assert "yanglao" in source["title_pinyin"]
        assert "laoren" in source["body_pinyin"]
        # The vocabulary counts documents per word of title or body (misspelling candidates);
        # title_terms, the title's words (the popular words).
        assert {"养老 yanglao", "老人 laoren", "城关 chengguan"} <= set(source["vocabulary"])
        assert "养老" in source["title_terms"]
        assert "老人" not in source["title_terms"]
        assert source["suggest"]["weight"] == 2  # open: ranked first among completions

    def test_derived_fields_hold_nothing_but_the_documents_own_words(self):
        document = doc(
            7,
            "幸福里社区Wi-Fi 养老助餐 2025",
            "为辖区老人提供助餐服务",
            **PLACES["a1"],
            category="daily_life",
            status="published",
        )
        source = document_source(document)
        readable = text.normalize(
            f"{document.title}\n{document.body}\n{document.street}\n{document.community}"
        )
        words = set(text.segment(readable))
        keys = set(text.pinyin_keys(readable))
        assert set(source["title_words"].split()) | set(source["body_words"].split()) <= words
        assert set(source["title_pinyin"]) | set(source["body_pinyin"]) <= keys
        for entry in source["vocabulary"]:
            word, _, key = entry.partition(" ")
            assert word in words
            assert key == text.pinyin_key(word)
        assert set(source["title_terms"]) <= set(text.segment(document.title))
        title = re.sub(r"\s", "", text.normalize(document.title))
        for value in source["suggest"]["input"]:
            assert value in title or re.fullmatch(r"[a-z0-9]+", value), value
        # No number-only words among the suggestions' vocabulary.
        assert not any(entry.startswith("2025") for entry in source["vocabulary"])
        assert "2025" not in source["title_terms"]

    def test_long_bodies_are_searched_on_their_first_part_but_kept_whole(self):
        body = "前言。" * 7000 + "结尾处的捐赠说明"
        source = document_source(doc(1, "政策全文", body))
        assert source["body"] == body
        assert "捐赠" not in source["body_words"].split()

    def test_source_reads_back_as_the_same_document(self):
        for original in mixed_corpus() + [doc(9, "无地点", date=None)]:
            source = json.loads(json.dumps(document_source(original)))
            assert document_from_source(source) == original

    def test_completion_inputs_start_at_every_word(self):
        inputs = completion_inputs("幸福里社区养老助餐服务")
        assert inputs[0] == "幸福里社区养老助餐服务"
        assert "养老助餐服务" in inputs
        assert "助餐服务" in inputs
        assert "yanglaozhucanfuwu" in inputs
        assert "xingfulishequyanglaozhucanfuwu" in inputs
        # Traditional characters and spaces are folded as a typed prefix is.
        assert "养老服务" in completion_inputs("養老 服務")
        assert completion_prefix("養老 服") == "养老服"
        assert completion_prefix("Yang'lao ") == "yanglao"

    def test_completion_inputs_hold_no_character_elasticsearch_refuses(self):
        # A completion input may not hold \x00, \x1e or \x1f; one such title would fail the batch.
        for value in completion_inputs("养老\x00服务\x1f中心\x1e"):
            assert not re.search(r"[\x00-\x1f]", value)
        # A title with nothing to complete sends no completion at all (an empty input is refused).
        assert document_source(doc(1, "……!!"))["suggest"] is None

    def test_bulk_actions(self):
        documents = [doc(1, "养老项目"), doc(4, "为老服务中心", kind="organization")]
        actions = list(bulk_actions(documents, lambda kind: f"portal-{kind}"))
        assert actions[0] == {"index": {"_index": "portal-project", "_id": "1"}}
        assert actions[1] == document_source(documents[0])
        assert actions[2] == {"index": {"_index": "portal-organization", "_id": "4"}}
        assert actions[3] == document_source(documents[1])
        assert len(actions) == 4

    def test_bulk_actions_refuse_an_unknown_kind(self):
        with pytest.raises(ValueError):
            list(bulk_actions([doc(1, "x", kind="bid")], lambda kind: kind))


# --- search bodies -------------------------------------------------------------------------------
class TestSearchBody:
    def test_text_query(self):
        body = body_of(search_request(SearchQuery(text="养老 助餐"), text.query_terms("养老 助餐")))
        scored = body["query"]["function_score"]
        assert scored["functions"] == [{"filter": {"term": {"open": True}}, "weight": elastic.OPEN_BOOST}]
        assert scored["boost_mode"] == "multiply"
        should = scored["query"]["bool"]["should"]
        assert scored["query"]["bool"]["minimum_should_match"] == 1
        words, *phrases = should
        assert words["multi_match"]["query"] == "养老 助餐"
        assert words["multi_match"]["fields"] == ["title_words^3", "body_words"]
        # Each word as a phrase of cjk bigrams, on the text as written.
        assert phrases == [
            {
                "multi_match": {
                    "query": word,
                    "fields": ["title^3", "body"],
                    "type": "phrase",
                    "boost": elastic.CJK_BOOST,
                }
            }
            for word in ("养老", "助餐")
        ]  # and no pinyin term for a Chinese query
        assert body["sort"][0] == "_score"
        assert "post_filter" not in body

    def test_user_syntax_is_only_ever_match_text(self):
        typed = '养老" OR title:* AND NOT (儿童'
        body = body_of(search_request(SearchQuery(text=typed), text.query_terms(typed)))
        assert not list(find(body, "query_string"))
        assert not list(find(body, "simple_query_string"))
        words = text.query_terms(typed).words
        for clause in find(body, "multi_match"):
            assert clause["query"] in [" ".join(words), *words]

    def test_pinyin_query_adds_terms_on_the_pinyin_fields(self):
        body = body_of(search_request(SearchQuery(text="yang lao"), text.query_terms("yang lao")))
        should = body["query"]["function_score"]["query"]["bool"]["should"]
        assert {"term": {"title_pinyin": {"value": "yanglao", "boost": 2.0}}} in should
        assert {"term": {"body_pinyin": {"value": "yanglao", "boost": 0.5}}} in should

    def test_filters_go_to_the_post_filter_and_facets_drop_their_own(self):
        query = SearchQuery(text="养老", kind="project", street_id=1, status="published")
        body = body_of(search_request(query, text.query_terms("养老")))
        kind = {"term": {"kind": "project"}}
        street = {"term": {"street_id": 1}}
        status = {"term": {"status": "published"}}
        assert body["post_filter"] == {"bool": {"filter": [kind, street, status]}}
        aggs = body["aggs"]
        assert set(aggs) == set(FACETS)
        assert aggs["kind"]["filter"] == {"bool": {"filter": [street, status]}}
        assert aggs["street"]["filter"] == {"bool": {"filter": [kind, status]}}
        assert aggs["community"]["filter"] == {"bool": {"filter": [kind, street, status]}}
        assert aggs["status"]["filter"] == {"bool": {"filter": [kind, street]}}
        assert aggs["kind"]["aggs"]["values"]["terms"]["field"] == "kind"
        assert aggs["street"]["aggs"]["values"]["terms"]["field"] == "street_id"
        assert aggs["street"]["aggs"]["values"]["aggs"]["label"]["terms"] == {"field": "street", "size": 1}
        assert aggs["community"]["aggs"]["values"]["terms"]["field"] == "community_id"
        # A status is labelled by the kinds that have it.
        assert aggs["status"]["aggs"]["values"]["aggs"]["kinds"]["terms"]["field"] == "kind"
        # Documents without a category or status are not counted under an empty value.
        assert aggs["category"]["aggs"]["values"]["terms"]["exclude"] == [""]
        # The filters never narrow the text query itself (the facets are counted over it).
        assert not list(find(body["query"], "street_id"))

    def test_no_filters_count_facets_over_all_matches(self):
        body = body_of(search_request(SearchQuery(text="养老"), text.query_terms("养老")))
        assert all(body["aggs"][facet]["filter"] == {"match_all": {}} for facet in FACETS)

    def test_highlight(self):
        body = body_of(search_request(SearchQuery(text="养老"), text.query_terms("养老")))
        highlight = body["highlight"]
        assert highlight["pre_tags"] == ["<mark>"]
        assert highlight["post_tags"] == ["</mark>"]
        assert highlight["encoder"] == "html"
        assert highlight["fields"]["title"] == {"number_of_fragments": 0}
        assert highlight["fields"]["body"]["fragment_size"] == elastic.EXCERPT

    def test_pagination_and_source(self):
        body = body_of(
            search_request(SearchQuery(text="养老", page=3, page_size=5), text.query_terms("养老"))
        )
        assert (body["from"], body["size"]) == (10, 5)
        assert body["track_total_hits"] is True
        # The derived fields stay in the index.
        assert body["_source"] == list(elastic.FIELDS)

    def test_page_past_the_result_window_asks_for_no_hits(self):
        body = body_of(search_request(SearchQuery(text="养老", page=2000), text.query_terms("养老")))
        assert (body["from"], body["size"]) == (0, 0)

    def test_browse_without_text(self):
        body = body_of(search_request(SearchQuery(kind="activity"), None))
        assert body["query"]["function_score"]["query"] == {"match_all": {}}
        assert body["sort"] == [
            {"open": "desc"},
            {"date": {"order": "desc", "missing": "_last"}},
            {"object_id": "desc"},
        ]
        assert "highlight" not in body
        assert body["post_filter"] == {"bool": {"filter": [{"term": {"kind": "activity"}}]}}
        # The popular words, suggested on an empty query, come with the same request.
        assert body["aggs"]["popular"]["terms"]["field"] == "title_terms"

    def test_every_field_a_request_names_is_mapped_for_its_use(self):
        properties = index_body("portal-project-1")["mappings"]["properties"]
        exact = {"keyword", "long", "boolean", "date"}
        bodies = [
            body_of(
                search_request(
                    SearchQuery(text="yanglao", kind="page", street_id=1), text.query_terms("yanglao")
                )
            ),
            body_of(search_request(SearchQuery(community_id=3, category="notice", status="live"), None)),
            body_of(suggestion_request({"yanglao"}, {"养"}, "yanglao")),
        ]
        for body in bodies:
            for clause in find(body, "multi_match"):
                for name in clause["fields"]:
                    assert properties[name.split("^")[0]]["type"] == "text", name
            for clause in find(body, "term"):
                for name in clause:
                    assert properties[name]["type"] in exact, name
            for clause in find(body, "terms"):
                assert properties[clause["field"]]["type"] in exact, clause
            for key in body.get("sort", []):
                name = key if isinstance(key, str) else next(iter(key))
                assert name == "_score" or properties[name]["type"] in exact, name
            for name in body.get("highlight", {}).get("fields", {}):
                assert properties[name]["type"] == "text", name
            for name in body.get("_source", []):
                assert name in properties, name
        completion = body_of(completion_request("养老", 3))["suggest"]["titles"]["completion"]
        assert properties[completion["field"]]["type"] == "completion"

    def test_frequency_request(self):
        body = body_of(elastic.frequency_request(["社区", "矫正", "c++"]))
        assert body["size"] == 0
        assert body["track_total_hits"] is True
        assert body["aggs"]["words"]["filters"]["filters"] == {
            "社区": {"term": {"vocabulary": "社区 shequ"}},
            "矫正": {"term": {"vocabulary": "矫正 jiaozheng"}},
            "c++": {"term": {"vocabulary": "c++"}},
        }

    def test_suggestion_request(self):
        terms = text.query_terms("养佬")
        _chinese, keys, firsts = suggestion_keys("养佬", terms)
        assert keys == {"yanglao"}
        assert firsts == {"养"}
        body = body_of(suggestion_request(keys, firsts, ""))
        assert body["size"] == 0
        candidates = body["aggs"]["candidates"]["terms"]
        assert candidates["field"] == "vocabulary"
        assert candidates["include"] == "[^ ]* yanglao|养.*"
        assert body["aggs"]["popular"]["terms"]["size"] == elastic.SUGGESTIONS

    def test_suggestion_request_for_pinyin_and_escaping(self):
        terms = text.query_terms("yanglo")
        _chinese, keys, firsts = suggestion_keys("yanglo", terms)
        body = body_of(suggestion_request(keys | {"a.b"}, firsts, terms.pinyin))
        include = body["aggs"]["candidates"]["terms"]["include"]
        assert include == r"[^ ]* a\.b|[^ ]* yanglo|[^ ]* ya[^ ]*"

    def test_completion_request(self):
        body = body_of(completion_request("养老助", 4))
        assert body["suggest"]["titles"] == {
            "prefix": "养老助",
            "completion": {"field": "suggest", "size": 12},
        }
        assert body["_source"] == ["title"]
        assert body["size"] == 0


# --- reading answers -----------------------------------------------------------------------------
def raw_hit(document: SearchDocument, score=2.5, highlight=None) -> dict:
    source = {name: value for name, value in document_source(document).items() if name in elastic.FIELDS}
    hit = {"_index": f"portal-{document.kind}-1", "_id": str(document.object_id), "_score": score}
    hit["_source"] = json.loads(json.dumps(source))
    if highlight:
        hit["highlight"] = highlight
    return hit


def buckets(*pairs, sub=None):
    out = []
    for key, count, *rest in pairs:
        bucket = {"key": key, "doc_count": count}
        if rest:
            bucket[sub] = {"buckets": [{"key": k, "doc_count": 1} for k in rest[0]]}
        out.append(bucket)
    return {"values": {"buckets": out}}


def search_answer(hits, total, aggregations=None) -> dict:
    return {
        "took": 3,
        "timed_out": False,
        "hits": {"total": {"value": total, "relation": "eq"}, "max_score": None, "hits": hits},
        "aggregations": aggregations or {},
    }


FACET_AGGS = {
    "kind": buckets(("activity", 1), ("project", 3), ("page", 1), ("organization", 1)),
    "street": buckets((1, 2, ["城关街道"]), (2, 1, ["河西街道"]), sub="label"),
    "community": buckets((11, 1, ["幸福里社区"]), (21, 1, ["滨河社区"]), sub="label"),
    "category": buckets(("daily_life", 2), ("specific_groups", 1)),
    "status": buckets(("published", 2, ["project", "activity"]), ("completed", 1, ["project"]), sub="kinds"),
}


class TestReading:
    def test_facets(self):
        results = read_results(
            SearchQuery(text="养老"), text.query_terms("养老"), search_answer([], 3, FACET_AGGS)
        )
        facets = results.facets
        assert [(v.value, v.label, v.count) for v in facets["kind"]] == [
            ("project", "服务项目", 3),
            ("organization", "社会组织", 1),
            ("activity", "志愿活动", 1),
            ("page", "资讯", 1),
        ]
        assert [(v.value, v.label, v.count) for v in facets["street"]] == [
            ("1", "城关街道", 2),
            ("2", "河西街道", 1),
        ]
        assert [v.label for v in facets["category"]] == ["生活服务类", "特定群体类"]
        assert [(v.value, v.label) for v in facets["status"]] == [
            ("published", "公告中 / 报名中"),
            ("completed", "已完成"),
        ]
        assert results.total == 3

    def test_an_answer_without_indices_is_empty(self):
        # What Elasticsearch answers when none of the aliases exists yet.
        answer = {"hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}}
        results = read_results(SearchQuery(text="养老"), text.query_terms("养老"), answer)
        assert results.total == 0
        assert results.hits == []
        assert set(results.facets) == set(FACETS)

    def test_hits_carry_the_document_and_highlight_like_the_database_backend(self):
        original = doc(
            1,
            "<b>养老</b>服务 & 助餐",
            "<script>x</script>" + "介绍。" * 80 + "提供养老服务。" + "其他。" * 80,
        )
        # Elasticsearch's own highlight (html-encoded), marking what its analyzers matched.
        highlight = {
            "title": ["&lt;b&gt;<mark>养老</mark>&lt;&#x2F;b&gt;服务 &amp; 助餐"],
            "body": ["介绍。提供<mark>养老</mark>服务。其他"],
        }
        results = read_results(
            SearchQuery(text="养老"),
            text.query_terms("养老"),
            search_answer([raw_hit(original, 3.0, highlight)], 1),
        )
        hit = results.hits[0]
        assert hit.document == original
        assert hit.score == 3.0
        assert hit.title_html == "&lt;b&gt;<mark>养老</mark>&lt;/b&gt;服务 &amp; 助餐"
        assert hit.title_html == text.highlight(original.title, ["养老"])
        assert hit.excerpt_html == text.highlight(original.body, ["养老"], limit=elastic.EXCERPT)
        assert "<script>" not in hit.excerpt_html

    def test_words_marked_by_elasticsearch_are_highlighted_too(self):
        # Found through the cjk bigrams although jieba cut the query otherwise.
        original = doc(1, "社区助餐服务点", "")
        highlight = {"title": ["社区<mark>助餐服务</mark>点"]}
        hit = read_results(
            SearchQuery(text="餐服"),
            text.query_terms("餐服"),
            search_answer([raw_hit(original, 1.0, highlight)], 1),
        ).hits[0]
        assert hit.title_html == "社区<mark>助餐服务</mark>点"

    def test_pinyin_query_highlights_the_chinese_words(self):
        original = doc(1, "社区养老服务中心招募护理员")
        results = read_results(
            SearchQuery(text="yanglao"), text.query_terms("yanglao"), search_answer([raw_hit(original)], 1)
        )
        assert "<mark>养老</mark>" in results.hits[0].title_html
        assert "养老" in results.terms

    def test_browse_hits_have_no_score(self):
        original = doc(1, "社区养老服务中心", date=BASE_DATE + timedelta(days=1))
        hit = raw_hit(original, score=None)
        results = read_results(SearchQuery(), None, search_answer([hit], 1))
        assert results.hits[0].score == 0.0
        assert results.hits[0].title_html == "社区养老服务中心"

    @pytest.mark.parametrize(
        ("words", "expected"),
        [
            # 社区 is in 11 of 12 documents: left out beside the rarer words.
            (["社区", "矫正", "社区矫正"], ["矫正", "社区矫正"]),
            # Alone, or with nothing rarer, a common word is searched for as it is.
            (["社区"], ["社区"]),
            (["社区", "居民"], ["社区", "居民"]),
            # Words the vocabulary does not hold (one character, unknown) stay.
            (["社区", "矫正", "x"], ["矫正", "x"]),
            (["x", "社区"], ["x", "社区"]),
        ],
    )
    def test_common_words_are_left_out_beside_rarer_ones(self, words, expected):
        response = {
            "hits": {"total": {"value": 12, "relation": "eq"}, "hits": []},
            "aggregations": {
                "words": {
                    "buckets": {
                        "社区": {"doc_count": 11},
                        "居民": {"doc_count": 10},
                        "矫正": {"doc_count": 1},
                        "社区矫正": {"doc_count": 1},
                        "x": {"doc_count": 0},
                    }
                }
            },
        }
        assert elastic.specific_words(words, response) == expected

    def test_suggestions_rank_the_same_sound_first(self):
        aggregations = {
            "candidates": {
                "buckets": [
                    {"key": "养生 yangsheng", "doc_count": 9},
                    {"key": "养老 yanglao", "doc_count": 2},
                    {"key": "养老院 yanglaoyuan", "doc_count": 1},
                ]
            },
            "popular": {"buckets": [{"key": "服务", "doc_count": 30}]},
        }
        # The same sound before a close spelling, however frequent; 养老院 is too far from 养佬.
        assert rank_suggestions("养佬", text.query_terms("养佬"), aggregations, 0) == ["养老", "养生"]

    def test_misspelt_pinyin_suggests_a_close_key(self):
        aggregations = {"candidates": {"buckets": [{"key": "养老 yanglao", "doc_count": 2}]}}
        assert rank_suggestions("yanglo", text.query_terms("yanglo"), aggregations, 0) == ["养老"]

    def test_nothing_close_and_nothing_found_falls_back_to_popular_words(self):
        aggregations = {
            "candidates": {"buckets": []},
            "popular": {"buckets": [{"key": "服务", "doc_count": 3}, {"key": "养老", "doc_count": 3}]},
        }
        assert rank_suggestions("火箭", text.query_terms("火箭"), aggregations, 0) == ["养老", "服务"]
        # Something was found: no unrelated words.
        assert rank_suggestions("火箭", text.query_terms("火箭"), aggregations, 1) == []

    def test_completions_keep_each_title_once(self):
        answer = {
            "suggest": {
                "titles": [
                    {
                        "text": "养老",
                        "offset": 0,
                        "length": 2,
                        "options": [
                            {
                                "text": "养老助餐服务",
                                "_source": {"title": "幸福里社区养老助餐服务"},
                                "_score": 2.0,
                            },
                            {"text": "养老上门服务", "_source": {"title": "居家养老上门服务"}, "_score": 1.0},
                            {"text": "养老服务", "_source": {"title": "居家养老上门服务"}, "_score": 1.0},
                        ],
                    }
                ]
            }
        }
        assert read_completions(answer, 8) == ["幸福里社区养老助餐服务", "居家养老上门服务"]
        assert read_completions(answer, 1) == ["幸福里社区养老助餐服务"]


# --- the backend over a fake transport --------------------------------------------------------
class FakeCluster:
    """Records every request the client sends and answers from the first matching route (or
    with ``{}``), with the headers by which the client recognises Elasticsearch."""

    def __init__(self):
        self.requests: list[dict] = []
        self.routes: list[tuple[str, re.Pattern, object]] = []

    def on(self, method: str, path: str, answer, status: int = 200):
        self.routes.insert(0, (method, re.compile(path), (status, answer)))

    def answer(self, method, target, body):
        parts = urlsplit(target)
        request = {
            "method": method,
            "path": parts.path,
            "params": {k: v[0] for k, v in parse_qs(parts.query).items()},
            "body": None,
        }
        if body:
            lines = body.decode().strip().split("\n")
            request["body"] = (
                [json.loads(line) for line in lines] if parts.path.endswith("_bulk") else json.loads(body)
            )
        self.requests.append(request)
        for route_method, pattern, (status, answer) in self.routes:
            if re.fullmatch(route_method, method) and pattern.fullmatch(parts.path):
                return status, answer(request) if callable(answer) else answer
        return 200, {"acknowledged": True}

    def made(self, method: str, path: str) -> list[dict]:
        return [
            r for r in self.requests if re.fullmatch(method, r["method"]) and re.fullmatch(path, r["path"])
        ]

    def client(self) -> Elasticsearch:
        cluster = self

        class Node(BaseNode):
            def perform_request(self, method, target, body=None, headers=None, request_timeout=None):
                status, answer = cluster.answer(method, target, body)
                meta = ApiResponseMeta(
                    status=status,
                    http_version="1.1",
                    headers=HttpHeaders(
                        {"content-type": "application/json", "x-elastic-product": "Elasticsearch"}
                    ),
                    duration=0.0,
                    node=self.config,
                )
                return NodeApiResponse(meta, json.dumps(answer).encode())

        return Elasticsearch("http://es.test:9200", node_class=Node, max_retries=0)


def bulk_ok(request) -> dict:
    items = []
    for line in request["body"]:
        op = next(iter(line))
        if op in ("index", "delete"):
            items.append({op: {"_index": line[op]["_index"], "_id": line[op]["_id"], "status": 200}})
    return {"took": 1, "errors": False, "items": items}


@pytest.fixture
def cluster():
    cluster = FakeCluster()
    cluster.on(BULK, r"/_bulk", bulk_ok)
    return cluster


def backend_on(cluster, **options) -> ElasticsearchBackend:
    return ElasticsearchBackend(
        url="http://es.test:9200", prefix="portal", client=cluster.client(), **options
    )


def existing_aliases(stamp="1") -> dict:
    return {f"portal-{kind}-{stamp}": {"aliases": {f"portal-{kind}": {}}} for kind in KINDS}


class TestRebuild:
    def test_loads_new_indices_then_swaps_every_alias_at_once_then_drops_the_old(self, cluster):
        cluster.on("GET", r"/_alias/.*", existing_aliases("old"))
        documents = [*mixed_corpus(), doc(1, "重复的键保留第一份")]
        assert backend_on(cluster).rebuild(documents) == len(mixed_corpus())
        steps = [(r["method"], r["path"]) for r in cluster.requests]
        assert [method for method, _path in steps[:4]] == ["PUT"] * 4
        created = [path.strip("/") for _method, path in steps[:4]]
        stamp = created[0].rsplit("-", 1)[1]
        assert created == [f"portal-{kind}-{stamp}" for kind in KINDS]
        for request in cluster.requests[:4]:
            assert request["body"]["settings"]["refresh_interval"] == "-1"
            assert request["body"]["mappings"]["dynamic"] == "strict"
            assert "aliases" not in request["body"]
        order = [path for _method, path in steps[4:]]
        assert order == [
            "/_bulk",
            f"/{','.join(created)}/_settings",
            f"/{','.join(created)}/_refresh",
            "/_alias/" + ",".join(ALIASES),
            "/_aliases",
            "/" + ",".join(f"portal-{kind}-old" for kind in sorted(KINDS)),
        ]
        bulk = cluster.made(BULK, "/_bulk")[0]
        # Written to the new indices by name, before any alias points at them.
        assert bulk["params"]["require_alias"] == "false"
        headers = bulk["body"][0::2]
        assert {h["index"]["_index"] for h in headers} == set(created)
        titles = {
            (h["index"]["_index"], h["index"]["_id"]): source["title"]
            for h, source in zip(headers, bulk["body"][1::2], strict=True)
        }
        # Each document once, the first of a repeated key kept.
        assert len(headers) == len(titles) == len(mixed_corpus())
        assert titles[(f"portal-project-{stamp}", "1")] == "幸福里社区养老助餐服务项目"
        settings = cluster.made("PUT", r"/.*/_settings")[0]
        assert settings["body"] == {"index": {"refresh_interval": None}}
        swap = cluster.made("POST", "/_aliases")[0]["body"]["actions"]
        assert swap == alias_actions(
            {f"portal-{kind}": [f"portal-{kind}-old"] for kind in KINDS},
            {f"portal-{kind}": f"portal-{kind}-{stamp}" for kind in KINDS},
        )

    def test_failed_load_deletes_the_new_indices_and_keeps_the_aliases(self, cluster):
        cluster.on(
            BULK,
            r"/_bulk",
            {
                "errors": True,
                "items": [
                    {
                        "index": {
                            "_index": "x",
                            "_id": "1",
                            "status": 400,
                            "error": {"type": "mapper_parsing_exception", "reason": "failed to parse"},
                        }
                    }
                ],
            },
        )
        with pytest.raises(ElasticsearchError, match="mapper_parsing_exception"):
            backend_on(cluster).rebuild(mixed_corpus())
        assert cluster.made("POST", "/_aliases") == []
        created = [r["path"].strip("/") for r in cluster.requests[:4]]
        deleted = cluster.made("DELETE", r"/.*")
        assert [r["path"].strip("/") for r in deleted] == [",".join(created)]

    def test_a_failing_source_leaves_the_old_indices_serving(self, cluster):
        def documents():
            yield doc(1, "儿童托管")
            raise RuntimeError("source failed")

        with pytest.raises(RuntimeError):
            backend_on(cluster).rebuild(documents())
        assert cluster.made("POST", "/_aliases") == []
        assert len(cluster.made("DELETE", r"/.*")) == 1


class TestWrites:
    def test_first_write_creates_an_index_behind_each_alias(self, cluster):
        cluster.on("GET", r"/_alias/.*", {"error": "alias missing", "status": 404}, status=404)
        backend = backend_on(cluster, refresh=True)
        assert backend.index([doc(1, "养老项目"), doc(1, "养老项目（改）"), doc(2, "助餐")]) == 2
        created = cluster.made("PUT", r"/portal-[a-z]+-initial")
        assert [r["path"] for r in created] == [f"/portal-{kind}-initial" for kind in KINDS]
        assert created[0]["body"]["aliases"] == {"portal-project": {}}
        bulk = cluster.made(BULK, "/_bulk")[0]
        assert bulk["params"] == {"refresh": "true", "require_alias": "true"}
        assert bulk["body"][0] == {"index": {"_index": "portal-project", "_id": "1"}}
        # The later of two documents with one key wins.
        assert bulk["body"][1]["title"] == "养老项目（改）"
        assert len(bulk["body"]) == 4
        # Once per process.
        backend.index([doc(3, "托管")])
        assert len(cluster.made("GET", r"/_alias/.*")) == 1

    def test_writes_to_existing_aliases_create_nothing(self, cluster):
        cluster.on("GET", r"/_alias/.*", existing_aliases())
        backend = backend_on(cluster)
        backend.index([doc(1, "养老项目")])
        assert cluster.made("PUT", r"/portal-.*") == []
        assert cluster.made(BULK, "/_bulk")[0]["params"]["refresh"] == "wait_for"

    def test_only_the_last_chunk_waits_for_the_refresh(self, cluster, monkeypatch):
        cluster.on("GET", r"/_alias/.*", existing_aliases())
        monkeypatch.setattr(elastic, "BULK_CHUNK", 2)
        backend_on(cluster).index([doc(i, f"养老{i}") for i in range(1, 6)])
        assert [r["params"]["refresh"] for r in cluster.made(BULK, "/_bulk")] == [
            "false",
            "false",
            "wait_for",
        ]

    def test_a_missing_alias_is_an_error_then_created_again(self, cluster):
        cluster.on("GET", r"/_alias/.*", existing_aliases())
        backend = backend_on(cluster)
        backend.index([doc(1, "养老")])
        missing = {
            "type": "index_not_found_exception",
            "reason": "no such index [portal-page] and [require_alias] request flag is [true]",
        }
        cluster.on(BULK, r"/_bulk", {"errors": True, "items": [{"index": {"status": 404, "error": missing}}]})
        with pytest.raises(ElasticsearchError, match="require_alias"):
            backend.index([doc(1, "资讯", kind="page")])
        cluster.on("GET", r"/_alias/.*", {"error": "alias [portal-page] missing", "status": 404}, status=404)
        cluster.on(BULK, r"/_bulk", bulk_ok)
        backend.index([doc(1, "资讯", kind="page")])
        assert [r["path"] for r in cluster.made("PUT", r"/portal-.*")][-1] == "/portal-page-initial"

    def test_remove_ignores_documents_already_gone(self, cluster):
        cluster.on("GET", r"/_alias/.*", existing_aliases())
        cluster.on(
            BULK,
            r"/_bulk",
            {
                "errors": True,
                "items": [
                    {"delete": {"_index": "portal-project-1", "_id": "2", "status": 200}},
                    {
                        "delete": {
                            "_index": "portal-project-1",
                            "_id": "99",
                            "status": 404,
                            "result": "not_found",
                        }
                    },
                ],
            },
        )
        backend = backend_on(cluster)
        backend.remove("project", [2, 99])
        assert cluster.made(BULK, "/_bulk")[0]["body"] == [
            {"delete": {"_index": "portal-project", "_id": "2"}},
            {"delete": {"_index": "portal-project", "_id": "99"}},
        ]
        backend.remove("project", [])
        assert len(cluster.made(BULK, "/_bulk")) == 1
        with pytest.raises(ValueError):
            backend.remove("bid", [1])


class TestReads:
    def test_search_is_one_request_over_the_four_aliases(self, cluster):
        original = mixed_corpus()[0]
        cluster.on("POST", r"/.*/_search", search_answer([raw_hit(original, 4.0)], 5, FACET_AGGS))
        results = backend_on(cluster).search(SearchQuery(text="养老", kind="project"))
        [request] = cluster.requests
        assert request["path"] == "/" + ",".join(ALIASES) + "/_search"
        assert request["params"] == {
            "search_type": "dfs_query_then_fetch",
            "ignore_unavailable": "true",
            "allow_no_indices": "true",
        }
        assert request["body"] == json.loads(
            json.dumps(
                search_request(SearchQuery(text="养老", kind="project"), text.query_terms("养老")).to_dict()
            )
        )
        assert results.total == 5
        assert results.hits[0].document == original
        assert results.suggestions == []
        assert results.terms == ["养老"]

    def test_common_words_are_left_out_of_the_match_and_the_highlight(self, cluster):
        original = doc(20, "河西社工服务社", "开展青少年成长和社区矫正社会工作")
        frequencies = {
            "hits": {"total": {"value": 11, "relation": "eq"}, "hits": []},
            "aggregations": {
                "words": {
                    "buckets": {
                        "社区": {"doc_count": 11},
                        "矫正": {"doc_count": 1},
                        "社区矫正": {"doc_count": 1},
                    }
                }
            },
        }
        answers = iter([frequencies, search_answer([raw_hit(original, 2.0)], 3, FACET_AGGS)])
        cluster.on("POST", r"/.*/_search", lambda request: next(answers))
        results = backend_on(cluster).search(SearchQuery(text="社区矫正"))
        asked, searched = cluster.requests
        assert set(asked["body"]["aggs"]["words"]["filters"]["filters"]) == {"社区", "矫正", "社区矫正"}
        queries = [clause["query"] for clause in find(searched["body"]["query"], "multi_match")]
        assert "社区" not in queries
        assert all("社区" not in query.split() for query in queries)
        assert "社区矫正" in queries
        # What was typed is reported; what was searched is marked.
        assert set(results.terms) == {"社区", "矫正", "社区矫正"}
        assert results.hits[0].excerpt_html == "开展青少年成长和<mark>社区矫正</mark>社会工作"

    def test_few_results_ask_for_suggestions(self, cluster):
        answers = iter(
            [
                search_answer([], 0, FACET_AGGS),
                {"aggregations": {"candidates": {"buckets": [{"key": "养老 yanglao", "doc_count": 2}]}}},
            ]
        )
        cluster.on("POST", r"/.*/_search", lambda request: next(answers))
        results = backend_on(cluster).search(SearchQuery(text="养佬"))
        assert results.suggestions == ["养老"]
        second = cluster.requests[1]
        assert "search_type" not in second["params"]
        assert second["body"]["aggs"]["candidates"]["terms"]["include"] == "[^ ]* yanglao|养.*"

    def test_browse_suggests_popular_words_from_the_same_request(self, cluster):
        aggregations = {**FACET_AGGS, "popular": {"buckets": [{"key": "养老", "doc_count": 3}]}}
        cluster.on("POST", r"/.*/_search", search_answer([], 0, aggregations))
        results = backend_on(cluster).search(SearchQuery())
        assert len(cluster.requests) == 1
        assert results.suggestions == ["养老"]

    def test_punctuation_only_query_does_not_search(self, cluster):
        cluster.on("POST", r"/.*/_search", {"aggregations": {"popular": {"buckets": []}}})
        results = backend_on(cluster).search(SearchQuery(text="!!!"))
        assert results.total == 0
        assert [set(r["body"]["aggs"]) for r in cluster.requests] == [{"popular"}]

    def test_suggest(self, cluster):
        cluster.on(
            "POST",
            r"/.*/_search",
            {
                "suggest": {
                    "titles": [
                        {
                            "text": "yanglao",
                            "options": [{"text": "yanglao", "_source": {"title": "居家养老上门服务"}}],
                        }
                    ]
                }
            },
        )
        backend = backend_on(cluster)
        assert backend.suggest("Yang lao", limit=3) == ["居家养老上门服务"]
        assert cluster.requests[0]["body"]["suggest"]["titles"]["prefix"] == "yanglao"
        assert backend.suggest("！！") == []
        assert len(cluster.requests) == 1

    def test_count(self, cluster):
        cluster.on("GET|POST", r"/.*/_count", {"count": 7})
        assert backend_on(cluster).count() == 7
        assert cluster.requests[0]["path"] == "/" + ",".join(ALIASES) + "/_count"


class TestErrors:
    def test_refusals_raise_a_clear_error(self, cluster):
        cluster.on(
            "POST",
            r"/.*/_search",
            {
                "error": {"type": "search_phase_execution_exception", "reason": "all shards failed"},
                "status": 503,
            },
            status=503,
        )
        with pytest.raises(ElasticsearchError, match="failed to search"):
            backend_on(cluster).search(SearchQuery(text="养老"))

    def test_unreachable_cluster_is_named_without_its_password(self):
        backend = ElasticsearchBackend(url="http://portal:s3cret@127.0.0.1:9", timeout=0.5)
        with pytest.raises(ElasticsearchError) as raised:
            backend.count()
        assert "127.0.0.1:9" in str(raised.value)
        assert "s3cret" not in str(raised.value)

    def test_needs_a_url(self, settings):
        settings.ELASTICSEARCH_URL = ""
        from django.core.exceptions import ImproperlyConfigured

        with pytest.raises(ImproperlyConfigured):
            ElasticsearchBackend().count()

    def test_prefix_must_be_an_index_name(self):
        from django.core.exceptions import ImproperlyConfigured

        with pytest.raises(ImproperlyConfigured):
            ElasticsearchBackend(url="http://es.test:9200", prefix="my index*")

    def test_prefix_from_settings(self, settings):
        settings.ELASTICSEARCH_INDEX_PREFIX = "Staging"
        backend = ElasticsearchBackend(url="http://es.test:9200")
        assert backend.aliases == [f"staging-{kind}" for kind in KINDS]
