"""The public project list's community and budget filters, and the "projects I may bid for"
filter of the bidding organisations' members: right rows, bad values ignored, pagination kept,
a constant number of queries, and never a sealed bid's contents."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from marketplace.core.exceptions import ValidationFailed
from marketplace.core.roles import Role
from marketplace.procurement import selectors
from tests.factories import OrganizationFactory, UserFactory, grant
from tests.frontend.test_procurement_pages import LIST, SECRET_PROPOSAL, chinese_page
from tests.marketplace.procurement import conftest as procurement_conftest

pw = procurement_conftest.pw


def titles(html: str) -> set[str]:
    return set(re.findall(r'<a href="/projects/\d+/">([^<]+)</a>', html))


# --- community and budget -------------------------------------------------------------------
def test_community_filter_keeps_its_projects_and_the_streets_street_wide_ones(client, pw):
    w = pw.world
    pw.published(title="甲一社区项目", community=w.community_a)
    pw.published(title="甲二社区项目", community=w.community_a2)
    pw.published(title="甲街道全街道项目")
    html = chinese_page(client.get(LIST, {"community": w.community_a.pk}), "共 2 个项目")
    assert titles(html) == {"甲一社区项目", "甲街道全街道项目"}
    html = chinese_page(client.get(LIST, {"community": w.community_b.pk}), "没有符合筛选条件的服务项目")
    assert titles(html) == set()


def test_the_community_choice_lists_every_community_under_its_street(client, pw):
    html = chinese_page(client.get(LIST), "服务社区", "全部社区")
    select = re.search(r'<select name="community".*?</select>', html, re.DOTALL).group(0)
    assert '<optgroup label="甲街道">' in select and '<optgroup label="乙街道">' in select
    for community in (pw.world.community_a, pw.world.community_a2, pw.world.community_b):
        assert f'<option value="{community.pk}">{community.name}</option>' in select


def test_budget_range_in_yuan_is_inclusive(client, pw):
    for budget_yuan in (100_000, 300_000, 500_000):
        pw.published(title=f"预算{budget_yuan}元项目", budget_ceiling_fen=budget_yuan * 100)
    html = chinese_page(client.get(LIST, {"budget_min": "300000", "budget_max": "500000.00"}))
    assert titles(html) == {"预算300000元项目", "预算500000元项目"}
    html = chinese_page(client.get(LIST, {"budget_max": "299999.99"}))
    assert titles(html) == {"预算100000元项目"}
    # The fields keep what was typed.
    assert 'name="budget_max" value="299999.99"' in html


def test_bad_budget_values_are_ignored_like_the_other_filters(client, pw):
    pw.published(title="甲项目", budget_ceiling_fen=10_000_000)
    for params in (
        {"budget_min": "abc"},
        {"budget_min": "-5"},
        {"budget_max": "1.234"},
        {"budget_min": "1e9999"},
        {"community": "nonsense"},
    ):
        html = chinese_page(client.get(LIST, params))
        assert titles(html) == {"甲项目"}, params


def test_pagination_keeps_the_filters(client, pw):
    for i in range(22):
        pw.published(title=f"项目{i}", budget_ceiling_fen=20_000_000)
    pw.published(title="超出预算的项目", budget_ceiling_fen=90_000_000)
    html = chinese_page(client.get(LIST, {"budget_max": "200000"}), "共 22 个项目", "第 1 / 2 页")
    next_link = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    assert "budget_max=200000" in next_link and "page=2" in next_link
    html = chinese_page(client.get(LIST + next_link), "第 2 / 2 页")
    assert len(titles(html)) == 2 and "超出预算的项目" not in html


# --- projects I may bid for -----------------------------------------------------------------
def _projects_for_the_eligibility_filter(pw):
    eligible = pw.published(title="可投标项目")
    pw.published(title="要求5A的项目", min_grade="5A")
    pw.published(title="限定公益慈善类的项目", required_categories=["charity"])
    not_yet = pw.published(title="尚未开始投标的项目")
    not_yet.bid_open_at = timezone.now() + datetime.timedelta(days=1)
    not_yet.save(update_fields=["bid_open_at"])
    closed = pw.published(title="已截止的项目")
    closed.bid_open_at = timezone.now() - datetime.timedelta(days=2)
    closed.bid_close_at = timezone.now() - datetime.timedelta(seconds=1)
    closed.save(update_fields=["bid_open_at", "bid_close_at"])
    return eligible


def test_a_member_lists_only_the_open_projects_one_of_their_organisations_may_bid_for(client, pw):
    _projects_for_the_eligibility_filter(pw)
    client.force_login(pw.org_admins[0])
    html = chinese_page(client.get(LIST), "只看我可投标的")
    assert len(titles(html)) == 5
    html = chinese_page(client.get(LIST, {"biddable": "on"}), "共 1 个项目", "清除筛选")
    assert titles(html) == {"可投标项目"}
    assert 'name="biddable" id="id_biddable" checked' in html
    # Another organisation of the member's, of the required category, widens the list.
    charity = OrganizationFactory(street=pw.world.street_a, name="公益组织", category="charity")
    grant(pw.org_admins[0], Role.ORG_MEMBER, charity)
    client.force_login(pw.org_admins[0])
    html = chinese_page(client.get(LIST, {"biddable": "on"}))
    assert titles(html) == {"可投标项目", "限定公益慈善类的项目"}


def test_the_filter_and_the_bid_service_share_one_eligibility_rule(pw):
    """A grade that has expired takes the project off the list and refuses the bid alike."""
    project = pw.published(title="要求3A的项目", min_grade="3A")
    org = pw.orgs[0]
    org.grade, org.grade_expires_on = "4A", timezone.localdate() + datetime.timedelta(days=1)
    org.save(update_fields=["grade", "grade_expires_on"])
    assert selectors.bid_eligibility_refusal(project, org) is None
    assert list(selectors.project_list_biddable(viewer=pw.org_admins[0])) == [project]
    org.grade_expires_on = timezone.localdate() - datetime.timedelta(days=1)
    org.save(update_fields=["grade_expires_on"])
    assert "评估等级 3A 及以上" in selectors.bid_eligibility_refusal(project, org)
    assert list(selectors.project_list_biddable(viewer=pw.org_admins[0])) == []
    try:
        pw.bid(project, 0)
    except ValidationFailed as exc:
        assert str(exc.message) == selectors.bid_eligibility_refusal(project, org)
    else:
        raise AssertionError("the bid service accepted an ineligible organisation")


def test_the_filter_is_not_offered_to_others_and_is_ignored_from_them(client, pw):
    _projects_for_the_eligibility_filter(pw)
    html = chinese_page(client.get(LIST, {"biddable": "on"}))
    assert "只看我可投标的" not in html and len(titles(html)) == 5
    client.force_login(UserFactory(display_name="普通居民"))
    html = chinese_page(client.get(LIST, {"biddable": "on"}))
    assert "只看我可投标的" not in html and len(titles(html)) == 5


# Counts what rendering reads, not a page cache hit.
@override_settings(PAGE_CACHE_ENABLED=False)
def _queries(client, params) -> int:
    client.get(LIST, params)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST, params).status_code == 200
    return len(ctx.captured_queries)


def test_filtered_list_query_count_does_not_grow_with_projects(client, pw):
    w = pw.world
    client.force_login(pw.org_admins[0])
    params = {"biddable": "on", "community": w.community_a.pk, "budget_min": "1000", "budget_max": "900000"}
    pw.bid(pw.published(title="项目0", community=w.community_a), 1)
    few = _queries(client, params)
    for i in range(1, 25):
        project = pw.published(title=f"项目{i}", community=w.community_a if i % 2 else None)
        pw.bid(project, i % 4)
    assert len(titles(client.get(LIST, params).content.decode())) == 20
    assert _queries(client, params) == few


# --- sealed bids ----------------------------------------------------------------------------
def test_no_bid_contents_on_the_list_before_opening_whoever_looks(client, pw):
    project = pw.published(title="密封测试项目")
    pw.bid(project, 0, price_fen=21_234_500)
    for viewer in (None, pw.org_admins[1], pw.world.official_a):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        for params in ({}, {"biddable": "on"}, {"budget_min": "212345"}):
            html = client.get(LIST, params).content.decode()
            assert "212,345.00" not in html and "212345.00" not in html and SECRET_PROPOSAL not in html
