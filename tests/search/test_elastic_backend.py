"""The Elasticsearch backend against a live cluster: the shared contract, plus what only a cluster
can show (the analyzers' tokens, the alias swap, the strict mapping). Runs only when
ELASTICSEARCH_URL is set; each test works under its own index prefix and deletes its indices.

    ELASTICSEARCH_URL=http://127.0.0.1:9200 .venv/bin/pytest tests/search/test_elastic_backend.py -n 0
"""

import uuid

import pytest
from django.conf import settings

from search.backends.elastic import ElasticsearchBackend, ElasticsearchError
from search.types import KINDS
from tests.search.contract import BackendContract, doc, keys, run

pytestmark = pytest.mark.skipif(
    not settings.ELASTICSEARCH_URL,
    reason="needs a live Elasticsearch: set ELASTICSEARCH_URL (no cluster can be installed here)",
)


@pytest.fixture
def backend():
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    backend = ElasticsearchBackend(url=settings.ELASTICSEARCH_URL, prefix=prefix, refresh=True)
    yield backend
    delete_indices(backend, f"{prefix}-*")


def delete_indices(backend, pattern: str) -> None:
    # Clusters refuse wildcard deletes by default (action.destructive_requires_name): name them.
    names = list(backend.client.indices.get(index=pattern, expand_wildcards="all"))
    if names:
        backend.client.indices.delete(index=",".join(names))


class TestElasticsearchBackend(BackendContract):
    pass


def analyzed(backend, field: str, value: str) -> list[str]:
    backend.index([doc(1, "初始化")])
    response = backend.client.indices.analyze(index=backend.alias("project"), field=field, text=value)
    return [token["token"] for token in response["tokens"]]


class TestCluster:
    def test_word_fields_split_on_spaces_only(self, backend):
        assert analyzed(backend, "title_words", "居家 养老 Wi-Fi") == ["居家", "养老", "wi-fi"]

    def test_text_fields_make_bigrams(self, backend):
        assert analyzed(backend, "title", "垃圾分类") == ["垃圾", "圾分", "分类"]

    def test_rebuild_moves_every_alias_and_drops_the_old_indices(self, backend):
        backend.index([doc(1, "物业纠纷调解")])
        before = backend._alias_targets()
        backend.rebuild([doc(2, "物业管理培训")])
        after = backend._alias_targets()
        assert set(after) == {backend.alias(kind) for kind in KINDS}
        assert all(len(indices) == 1 for indices in after.values())
        assert not set(sum(before.values(), [])) & set(sum(after.values(), []))
        existing = backend.client.indices.get(index=f"{backend.prefix}-*")
        assert set(existing) == set(sum(after.values(), []))
        assert keys(run(backend, "物业")) == ["project:2"]

    def test_strict_mapping_refuses_other_fields(self, backend):
        backend.index([doc(1, "养老")])
        with pytest.raises(Exception, match="strict_dynamic_mapping_exception"):
            backend.client.index(
                index=backend.alias("project"), id="9", document={"title": "x", "phone": "1"}
            )

    def test_a_write_never_creates_an_index_by_itself(self, backend):
        backend.index([doc(1, "养老")])
        delete_indices(backend, f"{backend.prefix}-page-*")
        with pytest.raises(ElasticsearchError):
            backend.index([doc(1, "资讯", kind="page")])
