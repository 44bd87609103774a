"""The Elasticsearch backend, through ``elasticsearch.dsl``: the same contract as the database
backend (tests/search/contract.py), on a cluster with no plugins.

Indices. One index per kind, named ``<prefix>-<kind>-<stamp>`` and read and written through the
alias ``<prefix>-<kind>``. ``rebuild`` fills four new indices, then moves the four aliases to them
in one ``update_aliases`` call and only then deletes the old ones, so a search always sees a
whole index. The first write to an empty cluster creates ``<prefix>-<kind>-initial`` behind each
alias (a fixed name, so two processes starting at once cannot create two indices behind one
alias). Every write names the alias with ``require_alias``: a write never auto-creates an index
with guessed mappings, and the mappings are ``dynamic: strict``, so nothing but the fields below
(all made from a SearchDocument) can enter an index.

Chinese without a plugin. Title and body are indexed three ways:
- ``title_words`` / ``body_words``: jieba's search-mode words (``text.segmented``, the very words
  the database backend indexes) under a whitespace + lowercase analyzer; queries are cut the
  same way, so both backends find the same documents for the same words;
- ``title`` / ``body``: the text as written, under the built-in ``cjk`` analyzer (bigrams); each
  query word is also looked for there as a phrase of bigrams, which finds it where jieba cut a
  document otherwise, and Elasticsearch highlights there, in the text a reader sees;
- ``title_pinyin`` / ``body_pinyin``: the pinyin keys of the Chinese words (yanglao), matched as
  terms when the query is typed in pinyin.
``vocabulary`` holds the words of title and body with their pinyin (``养老 yanglao``), counted by
aggregations for misspelling suggestions and for the share of documents a query word is in;
``title_terms`` the title's words (the popular words offered on an empty query); ``suggest`` the
completion inputs: the title from each word on, and the pinyin of each.

Searching is one request over the four aliases (two when the query has several words: the first
counts them, so that a word in most documents is left out beside rarer ones, as the database
backend does): the text query inside a ``function_score`` that multiplies open documents' scores
by ``OPEN_BOOST``; the filters as a ``post_filter`` so that each facet, a ``filter`` aggregation
holding every *other* filter around a ``terms`` aggregation, counts as the database backend does
(standard faceted search). The words searched for, the Chinese words a pinyin query stood for and
whatever Elasticsearch's highlighter marked are marked on the stored title and body with
``text.highlight``, the function the database backend uses, so both give the same HTML.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from html import unescape
from itertools import islice
from urllib.parse import urlsplit, urlunsplit

import jieba
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from elasticsearch import ApiError, BadRequestError, Elasticsearch, TransportError
from elasticsearch.dsl import (
    Boolean,
    Completion,
    Date,
    Document,
    Index,
    Keyword,
    Long,
    MetaField,
    Q,
    Search,
    Text,
    analyzer,
)
from pypinyin import lazy_pinyin

from .. import text
from ..labels import category_label, kind_label, status_facet_label
from ..suggestions import CANDIDATES, SUGGESTIONS, rank, suggestion_keys
from ..types import FACETS, KINDS, FacetValue, Hit, SearchDocument, SearchQuery, SearchResults
from .base import SearchBackend, SearchUnavailable

OPEN_BOOST = 1.5  # as the database backend
TITLE_BOOST = 3
# The cjk bigram fields widen recall; they weigh less than whole words.
CJK_BOOST = 0.5
# A query word found in more than this share of all documents is left out of the match when the
# query has rarer words (as the database backend).
COMMON_SHARE = 0.2
# Fewer matches than this and the page also offers suggestions (as the database backend).
FEW = 3
# The words fields read a long document's first part only, as the database backend does.
BODY_INDEX_LIMIT = 20_000
# Highlighting reads at most this much of a body; longer texts would otherwise fail the request.
HIGHLIGHT_LIMIT = 100_000
EXCERPT = 120  # characters, as the database backend
FACET_SIZE = 500  # more streets or communities than a district has
MAX_WINDOW = 10_000  # Elasticsearch's index.max_result_window
BULK_CHUNK = 500
COMPLETION_INPUT = 50  # the completion field's max_input_length
REBUILD_TIMEOUT = 120  # seconds, for bulk loads and refreshes
# What a SearchDocument holds: all that a search answer reads back from an index.
FIELDS = tuple(f.name for f in fields(SearchDocument))
# The field each facet counts and filters on.
FACET_FIELDS = {
    "kind": "kind",
    "street": "street_id",
    "community": "community_id",
    "category": "category",
    "status": "status",
}
MAX_WORD = 100
DIGITS = re.compile(r"^[\d.]+$")
# Whitespace, and the control characters a completion input may not hold.
SPACE = re.compile(r"[\s\x00-\x1f]+")
NOT_PINYIN = re.compile(r"[^a-z0-9]")
MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

WORDS = analyzer("portal_words", tokenizer="whitespace", filter=["lowercase"])
COMPLETE = analyzer("portal_complete", tokenizer="keyword", filter=["lowercase"])


class ElasticsearchError(SearchUnavailable):
    """Elasticsearch could not be reached or refused a request. Visitors read the Chinese
    "unavailable" message; ``str()`` (what the log shows) holds the technical detail."""

    def __init__(self, detail: str):
        super().__init__()
        self.detail = detail

    def __str__(self) -> str:
        return self.detail


class SearchDoc(Document):
    """The mapping every kind's index shares."""

    kind = Keyword()
    object_id = Long()
    title = Text(analyzer="cjk")
    body = Text(analyzer="cjk")
    url = Keyword(index=False, doc_values=False)
    street_id = Long()
    street = Keyword()
    community_id = Long()
    community = Keyword()
    category = Keyword()
    status = Keyword()
    open = Boolean()
    date = Date()
    title_words = Text(analyzer=WORDS)
    body_words = Text(analyzer=WORDS)
    title_pinyin = Keyword()
    body_pinyin = Keyword()
    vocabulary = Keyword()
    title_terms = Keyword()
    suggest = Completion(analyzer=COMPLETE, max_input_length=COMPLETION_INPUT)

    class Meta:
        dynamic = MetaField("strict")


