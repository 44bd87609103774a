"""The database backend: the embedded default and the fallback when Elasticsearch is not set.

Documents are stored as jieba's search-mode words (``text.segmented``), and a query is cut the
same way, so 捐赠 is found inside 我们欢迎社会各界人士捐赠图书和资金. The full-text index is the
database's own (see ``search/models.py`` and ``search/migrations/0002_fulltext.py``):

- PostgreSQL: a tsvector of those words (title weight A, body B) written as a literal, so jieba is
  the parser and nothing of PostgreSQL's own parser intervenes; a GIN index; the query is a
  tsquery literal, the OR of the quoted words (the user's string never reaches tsquery syntax);
  relevance is ``ts_rank_cd``.
- SQLite: an FTS5 table; the query is the OR of the words as quoted FTS5 strings; relevance is
  ``bm25`` with the title weighing most.

Either relevance is multiplied by ``OPEN_BOOST`` for documents open for bids or sign-ups now.
A query in pinyin is turned into the Chinese words of the index that sound so (the vocabulary,
``SearchTerm``) and searched as those words.

Facets are standard faceted search: each facet counts the documents that match the text and
every filter *except its own*, so choosing a street still shows how many documents the other
streets have. Each entry points to its group (``SearchGroup``: one combination of kind, street,
community, category and status, a number bounded by the places and codes that exist, not by the
documents). One statement reads the text matches once and returns both their counts per group,
folded into facets and the total here, and the page of hit ids; without text the counts are the
groups' own. Then one query reads the page's texts, one before reads the vocabulary, and
suggestions, when due, take one or two more: a constant number of queries whatever the size of
the index.

On PostgreSQL, when the words are in RANK_ALL_BELOW documents or more, only the newest matches
(open first), as many as the pages can show, are ranked (see ``_many_matches``); the facets and
the total still count every match. Measured figures: search/README.md.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.db import connection, transaction
from django.db.models import F, Q

from .. import text
from ..labels import category_label, kind_label, status_facet_label
from ..models import SearchEntry, SearchGroup, SearchTerm, SearchText
from ..suggestions import CANDIDATES, SUGGESTIONS, suggestion_keys
from ..suggestions import rank as rank_suggestions
from ..types import FACETS, KINDS, MAX_PAGE, FacetValue, Hit, SearchDocument, SearchQuery, SearchResults
from .base import SearchBackend

ENTRY = SearchEntry._meta.db_table
GROUP = SearchGroup._meta.db_table
TEXT = SearchText._meta.db_table
FTS = "portal_search_fts"
BATCH = 1000
OPEN_BOOST = 1.5
BOOSTED = f'CASE WHEN e."open" THEN {OPEN_BOOST} ELSE 1 END'
BM25 = f"-bm25({FTS}, 10.0, 3.0)"
# Fewer matches than this and the page also offers suggestions.
FEW = 3
# Chinese words a pinyin key stands for, at most (yanglao → 养老; shiyan → 实验, 试验, 事宴 …).
HOMOPHONES = 8
# Long documents (policy texts) are indexed on their first part only: enough to find them, and
# far below PostgreSQL's tsvector limits (positions up to 16383, 256 per word).
BODY_INDEX_LIMIT = 20_000
MAX_WORD = 100
# A query word found in more than this share of all documents is left out of the match when the
# query has rarer words (see _words).
COMMON_SHARE = 0.2
# The vocabulary's row for the empty word counts the documents themselves.
TOTAL = ""
GROUP_KEY = ("kind", "street_id", "community_id", "category", "status")
TEXT_FIELDS = ("title", "body", "url", "title_tokens", "body_tokens")
BROWSE_ORDER = '"open" DESC, "date" DESC NULLS LAST, id DESC'
# PostgreSQL ranks every match when the words are in fewer documents than this, all told;
# beyond, it ranks the newest matches (open ones first), as many as the pages can show (at least
# RANKED). Reading every matching tsvector to rank tens of thousands of near-equal matches would
# cost more than the rest of the search together and tell the reader little.
RANK_ALL_BELOW = 20_000
RANKED = 1_000
# Words in more than this share of the documents, all told, are a broad query: the matches are
# counted in place (keeping them all in memory would cost more) and the newest are found by
# walking the documents newest first.
BROAD_SHARE = 0.5
NO_TEXT = (
    "CAST(NULL AS TEXT), CAST(NULL AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS BIGINT), "
    "CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)"
)
DIGITS = re.compile(r"^[\d.]+$")


def _batched(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _vocabulary_words(tokens: str) -> set[str]:
    """The words of a token string that go into the vocabulary: two characters or more, not
    numbers."""
    return {w for w in tokens.split() if 2 <= len(w) <= MAX_WORD and not DIGITS.match(w)}


def _quote_lexeme(word: str) -> str:
    """A word as a tsvector / tsquery lexeme literal: quoted, so no character of it is syntax."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _quote_fts(word: str) -> str:
    """A word as an FTS5 string: quoted, so no character or keyword of it is syntax."""
    return '"' + word.replace('"', '""') + '"'


