"""The filter forms' streets, communities, grids, skills and tags come from the process's cache
until a table they were read from is written, and then from the database again."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.places.models import Street
from tests.factories import CommunityFactory, StreetFactory, UserFactory


def _get(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), " ".join(q["sql"] for q in queries.captured_queries)


def _reads_places(sql: str) -> bool:
    # The choice lists' own queries (the activities list joins streets for its rows, too).
    return any(f'FROM "places_{table}"' in sql for table in ("street", "community", "grid"))


def test_a_second_request_reads_no_places_and_a_new_street_shows_on_the_next(client, world):
    client.force_login(UserFactory())
    html, sql = _get(client, "/volunteers/activities/")
    assert world.street_a.name in html and _reads_places(sql)
    html, sql = _get(client, "/volunteers/activities/")
    assert world.street_a.name in html and not _reads_places(sql)

    street = StreetFactory(district=world.district, name="丙街道", code="street-c")
    CommunityFactory(street=street, name="丙一社区")
    html, sql = _get(client, "/volunteers/activities/")
    assert "丙街道" in html and "丙一社区" in html and _reads_places(sql)


def test_a_renamed_street_is_renamed_in_every_filter_form(client, world):
    client.force_login(UserFactory())
    for path in ("/projects/", "/organizations/", "/volunteers/activities/"):
        _get(client, path)
    Street.objects.filter(pk=world.street_a.pk).update(name="甲街道(新)")
    for path in ("/projects/", "/organizations/", "/volunteers/activities/"):
        html, _sql = _get(client, path)
        assert "甲街道(新)" in html, path
