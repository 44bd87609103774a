"""Background work of search. Each task reads the current state of the domain, so a duplicate,
late or early run leaves the index right."""

from django.tasks import task

from . import sources
from .service import get_backend
from .types import KINDS

# The page cache's name for "the search index changed" (frontend/page_cache.py).
PAGE_CACHE_TAG = "search:index"


def reindex_ids(kind: str, ids: list[int]) -> tuple[int, int]:
    """Index the documents these ids have now and remove the ids that have none (no longer
    public, or gone); return how many were indexed and how many removed."""
    ids = sorted({int(i) for i in ids})
    docs = sources.documents(kind, ids)
    found = {doc.object_id for doc in docs}
    gone = [i for i in ids if i not in found]
    backend = get_backend()
    if docs:
        backend.index(docs)
    if gone:
        backend.remove(kind, gone)
    return len(docs), len(gone)


@task()
def reindex(kind: str, ids: list[int]) -> int:
    return reindex_ids(kind, ids)[0]


@task()
def unindex(kind: str, ids: list[int]) -> None:
    get_backend().remove(kind, [int(i) for i in ids])


def rebuild_all() -> dict[str, int]:
    """Replace the whole index with every document of every kind; return the count per kind."""
    counts = dict.fromkeys(KINDS, 0)

    def counted():
        for doc in sources.all_documents():
            counts[doc.kind] += 1
            yield doc

    get_backend().rebuild(counted())
    _pages_changed()
    return counts


def _pages_changed() -> None:
    # With Elasticsearch the index is no table a cached page's reads record: say it changed.
    from marketplace.core import table_versions

    table_versions.bump([PAGE_CACHE_TAG])


def reindex_kind(kind: str) -> tuple[int, int]:
    """Index every document of one kind again, batch by batch, and remove the ones no longer
    public; the other kinds stay as they are."""
    indexed = removed = 0
    backend = get_backend()
    for chunk, docs in sources.batches(kind):
        found = {doc.object_id for doc in docs}
        if docs:
            backend.index(docs)
        gone = [i for i in chunk if i not in found]
        if gone:
            backend.remove(kind, gone)
        indexed, removed = indexed + len(docs), removed + len(gone)
    _pages_changed()
    return indexed, removed


@task()
def rebuild() -> dict[str, int]:
    return rebuild_all()