# --- indices and aliases ------------------------------------------------------------------------
def alias_name(prefix: str, kind: str) -> str:
    return f"{prefix}-{kind}"


def index_name(prefix: str, kind: str, stamp: str) -> str:
    return f"{prefix}-{kind}-{stamp}"


def new_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")


def index_definition(name: str) -> Index:
    index = Index(name)
    index.settings(number_of_shards=1)
    index.document(SearchDoc)
    return index


def index_body(name: str, *, alias: str | None = None, loading: bool = False) -> dict:
    """What ``indices.create`` receives: settings with the analyzers, the strict mapping and, for
    an index created empty behind its alias, the alias. An index being bulk-loaded is created
    without refreshes (``rebuild`` turns them back on before the swap)."""
    body = index_definition(name).to_dict()
    if loading:
        body["settings"]["refresh_interval"] = "-1"
    if alias:
        body["aliases"] = {alias: {}}
    return body


def alias_actions(current: dict[str, list[str]], fresh: dict[str, str]) -> list[dict]:
    """The one ``update_aliases`` call that moves each alias from the indices behind it now
    (``current``: alias → indices) to its new index (``fresh``: alias → index); Elasticsearch
    applies the list atomically."""
    actions = []
    for alias, index in fresh.items():
        for old in current.get(alias, []):
            if old != index:
                actions.append({"remove": {"index": old, "alias": alias}})
        actions.append({"add": {"index": index, "alias": alias}})
    return actions


def aliases_from_response(response: dict) -> dict[str, list[str]]:
    """alias → indices, from a ``get_alias`` answer (which may also carry an error and a status
    when some of the aliases asked for do not exist)."""
    found = defaultdict(list)
    for index, entry in response.items():
        if isinstance(entry, dict):
            for alias in entry.get("aliases", {}):
                found[alias].append(index)
    return {alias: sorted(indices) for alias, indices in found.items()}


