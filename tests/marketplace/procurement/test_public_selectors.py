"""The public reads of service projects: the list's filters and the record search may index."""

import json

import pytest

from marketplace.procurement import selectors, services
from marketplace.procurement.choices import ProjectStatus
from tests.factories import CommunityFactory

from .conftest import contents, terms

SECRET_PROPOSAL = "密封方案:每日两餐上门配送与营养师随访"
SECRET_TEAM = "密封团队:营养师王某某"
SECRET_PRICE_FEN = 12_345_678


def _ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_community_filter_keeps_its_own_and_its_streets_street_wide_projects(pw):
    world = pw.world
    own = pw.published(title="本社区项目", community=world.community_a)
    street_wide = pw.published(title="全街道项目")
    other_community = CommunityFactory(street=world.street_a, name="另一社区")
    elsewhere = pw.published(title="另一社区项目", community=other_community)

    found = _ids(selectors.project_list_public(community_id=world.community_a.pk))

    assert found == {own.pk, street_wide.pk}
    assert elsewhere.pk not in found


def test_community_filter_counts_bids_once_per_project(pw):
    project = pw.published(community=pw.world.community_a)
    CommunityFactory.create_batch(3, street=pw.world.street_a)
    pw.bid(project, 0)
    pw.bid(project, 1)

    rows = list(selectors.project_list_public(community_id=pw.world.community_a.pk))

    assert [(p.pk, p.bid_count) for p in rows] == [(project.pk, 2)]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (None, None, {"small", "middle", "large"}),
        (10_000_000, None, {"middle", "large"}),
        (None, 10_000_000, {"small", "middle"}),
        (10_000_000, 10_000_000, {"middle"}),
        (10_000_001, 39_999_999, set()),
    ],
)
def test_budget_range_is_inclusive_in_fen(pw, low, high, expected):
    made = {
        "small": pw.published(title="small", budget_ceiling_fen=5_000_000),
        "middle": pw.published(title="middle", budget_ceiling_fen=10_000_000),
        "large": pw.published(title="large", budget_ceiling_fen=40_000_000),
    }

    found = _ids(selectors.project_list_public(budget_min_fen=low, budget_max_fen=high))

    assert found == {made[name].pk for name in expected}


def test_search_documents_hold_the_announcement_and_never_a_bid(pw):
    project = pw.published(title="居家养老助餐服务", community=pw.world.community_a)
    services.bid_submit(
        actor=pw.org_admins[0],
        project=project,
        org=pw.orgs[0],
        contents=contents(SECRET_PRICE_FEN, proposal=SECRET_PROPOSAL, team=SECRET_TEAM),
    )
    draft = services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms(title="草稿项目"))

    docs = selectors.project_search_documents()

    assert [d["id"] for d in docs] == [project.pk]
    (doc,) = docs
    assert doc["title"] == "居家养老助餐服务"
    assert "80岁以上独居老人" in doc["body"]
    assert doc["community"] == pw.world.community_a.name
    assert doc["status"] == ProjectStatus.PUBLISHED and doc["open"] is True
    assert doc["bid_count"] == 1
    flat = json.dumps(docs, ensure_ascii=False, default=str)
    for secret in (SECRET_PROPOSAL, SECRET_TEAM, str(SECRET_PRICE_FEN), "123456.78", "123,456.78"):
        assert secret not in flat
    assert pw.orgs[0].name not in flat
    assert draft.pk not in {d["id"] for d in docs}


def test_search_documents_by_id_take_a_constant_number_of_queries(pw, django_assert_max_num_queries):
    projects = [pw.published(title=f"项目{i}") for i in range(5)]
    with django_assert_max_num_queries(1):
        docs = selectors.project_search_documents([p.pk for p in projects[:2]])
    assert {d["id"] for d in docs} == {projects[0].pk, projects[1].pk}


def test_a_project_cancelled_before_publication_is_not_public(pw):
    """Cancelled is public only for a project that was announced: a draft withdrawn before
    publication never reaches the list, the detail page or the API."""
    draft = services.project_create(
        actor=pw.drafter, street=pw.world.street_a, terms=terms(title="撤回的草稿")
    )
    services.project_cancel(actor=pw.drafter, project=draft, reason="预算调整")
    announced = pw.published(title="已发布后取消")
    services.project_cancel(actor=pw.drafter, project=announced, reason="需求变化")
    found = _ids(selectors.project_list_public())
    assert announced.pk in found and draft.pk not in found
