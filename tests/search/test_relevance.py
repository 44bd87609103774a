"""Relevance of the database backend, measured on tests/search/relevance: recall@10 (the share of
each query's right answers on its first page) and MRR (how high the first right answer comes),
averaged over the queries. ``pytest tests/search/test_relevance.py -s`` prints them; they are
also written to test-artifacts/search-relevance.txt."""

from pathlib import Path

from django.db import connection

from search.backends.database import DatabaseBackend
from search.types import SearchQuery
from tests.search.relevance.corpus import documents
from tests.search.relevance.queries import QUERIES

MIN_RECALL = 0.9
# Below this the first right answer is usually not at the top: ranking is broken even if
# recall, on a corpus this small, still looks good.
MIN_MRR = 0.8
REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "search-relevance.txt"
K = 10


def measure(backend) -> tuple[float, float, list[str]]:
    recalls, reciprocal_ranks, lines = [], [], []
    for text, expected in QUERIES:
        results = backend.search(SearchQuery(text=text, page_size=K))
        found = [hit.document.key for hit in results.hits]
        recall = len(expected & set(found)) / len(expected)
        rank = next((i for i, key in enumerate(found, 1) if key in expected), None)
        recalls.append(recall)
        reciprocal_ranks.append(1 / rank if rank else 0.0)
        missing = sorted(expected - set(found))
        note = f"  missing {', '.join(missing)}" if missing else ""
        lines.append(f"{text:<14} recall@{K} {recall:.2f}  first right answer at {rank or '-'}{note}")
    recall = sum(recalls) / len(recalls)
    mrr = sum(reciprocal_ranks) / len(reciprocal_ranks)
    return recall, mrr, lines


def test_relevance(db):
    corpus = documents()
    backend = DatabaseBackend()
    backend.rebuild(corpus)
    recall, mrr, lines = measure(backend)
    summary = (
        f"Search relevance, database backend on {connection.vendor}: {len(corpus)} documents, "
        f"{len(QUERIES)} queries\nrecall@{K} {recall:.3f}   MRR {mrr:.3f}"
    )
    report = "\n".join([summary, "", *lines, ""])
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(report, encoding="utf-8")
    print("\n" + report)  # noqa: T201
    assert len(corpus) >= 60
    assert len(QUERIES) >= 30
    assert recall >= MIN_RECALL, report
    assert mrr >= MIN_MRR, report
