"""An in-memory search backend that keeps the contract's shape without any ranking, and the
builders of the small worlds the indexing and privacy tests index.

``FakeBackend`` records what it was given (the index is a dict by document key) so the tests of
the indexing door and of the sources can look at exactly what reached a backend."""

import datetime
from importlib.util import find_spec

import pytest
from django.utils import timezone

from marketplace.core.roles import Role
from marketplace.procurement import services as procurement
from search.backends.base import SearchBackend
from search.service import get_backend
from search.types import Hit, SearchDocument, SearchQuery, SearchResults
from tests.factories import UserFactory, grant
from tests.marketplace.procurement.conftest import terms

FAKE_BACKEND = "tests.search.fakes.FakeBackend"
DATABASE_BACKEND = "search.backends.database.DatabaseBackend"
RECORDING_ELASTIC_BACKEND = "tests.search.fakes.RecordingElasticsearchBackend"


class FakeBackend(SearchBackend):
    name = "fake"

    def __init__(self):
        self.documents: dict[str, SearchDocument] = {}
        self.rebuilds = 0

    def clear(self) -> None:
        self.documents.clear()
        self.rebuilds = 0

    def index(self, documents) -> int:
        documents = list(documents)
        for doc in documents:
            self.documents[doc.key] = doc
        return len(documents)

    def remove(self, kind, object_ids) -> None:
        for object_id in object_ids:
            self.documents.pop(f"{kind}:{object_id}", None)

    def rebuild(self, documents) -> int:
        fresh = {doc.key: doc for doc in documents}
        self.documents = fresh
        self.rebuilds += 1
        return len(fresh)

    def search(self, query: SearchQuery) -> SearchResults:
        text = query.text.strip()
        found = [
            doc
            for doc in self.documents.values()
            if (not text or text in doc.title or text in doc.body)
            and (not query.kind or doc.kind == query.kind)
        ]
        hits = [Hit(document=doc, score=1.0, title_html=doc.title, excerpt_html=doc.body) for doc in found]
        return SearchResults(query=query, total=len(hits), hits=hits[: query.page_size])

    def suggest(self, prefix, limit=8) -> list[str]:
        return [doc.title for doc in self.documents.values() if doc.title.startswith(prefix)][:limit]

    def count(self) -> int:
        return len(self.documents)

    # --- for the tests ------------------------------------------------------------------------
    def keys(self) -> set[str]:
        return set(self.documents)

    def get(self, kind: str, object_id: int) -> SearchDocument | None:
        return self.documents.get(f"{kind}:{object_id}")


def _elastic_backend_class():
    from search.backends.elastic import ElasticsearchBackend

    return ElasticsearchBackend


class RecordingElasticsearchBackend:
    """The real Elasticsearch backend over a transport that answers as a cluster would and
    records every request it is sent (the fake cluster of the mapping tests), so a test can read
    exactly what would have reached Elasticsearch."""

    def __new__(cls):
        from tests.search.test_elastic_mappings import BULK, FakeCluster, bulk_ok

        cluster = FakeCluster()
        cluster.on(BULK, r"/_bulk", bulk_ok)
        backend = _elastic_backend_class()(
            url="http://es.test:9200", prefix="portal", client=cluster.client(), refresh=True
        )
        backend.cluster = cluster
        return backend


def sent_to_elasticsearch(backend) -> list:
    """The bodies of every request the recording backend sent (bulk bodies as lists of lines)."""
    return [request["body"] for request in backend.cluster.requests if request["body"] is not None]


def backend_paths() -> list:
    """The fake, and the database backend once it exists (the tests then run on both)."""
    paths = [FAKE_BACKEND]
    if find_spec("search.backends.database") is not None:
        paths.append(DATABASE_BACKEND)
    return paths


def use_backend(settings, path: str):
    """Point the search service at ``path`` and start from an empty index."""
    settings.SEARCH_BACKEND = path
    backend = get_backend()
    backend.rebuild([])
    if isinstance(backend, FakeBackend):
        backend.clear()
    return backend


def indexed_keys(backend) -> set[str]:
    """The keys of every document the backend holds, whatever the backend."""
    if isinstance(backend, FakeBackend):
        return backend.keys()
    from search.models import SearchEntry

    return {f"{kind}:{object_id}" for kind, object_id in SearchEntry.objects.values_list("kind", "object_id")}


# --- worlds -----------------------------------------------------------------------------------
class Projects:
    """Drafts, approves and publishes projects of a street (one official drafts, another
    approves, as the rules require)."""

    def __init__(self, street, drafter):
        self.street = street
        self.drafter = drafter
        self.approver = UserFactory(display_name=f"{street.name}第二干部")
        grant(self.approver, Role.STREET_OFFICIAL, street)

    def draft(self, **overrides):
        return procurement.project_create(actor=self.drafter, street=self.street, terms=terms(**overrides))

    def pending(self, **overrides):
        project = self.draft(**overrides)
        procurement.project_submit(actor=self.drafter, project=project)
        return project

    def publish(self, project):
        procurement.project_submit(actor=self.drafter, project=project)
        procurement.project_approve(actor=self.approver, project=project)
        procurement.project_publish(actor=self.drafter, project=project)
        project.refresh_from_db()
        return project

    def published(self, **overrides):
        return self.publish(self.draft(**overrides))


def later(**delta) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**delta)


@pytest.fixture
def fake_backend(settings):
    return use_backend(settings, FAKE_BACKEND)
