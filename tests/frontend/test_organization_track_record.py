"""An organisation's public profile lists its completed service contracts with the street's
rating, in a number of queries that does not grow with the contracts."""

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from marketplace.fund import services as fund_services
from marketplace.procurement import services
from tests.factories import IncubationFactory, OrganizationFactory
from tests.factories.volunteers import ActivityFactory, ShiftFactory
from tests.frontend.test_procurement_pages import chinese_page
from tests.marketplace.fund import conftest as fund_conftest
from tests.marketplace.fund.test_disbursements import grant_for
from tests.marketplace.procurement import conftest as procurement_conftest
from tests.marketplace.procurement.test_contracts import deliver, make_awarded, milestones, signed

pw = procurement_conftest.pw
fw = fund_conftest.fw
make_awarded = make_awarded


def complete_and_rate(make_awarded, title, comment):
    a = make_awarded(title=title)
    contract = signed(a)
    for milestone in milestones(contract):
        deliver(a, milestone)
    services.project_complete(actor=a.official, project=a.project)
    services.contract_rate(actor=a.official, contract=contract, score=4, comment=comment)
    return a


# Counts what rendering reads, not a page cache hit.
@override_settings(PAGE_CACHE_ENABLED=False)
def profile_queries(client, org) -> int:
    client.get(f"/organizations/{org.pk}/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/organizations/{org.pk}/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_profile_lists_rated_completed_contracts_in_constant_queries(client, pw, make_awarded):
    a = complete_and_rate(make_awarded, "幸福里助餐服务", "送餐准时,老人满意")
    org = a.org
    html = chinese_page(
        client.get(f"/organizations/{org.pk}/"),
        "已完成的服务项目",
        "幸福里助餐服务",
        "甲街道",
        "4 分(满分5分)",
        "送餐准时,老人满意",
        f"/projects/{a.project.pk}/",
    )
    assert "该组织尚无验收完成的服务项目" not in html
    few = profile_queries(client, org)

    complete_and_rate(make_awarded, "儿童课后托管服务", "孩子们很喜欢")

    assert "儿童课后托管服务" in client.get(f"/organizations/{org.pk}/").content.decode()
    assert profile_queries(client, org) == few
    # Another bidder of both projects has no completed contract.
    other = chinese_page(client.get(f"/organizations/{pw.orgs[1].pk}/"), "该组织尚无验收完成的服务项目")
    assert "幸福里助餐服务" not in other


def _activity(world, org):
    activity = ActivityFactory(community=world.community_a, organization=org, organizer_kind="organization")
    ShiftFactory(activity=activity)
    return activity


def _paid_grant(fw, org, amount):
    grant = grant_for(fw, amount=amount, incubation=IncubationFactory(application__organization=org))
    fund_services.disbursement_approve(actor=fw.admins[1], disbursement=grant)
    return grant


def test_the_profile_lists_the_organisations_activities_and_fund_payments(client, fw, settings):
    settings.FUND_SECOND_APPROVAL_FEN = 10_000_000
    world = fw.world
    org = OrganizationFactory(status="verified", street=world.street_a)
    other = OrganizationFactory(status="verified", street=world.street_a)
    html = chinese_page(
        client.get(f"/organizations/{org.pk}/"), "该组织还没有发布志愿服务活动", "该组织尚未获得专项基金拨付"
    )
    fw.give(100_000)
    mine = _activity(world, org)
    theirs = _activity(world, other)
    _paid_grant(fw, org, 12_000)
    grant_for(fw, amount=5_000, incubation=IncubationFactory(application__organization=org))  # not paid yet
    _paid_grant(fw, other, 7_000)
    html = chinese_page(
        client.get(f"/organizations/{org.pk}/"), mine.title, "专项基金拨付", "孵化资助", "¥120.00"
    )
    assert theirs.title not in html
    assert "¥50.00" not in html and "¥70.00" not in html
    few = profile_queries(client, org)
    for amount in (8_000, 9_000):
        _activity(world, org)
        _paid_grant(fw, org, amount)
    html = client.get(f"/organizations/{org.pk}/").content.decode()
    assert "¥80.00" in html and "¥90.00" in html
    assert profile_queries(client, org) == few
