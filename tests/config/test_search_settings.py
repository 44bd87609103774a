"""One variable, ELASTICSEARCH_URL, chooses both the portal's search backend and Wagtail's."""

import pytest
from django.conf import settings as active_settings
from modelsearch.backends.elasticsearch8 import SearchBackend as WagtailElasticsearch
from wagtail.models import Page

from config.settings.base import wagtailsearch_backends
from search.service import DATABASE_BACKEND, ELASTICSEARCH_BACKEND, backend_path


def test_active_settings_come_from_the_helper():
    expected = wagtailsearch_backends(
        active_settings.ELASTICSEARCH_URL,
        active_settings.ELASTICSEARCH_INDEX_PREFIX,
        active_settings.ELASTICSEARCH_TIMEOUT,
    )
    configured = active_settings.WAGTAILSEARCH_BACKENDS
    assert configured == expected


@pytest.mark.parametrize(
    ("url", "wagtail", "portal"),
    [
        ("", "wagtail.search.backends.database", DATABASE_BACKEND),
        ("http://127.0.0.1:9200", "wagtail.search.backends.elasticsearch8", ELASTICSEARCH_BACKEND),
    ],
)
def test_both_choices_follow_the_url(settings, url, wagtail, portal):
    settings.ELASTICSEARCH_URL = url
    settings.SEARCH_BACKEND = ""
    assert wagtailsearch_backends(url, "portal", 5.0)["default"]["BACKEND"] == wagtail
    assert backend_path() == portal


def test_wagtail_indices_share_the_portals_prefix():
    config = wagtailsearch_backends("http://portal:secret@127.0.0.1:9200", "staging", 3.0)["default"]
    assert config["URLS"] == ["http://portal:secret@127.0.0.1:9200"]
    # Built as Wagtail builds it (no request is made): the options are ones it reads.
    params = {key: value for key, value in config.items() if key != "BACKEND"}
    backend = WagtailElasticsearch(params)
    assert backend.get_index_for_model(Page).name == "staging-wagtail-wagtailcore_page"
    assert backend.timeout == 3.0
