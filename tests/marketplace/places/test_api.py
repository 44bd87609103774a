import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.places.choices import PartyOrgKind
from tests.factories import CommunityFactory, GridFactory, PartyOrganizationFactory, StreetFactory

pytestmark = pytest.mark.django_db


def test_places_are_public(client, world):
    streets = client.get("/api/v1/streets/").json()
    assert {s["name"]: s["community_count"] for s in streets["results"]} == {"甲街道": 2, "乙街道": 1}

    detail = client.get(f"/api/v1/communities/{world.community_a.pk}/").json()
    assert detail == {
        "id": world.community_a.pk,
        "code": world.community_a.code,
        "name": "甲一社区",
        "street": world.street_a.pk,
        "street_name": "甲街道",
        "grid_count": 1,
    }


def test_filters_narrow_the_lists(client, world):
    communities = client.get("/api/v1/communities/", {"street": world.street_b.pk}).json()["results"]
    assert [c["name"] for c in communities] == ["乙一社区"]

    grids = client.get("/api/v1/grids/", {"community": world.community_a.pk}).json()["results"]
    assert [g["name"] for g in grids] == ["甲一社区第1网格"]

    PartyOrganizationFactory(grid=world.grid_a)
    PartyOrganizationFactory(grid=world.grid_b)
    orgs = client.get("/api/v1/party-organizations/", {"street": world.street_a.pk, "kind": "grid_branch"})
    assert [o["grid"] for o in orgs.json()["results"]] == [world.grid_a.pk]
    assert orgs.json()["results"][0]["kind_label"] == "网格党支部"


def test_a_bad_filter_value_is_a_chinese_400(client, world):
    response = client.get("/api/v1/communities/", {"street": "甲"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == "street"
    assert "整数" in body["detail"]


def test_the_api_cannot_change_places(client, world):
    response = client.post("/api/v1/streets/", {"name": "新街道"}, content_type="application/json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    response = client.delete(f"/api/v1/streets/{world.street_a.pk}/")
    assert response.status_code == 405


@pytest.mark.parametrize("pk", ["0", "-1", "abc", "1.5", str(2**63), str(2**80)])
def test_an_id_that_names_no_row_is_a_404(client, world, pk):
    response = client.get(f"/api/v1/grids/{pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def _grow(kind: str, n: int, world) -> None:
    for _ in range(n):
        if kind == "streets":
            street = StreetFactory(district=world.district)
            CommunityFactory(street=street)
        elif kind == "communities":
            CommunityFactory(street=world.street_a)
        elif kind == "grids":
            GridFactory(community=world.community_a)
        else:
            PartyOrganizationFactory(
                kind=PartyOrgKind.WORKPLACE_BRANCH,
                grid=GridFactory(community=world.community_b),
                workplace="某单位",
            )


def _query_count(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("kind", ["streets", "communities", "grids", "party-organizations"])
def test_list_queries_do_not_grow_with_rows(client, world, kind):
    url = f"/api/v1/{kind}/"
    _grow(kind, 3, world)
    few_queries, few_rows = _query_count(client, url)
    _grow(kind, 27, world)
    many_queries, many_rows = _query_count(client, url)
    assert many_rows >= few_rows + 27
    assert many_queries == few_queries