# --- documents ---------------------------------------------------------------------------------
def vocabulary_words(words: Iterable[str]) -> set[str]:
    """The words that count in the vocabulary, as in the database backend: two characters or
    more, not numbers."""
    return {w for w in words if 2 <= len(w) <= MAX_WORD and not DIGITS.match(w)}


def vocabulary_entry(word: str) -> str:
    """A word as the ``vocabulary`` field holds it, with its pinyin key: ``养老 yanglao``."""
    key = text.pinyin_key(word)
    return f"{word} {key}" if key else word


def _syllables(normal: str) -> list[str]:
    """One pinyin syllable (or the character itself) per character of ``normal``, read with the
    context of the whole text (重阳 chong yang, 银行 yin hang)."""
    syllables = lazy_pinyin(normal, errors=list)
    if len(syllables) == len(normal):
        return syllables
    return ["".join(lazy_pinyin(c, errors=list)) for c in normal]  # character by character


def completion_inputs(title: str) -> list[str]:
    """What a typed prefix completes: the title from each of its words on, without spaces (养老助
    finds 幸福里社区养老助餐服务 through 养老助餐服务), and each such suffix in pinyin."""
    text.initialize()  # jieba with the domain's words, as text.segment cuts
    normal = text.normalize(title)
    starts = sorted(
        {start for word, start, _end in jieba.tokenize(normal, mode="search") if text.WORD.search(word)}
    )
    syllables = _syllables(normal) if text.CJK.search(normal) else []
    inputs: dict[str, None] = {}
    for start in starts:
        suffix = SPACE.sub("", normal[start:])[:COMPLETION_INPUT]
        if suffix:
            inputs.setdefault(suffix, None)
        if text.CJK.match(normal[start]):
            key = NOT_PINYIN.sub("", "".join(syllables[start : start + COMPLETION_INPUT]).lower())
            if key:
                inputs.setdefault(key[:COMPLETION_INPUT], None)
    return list(inputs)


def document_source(doc: SearchDocument) -> dict:
    """The indexed form of a document: its own fields, and the words, pinyin, vocabulary and
    completion inputs derived from its title, body and place names, nothing else."""
    body = (doc.body or "")[:BODY_INDEX_LIMIT]
    places = " ".join(p for p in (doc.street, doc.community) if p)
    searchable = f"{body}\n{places}"
    title_words = text.segment(doc.title)
    body_words = text.segment(searchable)
    inputs = completion_inputs(doc.title)
    return {
        "kind": doc.kind,
        "object_id": doc.object_id,
        "title": doc.title,
        "body": doc.body,
        "url": doc.url,
        "street_id": doc.street_id,
        "street": doc.street,
        "community_id": doc.community_id,
        "community": doc.community,
        "category": doc.category,
        "status": doc.status,
        "open": bool(doc.open),
        "date": doc.date.isoformat() if doc.date else None,
        "title_words": " ".join(title_words),
        "body_words": " ".join(body_words),
        "title_pinyin": text.pinyin_keys(doc.title),
        "body_pinyin": text.pinyin_keys(searchable),
        "vocabulary": sorted(vocabulary_entry(w) for w in vocabulary_words([*title_words, *body_words])),
        "title_terms": sorted(vocabulary_words(title_words)),
        "suggest": {"input": inputs, "weight": 2 if doc.open else 1} if inputs else None,
    }


def document_from_source(source: dict) -> SearchDocument:
    values = {name: source.get(name) for name in FIELDS}
    for name in ("title", "body", "url", "street", "community", "category", "status"):
        values[name] = values[name] or ""
    values["open"] = bool(values["open"])
    if values["date"]:
        values["date"] = datetime.fromisoformat(values["date"])
    return SearchDocument(**values)


def bulk_actions(documents: Iterable[SearchDocument], target: Callable[[str], str]) -> Iterator[dict]:
    """Bulk ``index`` operations (header, then source) into ``target(kind)``, by object id."""
    for doc in documents:
        if doc.kind not in KINDS:
            raise ValueError(f"unknown search kind {doc.kind!r}")
        yield {"index": {"_index": target(doc.kind), "_id": str(doc.object_id)}}
        yield document_source(doc)


