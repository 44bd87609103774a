"""Journey 2: a resident registers their social organisation and uploads its filing; the
district admin verifies it in the back office; the organisation bids on a street's project."""

import pytest
from playwright.sync_api import expect

from marketplace.core.roles import Role
from marketplace.organizations.models import Organization
from marketplace.procurement import services as procurement
from marketplace.procurement.models import Bid
from tests.factories import CommunityFactory, DistrictFactory, StreetFactory, UserFactory, grant
from tests.factories.organizations import make_uscc
from tests.marketplace.procurement.conftest import terms

from .steps import sign_in, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ORG_NAME = "和平社区邻里互助服务社"
PROJECT_TITLE = "和平社区独居老人探访服务"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def place():
    district = DistrictFactory()
    street = StreetFactory(district=district, name="城关街道")
    CommunityFactory(street=street, name="和平社区")
    return street


@pytest.fixture
def project(place):
    """A project the street has published: drafted by one official, approved by another."""
    drafter, approver = UserFactory(), UserFactory()
    for official in (drafter, approver):
        grant(official, Role.STREET_OFFICIAL, place)
    made = procurement.project_create(
        actor=drafter, street=place, terms=terms(title=PROJECT_TITLE, budget_ceiling_fen=30_000_000)
    )
    procurement.project_submit(actor=drafter, project=made)
    procurement.project_approve(actor=approver, project=made)
    procurement.project_publish(actor=drafter, project=made)
    return made


def test_an_organisation_registers_is_verified_and_bids(page, screenshot, place, project):
    applicant = UserFactory(display_name="陈互助")
    admin, admin_secret = staff_member(Role.DISTRICT_ADMIN, place.district, display_name="区民政局审核员")

    # The applicant registers the organisation from their portal page.
    rep = page("desktop")
    sign_in(rep, applicant.email)
    rep.get_by_role("link", name="登记社会组织").click()
    rep.get_by_label("组织名称").fill(ORG_NAME)
    rep.get_by_label("组织形式").select_option(label="社会服务机构")
    rep.get_by_label("统一社会信用代码", exact=True).fill(make_uscc(4242))
    rep.get_by_label("法定代表人/负责人").fill("陈互助")
    rep.get_by_label("联系电话").fill("13700001234")
    rep.get_by_label("地址").fill("太和区和平路8号")
    rep.get_by_label("所在街道").select_option(label="城关街道")
    rep.get_by_label("所在社区").select_option(label="和平社区")
    rep.get_by_label("服务类别").select_option(label="生活服务类")
    rep.get_by_label("成立日期").fill("2021-03-01")
    rep.get_by_role("button", name="提交登记").click()
    expect(rep.get_by_text("已提交登记,等待区级审核")).to_be_visible()

    rep.get_by_label("材料类型").select_option(label="登记证书")
    rep.get_by_label("文件").set_input_files(
        {"name": "登记证书.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    rep.get_by_role("button", name="上传", exact=True).click()
    expect(rep.get_by_text("材料已上传")).to_be_visible()
    expect(rep.get_by_role("link", name="登记证书.pdf")).to_be_visible()

    # The district admin finds it under "waiting for me" in the back office and verifies it.
    office = page("desktop")
    sign_in(office, admin.email, totp_secret=admin_secret)
    office.goto("/admin/")
    office.get_by_role("link", name="待认证的社会组织").click()
    office.get_by_role("link", name=ORG_NAME).click()
    office.get_by_role("button", name="认证通过").click()
    expect(office.get_by_text("已完成「认证通过」")).to_be_visible()

    # Verified, the organisation may bid: the applicant bids on the street's project.
    rep.get_by_role("navigation", name="主导航").get_by_role("link", name="服务项目").click()
    rep.get_by_role("link", name=PROJECT_TITLE).click()
    rep.get_by_role("link", name="我要投标").click()
    rep.get_by_label("投标报价(元)").fill("268000")
    rep.get_by_label("服务方案").fill("每周两次上门探访,建立独居老人健康档案,紧急情况24小时响应。")
    rep.get_by_label("项目团队").fill("项目主管1名,社工3名,志愿者20名")
    rep.get_by_label("未与其他投标人串通").check()
    rep.get_by_label("所提交材料真实有效").check()
    rep.get_by_label("近三年无重大违法记录").check()
    rep.get_by_role("button", name="密封提交投标").click()
    expect(rep.get_by_role("heading", name="投标回执")).to_be_visible()
    expect(rep.get_by_text("投标已密封提交")).to_be_visible()
    screenshot(rep, "organization-bid")

    org = Organization.objects.get(name=ORG_NAME)
    assert org.status == "verified" and org.registered_by == applicant
    assert org.documents.count() == 1
    bid = Bid.objects.get(project=project, organization=org)
    assert bid.status == "submitted" and bid.content_hash
    # Sealed: the amount is not written in the clear before opening.
    assert bid.price_fen is None