def tsvector_literal(title_tokens: str, body_tokens: str) -> str:
    positions: dict[str, list[str]] = defaultdict(list)
    position = 0
    for weight, tokens in (("A", title_tokens), ("B", body_tokens)):
        for word in tokens.split():
            position = min(position + 1, 16383)
            if len(word) <= MAX_WORD and len(positions[word]) < 256:
                positions[word].append(f"{position}{weight}")
    return " ".join(f"{_quote_lexeme(word)}:{','.join(marks)}" for word, marks in positions.items() if marks)


def _fetch(sql: str, params: list, *, full_text: bool = False) -> list[tuple]:
    """Run one statement. A full-text statement on PostgreSQL is planned as for an index held
    in memory (``random_page_cost`` 1.1, the usual value for SSDs and cached data, for this
    transaction only): with the default 4 the planner reads every row's tsvector in a
    sequential scan rather than follow the GIN index to a tenth of them, two to three times
    slower here. A server already set so is unaffected."""
    if not (full_text and connection.vendor == "postgresql"):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _filters(query: SearchQuery) -> tuple[str, list]:
    where, params = [], []
    for column, value in (
        ("kind", query.kind),
        ("street_id", query.street_id),
        ("community_id", query.community_id),
        ("category", query.category),
        ("status", query.status),
    ):
        if value not in (None, ""):
            where.append(f"g.{column} = %s")
            params.append(value)
    return " AND ".join(where) or "1 = 1", params