def _batched(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


# --- queries -----------------------------------------------------------------------------------
def _filters(query: SearchQuery) -> dict[str, Q]:
    wanted = {
        "kind": query.kind,
        "street": query.street_id,
        "community": query.community_id,
        "category": query.category,
        "status": query.status,
    }
    return {
        facet: Q("term", **{FACET_FIELDS[facet]: value})
        for facet, value in wanted.items()
        if value not in (None, "")
    }


def _all_of(clauses: list[Q]) -> Q:
    return Q("bool", filter=clauses) if clauses else Q("match_all")


def text_query(terms: text.QueryTerms | None) -> Q:
    """Any of the words (more of them, and in the title, rank higher); each word also as a
    phrase of cjk bigrams, which finds it inside text that jieba cut otherwise without letting a
    common two characters of it (社区 in 社区矫正) match on their own; the pinyin key as a term
    when the query was typed in pinyin. ``None``: no text, everything matches."""
    if terms is None:
        return Q("match_all")
    should = []
    if terms.words:
        should.append(
            Q(
                "multi_match",
                query=" ".join(terms.words),
                fields=[f"title_words^{TITLE_BOOST}", "body_words"],
                type="best_fields",
                tie_breaker=0.3,
            )
        )
    for word in terms.words:
        should.append(
            Q(
                "multi_match",
                query=word,
                fields=[f"title^{TITLE_BOOST}", "body"],
                type="phrase",
                boost=CJK_BOOST,
            )
        )
    if terms.pinyin:
        should.append(Q("term", title_pinyin={"value": terms.pinyin, "boost": 2.0}))
        should.append(Q("term", body_pinyin={"value": terms.pinyin, "boost": 0.5}))
    return Q("bool", should=should, minimum_should_match=1)


def frequency_request(words: Iterable[str]) -> Search:
    """How many documents hold each word (in title or body), and how many there are."""
    s = Search().extra(size=0, track_total_hits=True)
    filters = {word: Q("term", vocabulary=vocabulary_entry(word)) for word in words}
    s.aggs.bucket("words", "filters", filters=filters)
    return s


def specific_words(words: list[str], response: dict) -> list[str]:
    """The database backend's rule: when the query holds a word found in at most
    ``COMMON_SHARE`` of the documents, the words found in more are left out of the match (社区
    is in nearly every document and would match them all). A word alone, or with nothing
    rarer, is searched for as it is."""
    total = response.get("hits", {}).get("total", {}).get("value", 0)
    buckets = response.get("aggregations", {}).get("words", {}).get("buckets", {})
    frequency = {word: bucket.get("doc_count", 0) for word, bucket in buckets.items()}
    common = COMMON_SHARE * total
    if any(0 < frequency.get(w, 0) <= common for w in words):
        return [w for w in words if frequency.get(w, 0) <= common]
    return words


def boosted(query: Q) -> Q:
    return Q(
        "function_score",
        query=query,
        functions=[{"filter": Q("term", open=True), "weight": OPEN_BOOST}],
        score_mode="multiply",
        boost_mode="multiply",
    )


def search_request(query: SearchQuery, terms: text.QueryTerms | None) -> Search:
    """The body of one search: ``terms`` is None for a query without text (browse)."""
    filters = _filters(query)
    s = Search().query(boosted(text_query(terms)))
    if filters:
        s = s.post_filter(_all_of(list(filters.values())))
    for facet in FACETS:
        field = FACET_FIELDS[facet]
        others = _all_of([clause for name, clause in filters.items() if name != facet])
        bucket = s.aggs.bucket(facet, "filter", filter=others)
        if facet in ("street", "community"):
            values = bucket.bucket("values", "terms", field=field, size=FACET_SIZE)
            values.bucket("label", "terms", field=facet, size=1)
        elif facet == "status":
            values = bucket.bucket("values", "terms", field=field, size=FACET_SIZE, exclude=[""])
            values.bucket("kinds", "terms", field="kind", size=len(KINDS))
        else:
            bucket.bucket("values", "terms", field=field, size=FACET_SIZE, exclude=[""])
    browse = [{"open": "desc"}, {"date": {"order": "desc", "missing": "_last"}}, {"object_id": "desc"}]
    if terms is None:
        s = s.sort(*browse)
        s.aggs.bucket("popular", popular_agg())
    else:
        s = s.sort("_score", *browse)
        s = s.highlight_options(
            pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html", max_analyzed_offset=HIGHLIGHT_LIMIT
        )
        s = s.highlight("title", number_of_fragments=0)
        s = s.highlight("body", fragment_size=EXCERPT, number_of_fragments=3)
    page = max(1, int(query.page or 1))
    offset = (page - 1) * query.page_size
    size = query.page_size if offset + query.page_size <= MAX_WINDOW else 0
    return s.source(list(FIELDS)).extra(from_=offset if size else 0, size=size, track_total_hits=True)


def popular_agg() -> dict:
    """The commonest title words. A generous shard_size keeps the counts exact across the four
    indices."""
    return {"terms": {"field": "title_terms", "size": SUGGESTIONS, "shard_size": 100}}


def _regex(literal: str) -> str:
    """``literal`` escaped for Lucene's regular expressions (terms aggregation ``include``)."""
    return "".join(c if c.isalnum() else "\\" + c for c in literal)


def suggestion_request(keys: set[str], firsts: set[str], pinyin: str) -> Search:
    """Vocabulary words that sound like the query (same pinyin key), begin with the same
    character, or, for a pinyin query, begin with the same two letters; most frequent first.
    With the most frequent words overall for when nothing is close."""
    patterns = [f"[^ ]* {_regex(key)}" for key in sorted(keys)]
    patterns += [f"{_regex(first)}.*" for first in sorted(firsts)]
    if pinyin:
        patterns.append(f"[^ ]* {_regex(pinyin[:2])}[^ ]*")
    s = Search().extra(size=0)
    if patterns:
        s.aggs.bucket(
            "candidates",
            "terms",
            field="vocabulary",
            size=CANDIDATES,
            shard_size=CANDIDATES * 2,
            include="|".join(patterns),
        )
    s.aggs.bucket("popular", popular_agg())
    return s


def completion_prefix(typed: str) -> str:
    typed = SPACE.sub("", text.normalize(typed))
    return typed.replace("'", "") if text.PINYIN_QUERY.match(typed) else typed


def completion_request(prefix: str, limit: int) -> Search:
    # Several inputs of one title can match; ask for more than needed and keep each title once.
    s = Search().source(["title"]).extra(size=0)
    return s.suggest("titles", prefix, completion={"field": "suggest", "size": limit * 3})


# --- reading answers ----------------------------------------------------------------------------
def _word(entry: str) -> tuple[str, str]:
    word, _, key = entry.partition(" ")
    return word, key


def read_facets(aggregations: dict) -> dict[str, list[FacetValue]]:
    facets = {}
    for facet in FACETS:
        buckets = aggregations.get(facet, {}).get("values", {}).get("buckets", [])
        values = []
        for bucket in buckets:
            value = bucket["key"]
            if facet == "kind":
                label = kind_label(value)
            elif facet in ("street", "community"):
                names = bucket.get("label", {}).get("buckets", [])
                label = (names[0]["key"] if names else "") or str(value)
            elif facet == "category":
                label = category_label(value)
            else:
                kinds = [b["key"] for b in bucket.get("kinds", {}).get("buckets", [])]
                label = status_facet_label(value, kinds)
            values.append(FacetValue(str(value), label, bucket["doc_count"]))
        if facet == "kind":
            values.sort(key=lambda fv: KINDS.index(fv.value) if fv.value in KINDS else len(KINDS))
        else:
            values.sort(key=lambda fv: (-fv.count, fv.label))
        facets[facet] = values
    return facets


def pinyin_words(document: SearchDocument, key: str) -> list[str]:
    """The Chinese words of a document that a pinyin query matched (yanglao → 养老)."""
    found = text.segment(f"{document.title}\n{document.body[:BODY_INDEX_LIMIT]}")
    return list(dict.fromkeys(w for w in found if len(w) > 1 and text.pinyin_key(w) == key))


def marked_words(fragments: Iterable[str]) -> list[str]:
    """The words Elasticsearch's highlighter marked, as plain text."""
    return [text.normalize(unescape(m)) for fragment in fragments for m in MARK.findall(fragment)]


def read_hit(raw: dict, terms: text.QueryTerms | None) -> Hit:
    """A hit with the words it was matched on marked, by the function the database backend
    uses: the words searched for, the Chinese words a pinyin query stood for, and whatever else
    Elasticsearch's highlighter marked."""
    document = document_from_source(raw["_source"])
    words = list(terms.words) if terms else []
    if terms and terms.pinyin:
        words += pinyin_words(document, terms.pinyin)
    highlight = raw.get("highlight", {})
    words += marked_words([*highlight.get("title", []), *highlight.get("body", [])])
    return Hit(
        document=document,
        score=float(raw.get("_score") or 0),
        title_html=text.highlight(document.title, words),
        excerpt_html=text.highlight(document.body, words, limit=EXCERPT),
    )


def read_results(
    query: SearchQuery, terms: text.QueryTerms | None, response: dict, *, typed: list[str] = ()
) -> SearchResults:
    """One page of results from a search answer; ``terms`` are what was searched for, ``typed``
    the words of the query as typed (what ``results.terms`` reports, with the Chinese words a
    pinyin query was found as)."""
    hits = response.get("hits", {})
    total = hits.get("total", {})
    results = SearchResults(
        query=query,
        total=int(total.get("value", 0) if isinstance(total, dict) else total or 0),
        hits=[read_hit(raw, terms) for raw in hits.get("hits", [])],
        facets=read_facets(response.get("aggregations", {})),
        terms=list(typed),
    )
    if terms and terms.pinyin:
        found = [w for hit in results.hits for w in pinyin_words(hit.document, terms.pinyin)]
        results.terms = list(dict.fromkeys([*found, *typed]))
    return results


def popular_words(aggregations: dict) -> list[str]:
    buckets = aggregations.get("popular", {}).get("buckets", [])
    return [word for _n, word in sorted((-b["doc_count"], b["key"]) for b in buckets)][:SUGGESTIONS]


def rank_suggestions(typed: str, terms: text.QueryTerms, aggregations: dict, total: int) -> list[str]:
    """The database backend's ranking (``search.suggestions``) over the candidates Elasticsearch
    counted; with nothing close and nothing found, the most frequent words."""
    candidates = []
    for bucket in aggregations.get("candidates", {}).get("buckets", []):
        word, pinyin = _word(bucket["key"])
        candidates.append((word, pinyin, bucket["doc_count"]))
    suggestions = rank(typed, terms, candidates)
    if not suggestions and total == 0:
        suggestions = popular_words(aggregations)
    return suggestions


def read_completions(response: dict, limit: int) -> list[str]:
    titles: dict[str, None] = {}
    for entry in response.get("suggest", {}).get("titles", []):
        for option in entry.get("options", []):
            title = option.get("_source", {}).get("title")
            if title:
                titles.setdefault(title, None)
    return list(titles)[:limit]


def safe_url(url: str) -> str:
    """``url`` without a user name or password, for messages."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        parts = parts._replace(netloc=host)
    return urlunsplit(parts)


# --- the backend -------------------------------------------------------------------------------
class ElasticsearchBackend(SearchBackend):
    """Search in Elasticsearch (8.x), one index per kind behind an alias.

    ``refresh`` is passed with every write: ``"wait_for"`` (the default) returns once the change
    is searchable, so a page reloaded after an edit shows it; tests pass ``True``."""

    name = "elasticsearch"

    def __init__(
        self,
        *,
        url: str | None = None,
        prefix: str | None = None,
        timeout: float | None = None,
        client: Elasticsearch | None = None,
        refresh: bool | str = "wait_for",
    ):
        self.url = url if url is not None else getattr(settings, "ELASTICSEARCH_URL", "")
        self.prefix = (prefix or getattr(settings, "ELASTICSEARCH_INDEX_PREFIX", "") or "portal").lower()
        if not PREFIX.match(self.prefix):
            raise ImproperlyConfigured(
                f"ELASTICSEARCH_INDEX_PREFIX {self.prefix!r} is not a valid index name"
            )
        self.timeout = timeout if timeout is not None else getattr(settings, "ELASTICSEARCH_TIMEOUT", 5)
        self.refresh = refresh
        self._client = client
        self._ready = False

    @property
    def client(self) -> Elasticsearch:
        if self._client is None:
            if not self.url:
                raise ImproperlyConfigured("The Elasticsearch search backend needs ELASTICSEARCH_URL")
            self._client = Elasticsearch(
                self.url, request_timeout=self.timeout, max_retries=1, retry_on_timeout=False
            )
        return self._client

    @property
    def aliases(self) -> list[str]:
        return [alias_name(self.prefix, kind) for kind in KINDS]

    def alias(self, kind: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown search kind {kind!r}")
        return alias_name(self.prefix, kind)

    @contextmanager
    def _errors(self, doing: str):
        try:
            yield
        except (ApiError, TransportError) as exc:
            raise ElasticsearchError(
                f"Elasticsearch at {safe_url(self.url)} failed to {doing}: {exc}"
            ) from exc

    # --- indices ---------------------------------------------------------------------------
    def _alias_targets(self) -> dict[str, list[str]]:
        response = self.client.options(ignore_status=404).indices.get_alias(name=",".join(self.aliases))
        return aliases_from_response(response.body)

    def _ensure_indices(self) -> None:
        """Create an empty index behind each missing alias (once per process)."""
        if self._ready:
            return
        with self._errors("create the indices"):
            current = self._alias_targets()
            for kind in KINDS:
                alias = self.alias(kind)
                if current.get(alias):
                    continue
                name = index_name(self.prefix, kind, "initial")
                try:
                    self.client.indices.create(index=name, **index_body(name, alias=alias))
                except BadRequestError as exc:
                    # Another process created it first: the fixed name makes that harmless.
                    if exc.error != "resource_already_exists_exception":
                        raise
        self._ready = True

    def _bulk(self, operations: list[dict], *, refresh=False, to_alias: bool = True, timeout=None) -> None:
        client = self.client.options(request_timeout=timeout) if timeout else self.client
        response = client.bulk(operations=operations, refresh=refresh, require_alias=to_alias)
        if not response.get("errors"):
            return
        failures = [
            result
            for item in response["items"]
            for op, result in item.items()
            if result.get("status", 500) >= 300 and not (op == "delete" and result.get("status") == 404)
        ]
        if failures:
            reason = failures[0].get("error", {})
            if isinstance(reason, dict):
                if reason.get("type") == "index_not_found_exception":
                    # An index was deleted behind our back: the next write creates it again.
                    self._ready = False
                reason = f"{reason.get('type', '')}: {reason.get('reason', '')}"
            raise ElasticsearchError(
                f"Elasticsearch at {safe_url(self.url)} refused {len(failures)} document(s): {reason}"
            )

    # --- writing ---------------------------------------------------------------------------
    def index(self, documents: Iterable[SearchDocument]) -> int:
        latest = {doc.key: doc for doc in documents}
        if not latest:
            return 0
        self._ensure_indices()
        chunks = list(_batched(bulk_actions(latest.values(), self.alias), BULK_CHUNK * 2))
        with self._errors("index documents"):
            for position, chunk in enumerate(chunks, 1):
                # Refreshing once, with the last chunk, makes all of them searchable.
                self._bulk(chunk, refresh=self.refresh if position == len(chunks) else False)
        return len(latest)

    def remove(self, kind: str, object_ids: Iterable[int]) -> None:
        alias = self.alias(kind)
        operations = [{"delete": {"_index": alias, "_id": str(int(i))}} for i in object_ids]
        if not operations:
            return
        self._ensure_indices()
        chunks = list(_batched(operations, BULK_CHUNK))
        with self._errors("remove documents"):
            for position, chunk in enumerate(chunks, 1):
                self._bulk(chunk, refresh=self.refresh if position == len(chunks) else False)

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        """Fill new indices, then swap every alias to them in one atomic call and delete the old
        indices. A failure before the swap deletes the new indices and leaves the old ones
        serving. A key given twice keeps its first document. A change indexed while a rebuild
        runs goes to the old index and is lost with it unless the rebuild's source read it."""
        stamp = new_stamp()
        fresh = {self.alias(kind): index_name(self.prefix, kind, stamp) for kind in KINDS}
        by_kind = {kind: fresh[self.alias(kind)] for kind in KINDS}
        seen: set[str] = set()

        def first_of_each() -> Iterator[SearchDocument]:
            for doc in documents:
                if doc.key not in seen:
                    seen.add(doc.key)
                    yield doc

        with self._errors("rebuild the index"):
            for name in fresh.values():
                self.client.indices.create(index=name, **index_body(name, loading=True))
            try:
                for chunk in _batched(bulk_actions(first_of_each(), by_kind.__getitem__), BULK_CHUNK * 2):
                    # The new indices have no alias yet: writes name them directly.
                    self._bulk(chunk, to_alias=False, timeout=REBUILD_TIMEOUT)
                names = ",".join(fresh.values())
                slow = self.client.options(request_timeout=REBUILD_TIMEOUT)
                slow.indices.put_settings(index=names, settings={"index": {"refresh_interval": None}})
                slow.indices.refresh(index=names)
                current = self._alias_targets()
                self.client.indices.update_aliases(actions=alias_actions(current, fresh))
            except BaseException:
                self.client.options(ignore_status=404).indices.delete(index=",".join(fresh.values()))
                raise
            old = sorted({index for indices in current.values() for index in indices} - set(fresh.values()))
            if old:
                self.client.options(ignore_status=404).indices.delete(index=",".join(old))
        self._ready = True
        return len(seen)

    # --- reading ---------------------------------------------------------------------------
    def _search(self, body: dict, **params) -> dict:
        response = self.client.search(
            index=",".join(self.aliases), body=body, ignore_unavailable=True, allow_no_indices=True, **params
        )
        return response.body

    def count(self) -> int:
        with self._errors("count documents"):
            response = self.client.count(
                index=",".join(self.aliases), ignore_unavailable=True, allow_no_indices=True
            )
        return int(response["count"])

    def search(self, query: SearchQuery) -> SearchResults:
        terms = text.query_terms(query.text)
        has_text = bool(text.normalize(query.text).strip())
        with self._errors("search"):
            if has_text and not terms:  # only punctuation or stop words: nothing to look for
                results = SearchResults(query=query, total=0, hits=[], terms=[])
                results.facets = {facet: [] for facet in FACETS}
                results.suggestions = popular_words(self._popular_aggs())
                return results
            searched = None
            if has_text:
                searched = text.QueryTerms(words=self._specific(terms.words), pinyin=terms.pinyin)
            request = search_request(query, searched)
            # Scores from the four indices are compared: score with their joint term statistics.
            response = self._search(request.to_dict(), search_type="dfs_query_then_fetch")
            results = read_results(query, searched, response, typed=terms.words)
            if not has_text:
                results.suggestions = popular_words(response.get("aggregations", {}))
            elif results.total < FEW:
                _chinese, keys, firsts = suggestion_keys(query.text, terms)
                request = suggestion_request(keys, firsts, terms.pinyin)
                aggregations = self._search(request.to_dict()).get("aggregations", {})
                results.suggestions = rank_suggestions(query.text, terms, aggregations, results.total)
        return results

    def _specific(self, words: list[str]) -> list[str]:
        """``words`` without the common ones when rarer ones are there (``specific_words``); a
        request is spent only when there are two words or more that could differ."""
        if len(vocabulary_words(words)) < 2:
            return list(words)
        return specific_words(words, self._search(frequency_request(words).to_dict()))

    def _popular_aggs(self) -> dict:
        s = Search().extra(size=0)
        s.aggs.bucket("popular", popular_agg())
        return self._search(s.to_dict()).get("aggregations", {})

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        typed = completion_prefix(prefix)
        if not typed or not text.WORD.search(typed):
            return []
        with self._errors("suggest"):
            response = self._search(completion_request(typed, limit).to_dict())
        return read_completions(response, limit)
