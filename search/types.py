"""What the search service takes and gives, whatever the backend: one document shape for every
kind of content, one query, one result page. Backends receive and return only these."""

from dataclasses import dataclass, field
from datetime import datetime

# The kinds of content search covers, in the order the facet lists them.
KINDS = ("project", "organization", "activity", "page")
# The facets every backend counts over the documents that match the text and the other filters.
FACETS = ("kind", "street", "community", "category", "status")
PAGE_SIZE = 10
MAX_PAGE = 100  # deep pages are not useful and are costly on every backend
MAX_QUERY_LENGTH = 100  # characters a typed query may have: longer is no search, only cost


@dataclass(frozen=True)
class SearchDocument:
    """One searchable thing, holding only what any visitor may read."""

    kind: str  # one of KINDS
    object_id: int
    title: str
    body: str
    url: str
    street_id: int | None = None
    street: str = ""
    community_id: int | None = None
    community: str = ""
    category: str = ""  # a ServiceCategory value, or a page type for pages
    status: str = ""  # the object's status value
    open: bool = False  # open for bids / sign-ups now: ranked higher
    date: datetime | None = None  # when it was published or takes place

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    kind: str = ""
    street_id: int | None = None
    community_id: int | None = None
    category: str = ""
    status: str = ""
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass(frozen=True)
class FacetValue:
    value: str  # the filter value (an id for streets and communities)
    label: str
    count: int


@dataclass(frozen=True)
class Hit:
    document: SearchDocument
    score: float
    # The title and an excerpt of the body, HTML-escaped, with the matched words in <mark>.
    title_html: str
    excerpt_html: str


@dataclass
class SearchResults:
    query: SearchQuery
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    # Shown when nothing (or little) matched: other queries that would find something.
    suggestions: list[str] = field(default_factory=list)
    # The words the query was understood as (after conversion and segmentation).
    terms: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.page_size))