def _many_matches(
    tsquery: str, scope: "Scope", counted: str, where: str, params: list, query: SearchQuery, offset: int
) -> tuple[str, list]:
    """The statement of ``_matches`` on PostgreSQL when the words are in RANK_ALL_BELOW
    documents or more: the facets count every match, but only the newest matches passing the
    filters (open first), as many as the pages can show, are ranked. A broad query (words in
    half the documents or more, all told) counts the matches where they lie and finds the
    newest by walking the documents newest first; otherwise the matches are kept (without their
    tsvectors) for both, and the candidates' tsvectors read by id. When a word is in every
    document, so is the match: the facets are the groups' own counts."""
    # The same candidates for every page, so that paging through them is consistent.
    candidates = max(RANKED, MAX_PAGE * query.page_size)
    boosted = BOOSTED.replace("e.", "n.")
    counts = "SELECT group_id, COUNT(*) AS n FROM {source} GROUP BY group_id"
    facets = (
        "SELECT 0, g.kind, g.street_id, g.street, g.community_id, g.community, g.category, g.status, "
        f"c.n, 0.0 FROM ({counts}) c JOIN {GROUP} g ON g.id = c.group_id"
    )
    broad = scope.broad or scope.everything
    if broad:
        newest = (
            f'SELECT e.id, e."open", e."date", e.vector FROM {ENTRY} e JOIN {GROUP} g ON g.id = e.group_id '
            f'WHERE e.vector @@ %s::tsquery AND {where} ORDER BY e."open" DESC, e."date" DESC NULLS LAST, e.id DESC '
            "LIMIT %s"
        )
        head = (
            counted if scope.everything else facets.format(source=f"{ENTRY} e WHERE e.vector @@ %s::tsquery")
        )
    else:
        newest = (
            f'SELECT e.id, e."open", e."date", e.vector FROM (SELECT m.id FROM m JOIN {GROUP} g '
            f'ON g.id = m.group_id WHERE {where} ORDER BY m."open" DESC, m."date" DESC NULLS LAST, m.id DESC '
            f"LIMIT %s) c JOIN {ENTRY} e ON e.id = c.id"
        )
        head = (
            f'WITH m AS MATERIALIZED (SELECT e.id, e.group_id, e."open", e."date" FROM {ENTRY} e '
            f"WHERE e.vector @@ %s::tsquery) {facets.format(source='m')}"
        )
    ranked = (
        f'SELECT n.id, n."open", n."date", ts_rank_cd(n.vector, %s::tsquery) * {boosted} AS score '
        f"FROM ({newest}) n"
    )
    page = (
        f"SELECT * FROM (SELECT 1, {NO_TEXT}, r.id, r.score FROM ({ranked}) r "
        f'ORDER BY r.score DESC, r."open" DESC, r."date" DESC NULLS LAST, r.id DESC LIMIT %s OFFSET %s) AS page'
    )
    head_params = [] if scope.everything else [tsquery]
    newest_params = [tsquery, *params, candidates] if broad else [*params, candidates]
    return f"{head} UNION ALL {page}", [*head_params, tsquery, *newest_params, query.page_size, offset]


@dataclass(frozen=True)
class Scope:
    """How much of the index the words of a query reach, from the vocabulary's counts."""

    estimate: int = 0  # at most this many documents match (the sum over the words)
    broad: bool = False  # the words are in half the documents or more, all told
    everything: bool = False  # one word is in every document: every document matches

    @classmethod
    def of(cls, words: list[str], frequency: dict[str, int]) -> "Scope":
        documents = frequency.get(TOTAL, 0)
        counts = [frequency.get(w, 0) for w in words]
        return cls(
            estimate=sum(counts),
            broad=bool(documents) and sum(counts) >= BROAD_SHARE * documents,
            everything=bool(documents) and any(n >= documents for n in counts),
        )


