"""axe-core (WCAG 2.1 A and AA rules) on the public home, list and detail pages of projects,
organisations, volunteer activities, the fund and notices, on a phone and on a desktop: no
serious or critical violation. Each list and detail page has rows to show, so tables, badges
and forms are checked as visitors see them."""

import pytest

from cms.models import HomePage, NoticeIndexPage, NoticePage
from marketplace.core.roles import Role
from marketplace.fund import services as fund_services
from marketplace.procurement import services as procurement
from tests.factories import (
    CommunityFactory,
    DistrictFactory,
    FundFactory,
    OrganizationFactory,
    StreetFactory,
    UserFactory,
    grant,
)
from tests.factories.volunteers import ActivityFactory, ShiftFactory
from tests.marketplace.procurement.conftest import terms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def pages() -> dict[str, str]:
    """One of everything the checked pages list, and the pages' paths by name."""
    district = DistrictFactory()
    street = StreetFactory(district=district, name="城关街道")
    community = CommunityFactory(street=street, name="幸福里社区")

    drafter, approver = UserFactory(), UserFactory()
    for official in (drafter, approver):
        grant(official, Role.STREET_OFFICIAL, street)
    project = procurement.project_create(
        actor=drafter, street=street, terms=terms(title="幸福里社区居家养老助餐服务", community=community)
    )
    procurement.project_submit(actor=drafter, project=project)
    procurement.project_approve(actor=approver, project=project)
    procurement.project_publish(actor=drafter, project=project)

    org = OrganizationFactory(
        street=street,
        community=community,
        name="幸福里为老服务中心",
        description="为社区老人提供助餐和探访服务。",
    )
    activity = ActivityFactory(community=community, title="幸福里社区楼道清洁志愿行动")
    ShiftFactory(activity=activity, capacity=8)

    fund = FundFactory(name="太和区基层治理专项基金", code="taihe-jiceng", district=district)
    donation = fund_services.donation_start(
        actor=None,
        fund=fund,
        subfund=None,
        amount_fen=20_000,
        donor_name="张三丰",
        anonymous=False,
        contact="",
    )
    fund_services.donation_attach_provider_payment(donation=donation, provider_payment_id="pi_axe_1")
    fund_services.donation_credit_from_provider(
        provider_payment_id="pi_axe_1", amount_fen=20_000, currency="cny"
    )

    notices = publish(HomePage.objects.get(), NoticeIndexPage(title="通知公告", slug="notices"))
    notice = publish(
        notices,
        NoticePage(
            title="关于招募社区志愿服务骨干的通知",
            slug="volunteer-recruit",
            date="2026-11-01",
            issuer="太和区民政局",
            intro="招募社区志愿服务骨干。",
            body=[("paragraph", "<p>请有意者于月底前到所在社区报名。</p>")],
        ),
    )
    return {
        "home": "/",
        "projects": "/projects/",
        "project": f"/projects/{project.pk}/",
        "organizations": "/organizations/",
        "organization": f"/organizations/{org.pk}/",
        "activities": "/volunteers/activities/",
        "activity": f"/volunteers/activities/{activity.pk}/",
        "funds": "/fund/",
        "fund": f"/fund/{fund.code}/",
        "donate": f"/fund/{fund.code}/donate/",
        "notices": notices.url,
        "notice": notice.url,
    }


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_public_pages_have_no_serious_accessibility_violations(page, axe_check, pages, viewport):
    visitor = page(viewport, bypass_csp=True)
    found = {}
    for name, path in pages.items():
        response = visitor.goto(path)
        assert response.status == 200, f"{name}: {path} answered {response.status}"
        found[f"{name} ({path})"] = axe_check(visitor)
    report = "\n".join(f"{where}:\n  " + "\n  ".join(lines) for where, lines in found.items() if lines)
    assert not report, f"serious or critical axe-core violations on a {viewport}:\n{report}"
