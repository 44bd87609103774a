"""The contract every search backend keeps (tests/search/ runs one suite against each)."""

from abc import ABC, abstractmethod
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import DomainError

from ..types import SearchDocument, SearchQuery, SearchResults


class SearchUnavailable(DomainError):
    """The search engine cannot answer now (a cluster down or refusing): the page and the API
    say so with a 503 instead of failing."""

    code = "search_unavailable"
    default_message = _("搜索服务暂时不可用,请稍后再试。")
    status_code = 503


class SearchBackend(ABC):
    name = ""

    @abstractmethod
    def index(self, documents: Iterable[SearchDocument]) -> int:
        """Add or replace these documents (by kind and object id); return how many."""

    @abstractmethod
    def remove(self, kind: str, object_ids: Iterable[int]) -> None:
        """Drop these documents if present."""

    @abstractmethod
    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        """Replace the whole index with ``documents`` without a moment in which searches see an
        empty or half-built index; return how many."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResults:
        """Matching documents ranked by relevance (open ones boosted), one page of them, with
        the facet counts, highlighted titles and excerpts, and suggestions when few matched."""

    @abstractmethod
    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Titles completing what has been typed so far."""

    @abstractmethod
    def count(self) -> int:
        """How many documents the index holds."""
