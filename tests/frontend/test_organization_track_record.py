"""An organisation's public profile lists its completed service contracts with the street's
rating, in a number of queries that does not grow with the contracts."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.procurement import services
from tests.frontend.test_procurement_pages import chinese_page
from tests.marketplace.procurement import conftest as procurement_conftest
from tests.marketplace.procurement.test_contracts import deliver, make_awarded, milestones, signed

pw = procurement_conftest.pw
make_awarded = make_awarded


def complete_and_rate(make_awarded, title, comment):
    a = make_awarded(title=title)
    contract = signed(a)
    for milestone in milestones(contract):
        deliver(a, milestone)
    services.project_complete(actor=a.official, project=a.project)
    services.contract_rate(actor=a.official, contract=contract, score=4, comment=comment)
    return a


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
