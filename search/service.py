"""The one entry point to search: the pages, the API, the indexing tasks and the management
command all come through here. The backend is chosen by settings: Elasticsearch when
``ELASTICSEARCH_URL`` is set, the database otherwise."""

import logging
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from .backends.base import SearchBackend, SearchUnavailable
from .types import MAX_PAGE, SearchQuery, SearchResults

logger = logging.getLogger(__name__)

DATABASE_BACKEND = "search.backends.database.DatabaseBackend"
ELASTICSEARCH_BACKEND = "search.backends.elastic.ElasticsearchBackend"


def backend_path() -> str:
    explicit = getattr(settings, "SEARCH_BACKEND", "")
    if explicit:
        return explicit
    return ELASTICSEARCH_BACKEND if getattr(settings, "ELASTICSEARCH_URL", "") else DATABASE_BACKEND


@lru_cache(maxsize=4)
def _backend(path: str) -> SearchBackend:
    return import_string(path)()


def get_backend() -> SearchBackend:
    return _backend(backend_path())


def search(query: SearchQuery) -> SearchResults:
    """One page of results for ``query``; the page number is kept within what exists."""
    page = min(max(int(query.page or 1), 1), MAX_PAGE)
    if page != query.page:
        query = SearchQuery(**{**query.__dict__, "page": page})
    try:
        return get_backend().search(query)
    except SearchUnavailable as exc:
        logger.warning("search unavailable: %s", exc)
        raise


def suggest(prefix: str, limit: int = 8) -> list[str]:
    prefix = (prefix or "").strip()
    if not prefix:
        return []
    try:
        return get_backend().suggest(prefix, limit=limit)
    except SearchUnavailable as exc:
        logger.warning("search suggestions unavailable: %s", exc)
        raise