class DatabaseBackend(SearchBackend):
    """Search in PostgreSQL's full text or SQLite's FTS5, whichever the default database is.

    Writes (index, remove, rebuild) each run in one transaction; the vocabulary counts follow
    them. Two writers indexing the same new document at the same moment may count its words
    twice; ``rebuild`` recounts everything."""

    name = "database"

    # --- writing ---------------------------------------------------------------------------
    def index(self, documents: Iterable[SearchDocument]) -> int:
        latest = {doc.key: doc for doc in documents}
        if not latest:
            return 0
        prepared = [self._prepare(doc) for doc in latest.values()]
        delta_docs: Counter = Counter()
        delta_titles: Counter = Counter()
        delta_groups: Counter = Counter()
        with transaction.atomic():
            for chunk in _batched(prepared, BATCH):
                by_kind = defaultdict(list)
                for entry, _text in chunk:
                    by_kind[entry.kind].append(entry.object_id)
                keys = Q()
                for kind, ids in by_kind.items():
                    keys |= Q(entry__kind=kind, entry__object_id__in=ids)
                old = (
                    SearchText.objects.select_for_update()
                    .filter(keys)
                    .values_list("title_tokens", "body_tokens", "entry__group_id")
                )
                for title_tokens, body_tokens, group_id in old:
                    self._count(delta_docs, delta_titles, title_tokens, body_tokens, -1)
                    delta_groups[group_id] -= 1
                self._assign_groups([entry for entry, _text in chunk], {})
                entries = SearchEntry.objects.bulk_create(
                    [entry for entry, _text in chunk],
                    update_conflicts=True,
                    unique_fields=["kind", "object_id"],
                    update_fields=["group", "open", "date", "vector"],
                )
                texts = []
                for entry, (_unsaved, text_row) in zip(entries, chunk, strict=True):
                    text_row.entry_id = entry.pk
                    texts.append(text_row)
                    self._count(delta_docs, delta_titles, text_row.title_tokens, text_row.body_tokens, 1)
                    delta_groups[entry.group_id] += 1
                SearchText.objects.bulk_create(
                    texts, update_conflicts=True, unique_fields=["entry"], update_fields=list(TEXT_FIELDS)
                )
            self._apply_counts(delta_docs, delta_titles)
            self._count_groups(delta_groups)
        return len(prepared)

    def remove(self, kind: str, object_ids: Iterable[int]) -> None:
        ids = list(object_ids)
        if not ids:
            return
        delta_docs: Counter = Counter()
        delta_titles: Counter = Counter()
        delta_groups: Counter = Counter()
        with transaction.atomic():
            for chunk in _batched(ids, BATCH):
                entries = SearchEntry.objects.filter(kind=kind, object_id__in=chunk)
                old = (
                    SearchText.objects.select_for_update()
                    .filter(entry__in=entries)
                    .values_list("title_tokens", "body_tokens", "entry__group_id")
                )
                for title_tokens, body_tokens, group_id in old:
                    self._count(delta_docs, delta_titles, title_tokens, body_tokens, -1)
                    delta_groups[group_id] -= 1
                entries.delete()  # the database deletes their texts (and, on SQLite, FTS rows)
            self._apply_counts(delta_docs, delta_titles)
            self._count_groups(delta_groups)

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        """Delete everything and insert ``documents`` (in batches) in one transaction: until it
        commits, other connections keep seeing the old index whole (PostgreSQL's snapshots;
        SQLite's single writer), so no reader meets an empty or half-built one. A key given
        twice keeps its first document."""
        seen: set[str] = set()
        docs: Counter = Counter()
        titles: Counter = Counter()
        groups: dict[tuple, int] = {}
        per_group: Counter = Counter()
        with transaction.atomic():
            SearchEntry.objects.all().delete()
            SearchGroup.objects.all().delete()
            SearchTerm.objects.all().delete()
            for batch in _batched(documents, BATCH):
                prepared = []
                for doc in batch:
                    if doc.key not in seen:
                        seen.add(doc.key)
                        prepared.append(self._prepare(doc))
                self._assign_groups([entry for entry, _text in prepared], groups)
                entries = SearchEntry.objects.bulk_create([entry for entry, _text in prepared])
                texts = []
                for entry, (_unsaved, text_row) in zip(entries, prepared, strict=True):
                    text_row.entry_id = entry.pk
                    texts.append(text_row)
                    self._count(docs, titles, text_row.title_tokens, text_row.body_tokens, 1)
                    per_group[entry.group_id] += 1
                SearchText.objects.bulk_create(texts)
            SearchGroup.objects.bulk_update(
                [SearchGroup(pk=pk, doc_count=n) for pk, n in per_group.items()],
                ["doc_count"],
                batch_size=BATCH,
            )
            SearchTerm.objects.bulk_create(
                (
                    SearchTerm(word=w, pinyin=text.pinyin_key(w), doc_count=n, title_count=titles[w])
                    for w, n in docs.items()
                ),
                batch_size=BATCH,
            )
            if connection.vendor == "postgresql":
                # Fresh statistics at once, rather than when autovacuum comes by: the plans of
                # searches depend on them (how many groups a filter keeps, how common a word is).
                with connection.cursor() as cursor:
                    for model in (SearchGroup, SearchEntry, SearchTerm):
                        cursor.execute(f"ANALYZE {model._meta.db_table}")
        return len(seen)

    @staticmethod
    def _prepare(doc: SearchDocument) -> tuple[SearchEntry, SearchText]:
        places = " ".join(p for p in (doc.street, doc.community) if p)
        title_tokens = text.segmented(doc.title)
        body_tokens = text.segmented(f"{(doc.body or '')[:BODY_INDEX_LIMIT]}\n{places}")
        entry = SearchEntry(
            kind=doc.kind,
            object_id=doc.object_id,
            open=doc.open,
            date=doc.date,
            vector=tsvector_literal(title_tokens, body_tokens) if connection.vendor == "postgresql" else None,
        )
        # Its group of facet values, resolved to a row by _assign_groups.
        entry.unsaved_group = SearchGroup(
            kind=doc.kind,
            street_id=doc.street_id or 0,
            street=doc.street if doc.street_id else "",
            community_id=doc.community_id or 0,
            community=doc.community if doc.community_id else "",
            category=doc.category or "",
            status=doc.status or "",
        )
        text_row = SearchText(
            title=doc.title,
            body=doc.body or "",
            url=doc.url,
            title_tokens=title_tokens,
            body_tokens=body_tokens,
        )
        return entry, text_row

    @staticmethod
    def _assign_groups(entries: list[SearchEntry], known: dict[tuple, int]) -> None:
        """Point each entry to the row of its group of facet values, creating the groups not
        yet known (one query for a batch; ``known`` carries what a rebuild has seen). A group
        met again takes the street and community names it now comes with (other groups of a
        renamed street keep the old name until the next rebuild)."""
        wanted = {}
        for entry in entries:
            key = tuple(getattr(entry.unsaved_group, name) for name in GROUP_KEY)
            if key not in known:
                wanted[key] = entry.unsaved_group
        if wanted:
            saved = SearchGroup.objects.bulk_create(
                list(wanted.values()),
                update_conflicts=True,
                unique_fields=list(GROUP_KEY),
                update_fields=["street", "community"],
            )
            for group in saved:
                known[tuple(getattr(group, name) for name in GROUP_KEY)] = group.pk
        for entry in entries:
            entry.group_id = known[tuple(getattr(entry.unsaved_group, name) for name in GROUP_KEY)]

    @staticmethod
    def _count_groups(delta: Counter) -> None:
        # Increments in the database, so concurrent writers add up rather than overwrite.
        for group_id, change in delta.items():
            if change:
                SearchGroup.objects.filter(pk=group_id).update(doc_count=F("doc_count") + change)

    @staticmethod
    def _count(docs: Counter, titles: Counter, title_tokens: str, body_tokens: str, sign: int) -> None:
        docs[TOTAL] += sign
        in_title = _vocabulary_words(title_tokens)
        for word in in_title | _vocabulary_words(body_tokens):
            docs[word] += sign
        for word in in_title:
            titles[word] += sign

    @staticmethod
    def _apply_counts(docs: Counter, titles: Counter) -> None:
        changed = sorted(w for w in docs.keys() | titles.keys() if docs[w] or titles[w])
        for chunk in _batched(changed, BATCH):
            existing = {t.word: t for t in SearchTerm.objects.select_for_update().filter(word__in=chunk)}
            update, drop, create = [], [], []
            for word in chunk:
                term = existing.get(word)
                if term is None:
                    if docs[word] > 0:
                        create.append(
                            SearchTerm(
                                word=word,
                                pinyin=text.pinyin_key(word),
                                doc_count=docs[word],
                                title_count=max(titles[word], 0),
                            )
                        )
                elif term.doc_count + docs[word] > 0:
                    term.doc_count += docs[word]
                    term.title_count = max(term.title_count + titles[word], 0)
                    update.append(term)
                else:
                    drop.append(term.pk)
            SearchTerm.objects.bulk_update(update, ["doc_count", "title_count"])
            SearchTerm.objects.filter(pk__in=drop).delete()
            SearchTerm.objects.bulk_create(create, ignore_conflicts=True)

    # --- reading ---------------------------------------------------------------------------
    def count(self) -> int:
        return SearchEntry.objects.count()

    def search(self, query: SearchQuery) -> SearchResults:
        terms = text.query_terms(query.text)
        has_text = bool(text.normalize(query.text).strip())
        results = SearchResults(query=query, total=0, hits=[], terms=list(terms.words))
        results.facets = {facet: [] for facet in FACETS}
        if has_text and not terms:  # only punctuation or stop words: nothing to look for
            results.suggestions = self._popular()
            return results
        words, scope = list(terms.words), Scope()
        if has_text:
            heard, words, frequency = self._words(terms)
            if heard:
                results.terms = list(dict.fromkeys([*heard, *terms.words]))
            scope = Scope.of(words, frequency)
        page = max(1, int(query.page or 1))
        offset = (page - 1) * query.page_size
        rows = self._matches(words if has_text else None, scope, query, offset)
        facet_rows = [row[1:9] for row in rows if row[0] == 0]
        ranked = [(row[8], row[9]) for row in rows if row[0] == 1]
        results.facets, results.total = self._facets(facet_rows, query)
        if ranked:
            texts = SearchText.objects.select_related("entry__group").defer("entry__vector")
            by_id = {t.entry_id: t for t in texts.filter(entry_id__in=[pk for pk, _score in ranked])}
            results.hits = [self._hit(by_id[pk], score, words) for pk, score in ranked if pk in by_id]
        if not has_text:
            results.suggestions = self._popular()
        elif results.total < FEW:
            results.suggestions = self._suggestions(query.text, terms, results.total)
        return results

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Titles holding the typed words, the last one possibly unfinished (养老助 → 养老助餐…),
        best match first; pinyin completes through the words it may stand for (yang → 养老…)."""
        typed = text.normalize(prefix).strip()
        postgres = connection.vendor == "postgresql"
        if text.PINYIN_QUERY.match(typed):
            key = re.sub(r"[' ]", "", typed)
            words = list(
                SearchTerm.objects.filter(pinyin__startswith=key, title_count__gt=0)
                .order_by("-title_count", "word")
                .values_list("word", flat=True)[:HOMOPHONES]
            )
            if not words:
                return []
            if postgres:
                match = " | ".join(f"{_quote_lexeme(w)}:A" for w in words)
            else:
                match = f"{{title_tokens}} : ({' OR '.join(_quote_fts(w) for w in words)})"
        else:
            words = list(dict.fromkeys(text.segment(typed)))
            if not words:
                return []
            if postgres:
                parts = [f"{_quote_lexeme(w)}:A" for w in words[:-1]] + [f"{_quote_lexeme(words[-1])}:*A"]
                match = " & ".join(parts)
            else:
                parts = [_quote_fts(w) for w in words[:-1]] + [f"{_quote_fts(words[-1])} *"]
                match = f"{{title_tokens}} : ({' AND '.join(parts)})"
        if postgres:
            best = (
                f'SELECT e.id, ts_rank_cd(e.vector, q.q) * {BOOSTED} AS score, e."open", e."date" '
                f"FROM {ENTRY} e, (SELECT %s::tsquery AS q) q WHERE e.vector @@ q.q"
            )
        else:
            best = (
                f'SELECT e.id, {BM25} * {BOOSTED} AS score, e."open", e."date" '
                f"FROM {FTS} JOIN {ENTRY} e ON e.id = {FTS}.rowid WHERE {FTS} MATCH %s"
            )
        order = 'b.score DESC, b."open" DESC, b."date" DESC NULLS LAST, b.id DESC'
        rows = _fetch(
            f"SELECT t.title FROM (SELECT * FROM ({best}) b ORDER BY {order} LIMIT %s) b "
            f"JOIN {TEXT} t ON t.entry_id = b.id ORDER BY {order}",
            [match, limit * 3],
            full_text=True,
        )
        titles = [title for (title,) in rows]
        return list(dict.fromkeys(titles))[:limit]

    # --- the pieces of a search ------------------------------------------------------------
    @staticmethod
    def _matches(words: list[str] | None, scope: "Scope", query: SearchQuery, offset: int) -> list[tuple]:
        """One statement: rows ``(0, kind, street_id, street, community_id, community,
        category, status, count, 0)`` counting the text matches per group of facet values, then
        rows ``(1, None…, entry id, score)`` for the page of hits passing the filters, best
        first. Without words, every document matches and the page is in browsing order (open
        first, then newest)."""
        where, params = _filters(query)
        order = 'm.score DESC, m."open" DESC, m."date" DESC NULLS LAST, m.id DESC'
        facets = (
            "SELECT 0, g.kind, g.street_id, g.street, g.community_id, g.community, g.category, g.status, "
            f"c.n, 0.0 FROM (SELECT group_id, COUNT(*) AS n FROM {{source}} GROUP BY group_id) c "
            f"JOIN {GROUP} g ON g.id = c.group_id"
        )
        page = (
            f"SELECT * FROM (SELECT 1, {NO_TEXT}, m.id, m.score FROM {{source}} m JOIN {GROUP} g "
            "ON g.id = m.group_id WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s) AS page"
        )
        counted = (
            "SELECT 0, kind, street_id, street, community_id, community, category, status, doc_count, 0.0 "
            f"FROM {GROUP} WHERE doc_count > 0"
        )
        if words is None:
            browse = f'(SELECT id, group_id, "open", "date", 0.0 AS score FROM {ENTRY})'
            sql = f"{counted} UNION ALL {page.format(source=browse, where=where, order=order)}"
            return _fetch(sql, [*params, query.page_size, offset])
        if connection.vendor == "sqlite":
            match = (
                f'SELECT e.id, e.group_id, e."open", e."date", {BM25} * {BOOSTED} AS score '
                f"FROM {FTS} JOIN {ENTRY} e ON e.id = {FTS}.rowid WHERE {FTS} MATCH %s"
            )
            match_params = [" OR ".join(_quote_fts(w) for w in words)]
        else:
            match_params = [" | ".join(_quote_lexeme(w) for w in words)]
            match = (
                f'SELECT e.id, e.group_id, e."open", e."date", ts_rank_cd(e.vector, q.q) * {BOOSTED} AS score '
                f"FROM {ENTRY} e, (SELECT %s::tsquery AS q) q WHERE e.vector @@ q.q"
            )
            if scope.estimate >= RANK_ALL_BELOW:
                return _fetch(
                    *_many_matches(match_params[0], scope, counted, where, params, query, offset),
                    full_text=True,
                )
        sql = f"WITH m AS MATERIALIZED ({match}) {facets.format(source='m')} UNION ALL " + page.format(
            source="m", where=where, order=order
        )
        return _fetch(sql, [*match_params, *params, query.page_size, offset], full_text=True)

    @staticmethod
    def _facets(rows: list[tuple], query: SearchQuery) -> tuple[dict[str, list[FacetValue]], int]:
        """Counts per value of each facet over the text matches that pass every *other* filter,
        and the number that pass them all."""
        wanted = {
            "kind": query.kind or None,
            "street": query.street_id,
            "community": query.community_id,
            "category": query.category or None,
            "status": query.status or None,
        }
        counts = {facet: Counter() for facet in FACETS}
        names: dict[str, dict] = {"street": {}, "community": {}}
        status_kinds = defaultdict(set)
        total = 0
        for kind, street_id, street, community_id, community, category, status, n in rows:
            street_id, community_id = street_id or None, community_id or None  # 0: none
            values = {
                "kind": kind,
                "street": street_id,
                "community": community_id,
                "category": category,
                "status": status,
            }
            missed = [f for f, want in wanted.items() if want is not None and values[f] != want]
            if not missed:
                total += n
            for facet in FACETS:
                if (not missed or missed == [facet]) and values[facet] not in (None, ""):
                    counts[facet][values[facet]] += n
                    if facet == "status":
                        status_kinds[status].add(kind)
            names["street"].setdefault(street_id, street)
            names["community"].setdefault(community_id, community)

        def label(facet, value):
            if facet == "kind":
                return kind_label(value)
            if facet in names:
                return names[facet].get(value) or str(value)
            if facet == "category":
                return category_label(value)
            return status_facet_label(value, status_kinds[value])

        facets = {}
        for facet in FACETS:
            values = [FacetValue(str(v), label(facet, v), n) for v, n in counts[facet].items()]
            if facet == "kind":
                values.sort(key=lambda fv: KINDS.index(fv.value) if fv.value in KINDS else len(KINDS))
            else:
                values.sort(key=lambda fv: (-fv.count, fv.label))
            facets[facet] = values
        return facets, total

    @staticmethod
    def _hit(row: SearchText, score, words: list[str]) -> Hit:
        entry, group = row.entry, row.entry.group
        document = SearchDocument(
            kind=entry.kind,
            object_id=entry.object_id,
            title=row.title,
            body=row.body,
            url=row.url,
            street_id=group.street_id or None,
            street=group.street,
            community_id=group.community_id or None,
            community=group.community,
            category=group.category,
            status=group.status,
            open=entry.open,
            date=entry.date,
        )
        return Hit(
            document=document,
            score=float(score or 0),
            title_html=text.highlight(document.title, words),
            excerpt_html=text.highlight(document.body, words, limit=120),
        )

    @staticmethod
    def _words(terms: text.QueryTerms) -> tuple[list[str], list[str], dict[str, int]]:
        """The words to look for, from one read of the vocabulary: the Chinese words a pinyin
        query stands for (yanglao → 养老, commonest first), added to the typed words; and,
        when the query also holds rarer words, without the words found in more than
        ``COMMON_SHARE`` of all documents. 社区矫正 is cut into 社区, 矫正 and 社区矫正, and 社区 is
        in nearly every document: left in, it would match everything and outrank the documents
        about 社区矫正. Returns the homophones, the words to match, and how many documents hold
        each word (the empty word: how many documents there are)."""
        condition = Q(word__in=[*terms.words, TOTAL])
        if terms.pinyin:
            condition |= Q(pinyin=terms.pinyin)
        rows = list(SearchTerm.objects.filter(condition).values_list("word", "pinyin", "doc_count"))
        frequency = {word: n for word, _pinyin, n in rows}
        heard = [
            w
            for w, pinyin, n in sorted(rows, key=lambda r: (-r[2], r[0]))
            if terms.pinyin and pinyin == terms.pinyin
        ]
        heard = heard[:HOMOPHONES]
        words = list(dict.fromkeys([*terms.words, *heard]))
        common = COMMON_SHARE * frequency.get(TOTAL, 0)
        specific = [w for w in words if 0 < frequency.get(w, 0) <= common]
        if specific:
            words = [w for w in words if frequency.get(w, 0) <= common]
        return heard, words, frequency

    @staticmethod
    def _popular() -> list[str]:
        return list(
            SearchTerm.objects.filter(title_count__gt=0)
            .order_by("-title_count", "word")
            .values_list("word", flat=True)[:SUGGESTIONS]
        )

    def _suggestions(self, typed: str, terms: text.QueryTerms, total: int) -> list[str]:
        """Words of the vocabulary the query may have meant (``search.suggestions``). With
        nothing close and nothing found, the commonest title words, so a page is never empty of
        a way forward while the index holds anything."""
        _chinese, keys, firsts = suggestion_keys(typed, terms)
        condition = Q(pinyin__in=keys) if keys else Q(pk__in=[])
        for first in firsts:
            condition |= Q(word__startswith=first)
        if terms.pinyin:
            condition |= Q(pinyin__startswith=terms.pinyin[:2])
        candidates = (
            SearchTerm.objects.filter(condition, doc_count__gt=0)
            .order_by("-doc_count", "word")
            .values_list("word", "pinyin", "doc_count")[:CANDIDATES]
        )
        suggestions = rank_suggestions(typed, terms, candidates)
        if not suggestions and total == 0:
            suggestions = self._popular()
        return suggestions
