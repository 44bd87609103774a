"""Self-service pages of an organisation: registration, its dashboard (status, profile,
documents, members, resubmission) and the incubation panel. Every write goes through the
services; bad input re-renders the form with the services' Chinese message and changes nothing."""

import datetime

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from marketplace.accounts.models import RoleAssignment
from marketplace.core.models import AuditEntry
from marketplace.core.roles import Role
from marketplace.organizations import services
from marketplace.organizations.choices import OrgStatus
from marketplace.organizations.models import (
    IncubationActivity,
    Organization,
    OrganizationDocument,
    PeriodicReport,
)
from tests.factories import (
    CohortFactory,
    IncubationFactory,
    OrganizationFactory,
    PeriodicReportFactory,
    UserFactory,
    enable_mfa,
    grant,
)
from tests.factories.organizations import make_uscc
from tests.frontend.pagecheck import csp_problems

with translation.override("zh-hans"):
    REQUIRED = str(forms.Field.default_error_messages["required"])

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REGISTER = "/organizations/register/"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """Uploaded documents go to a temporary folder, never into the project."""
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    storages._storages.pop("private", None)
    yield
    storages._storages.pop("private", None)


def page(response, *texts, status=200, staff=False):
    assert response.status_code == status, response.content.decode()[:800]
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    if not staff:
        # For staff, base.html adds Wagtail's user bar, whose scripts are base.html's concern.
        assert csp_problems(response) == []
    for text in texts:
        assert text in html, f"{text!r} not on the page"
    return html


@pytest.fixture
def org(world):
    return OrganizationFactory(
        name="幸福里为老服务中心",
        street=world.street_a,
        community=world.community_a,
        contact_phone="+8613912345678",
        status="pending",
    )


@pytest.fixture
def org_admin(org):
    user = UserFactory(display_name="组织管理员")
    grant(user, Role.ORG_ADMIN, org)
    return user


@pytest.fixture
def org_member(org):
    user = UserFactory(display_name="组织成员")
    grant(user, Role.ORG_MEMBER, org)
    return user


def manage_url(org, rest: str = "") -> str:
    return f"/organizations/{org.pk}/manage/{rest}"


# --- registration ---------------------------------------------------------------------------
def form_data(world, **overrides):
    values = {
        "name": "和平社区邻里互助会",
        "legal_form": "social_group",
        "uscc": make_uscc(424242),
        "legal_representative": "刘芳",
        "contact_phone": "13912345678",
        "address": "太和区和平路8号",
        "street": world.street_a.pk,
        "community": world.community_a.pk,
        "category": "mutual_aid",
        "tags": ["elderly", "mediation"],
        "founded_on": "2019-03-01",
        "grade": "",
        "grade_expires_on": "",
        "description": "邻里守望,互帮互助",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def test_registration_needs_a_login(client, world):
    response = client.get(REGISTER)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_registration_form_renders_in_chinese(client, world):
    client.force_login(world.resident)
    html = page(
        client.get(REGISTER), "登记社会组织", "统一社会信用代码", "代码与证书一致", "养老", "乙一社区"
    )
    # Communities are grouped under their street, so the choice is clear without a script.
    assert '<optgroup label="甲街道">' in html


def test_registration_through_the_page_creates_a_pending_org(client, world):
    client.force_login(world.resident)
    response = client.post(REGISTER, form_data(world))
    org = Organization.objects.get(name="和平社区邻里互助会")
    assert response.status_code == 302 and response["Location"] == manage_url(org)
    assert org.status == OrgStatus.PENDING
    assert org.contact_phone == "+8613912345678"
    assert org.community == world.community_a
    assert sorted(org.tags.values_list("slug", flat=True)) == ["elderly", "mediation"]
    assert (
        RoleAssignment.objects.active()
        .filter(user=world.resident, role=Role.ORG_ADMIN, scope_id=org.pk)
        .exists()
    )
    html = page(client.get(response["Location"]), "等待区级审核", "待审核", "和平社区邻里互助会")
    assert "尚未上传任何材料" in html


def test_a_code_that_fails_its_check_can_be_confirmed_against_the_certificate(client, world):
    client.force_login(world.resident)
    bad_code = "91350100M000100Y44"
    html = page(client.post(REGISTER, form_data(world, uscc=bad_code)), "统一社会信用代码校验位不正确")
    assert not Organization.objects.exists()
    assert 'aria-invalid="true"' in html
    response = client.post(REGISTER, form_data(world, uscc=bad_code, uscc_check_failed="on"))
    assert response.status_code == 302
    assert Organization.objects.get().uscc_check_failed is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"community": "community_b"}, "所选社区不属于所选街道。"),
        ({"grade": "3A"}, "填写评估等级时须同时填写有效期。"),
        ({"uscc": ""}, "已登记的社会组织须填写统一社会信用代码。"),
        ({"contact_phone": "12345"}, "手机号码无效"),
        ({"founded_on": "2999-01-01"}, "成立日期无效。"),
        ({"name": ""}, REQUIRED),
        ({"founded_on": "明天"}, "输入一个有效的日期。"),
    ],
)
def test_bad_registration_input_rerenders_the_form_and_creates_nothing(client, world, overrides, message):
    client.force_login(world.resident)
    overrides = {k: getattr(world, v).pk if v == "community_b" else v for k, v in overrides.items()}
    html = page(client.post(REGISTER, form_data(world, **overrides)), message, "登记社会组织")
    assert not Organization.objects.exists()
    assert not RoleAssignment.objects.filter(role=Role.ORG_ADMIN).exists()
    # What was typed is kept.
    assert "太和区和平路8号" in html


def test_a_duplicate_code_is_refused(client, world):
    OrganizationFactory(uscc=make_uscc(424242), street=world.street_b)
    client.force_login(world.resident)
    page(client.post(REGISTER, form_data(world)), "该统一社会信用代码已被其他组织登记。")
    assert Organization.objects.count() == 1


# --- dashboard access -----------------------------------------------------------------------
@pytest.mark.parametrize("who", ["org_admin", "org_member", "district_admin"])
def test_dashboard_for_members_and_the_district(client, world, org, org_admin, org_member, who):
    user = {"org_admin": org_admin, "org_member": org_member, "district_admin": world.district_admin}[who]
    if who == "district_admin":
        enable_mfa(user)
    client.force_login(user)
    html = page(
        client.get(manage_url(org)),
        "幸福里为老服务中心",
        "认证状态",
        "13912345678",
        "组织成员",
        staff=who == "district_admin",
    )
    # The members list shows members' own phones masked.
    assert org_member.phone.removeprefix("+86") not in html
    assert org_member.masked_phone in html
    # Only an org admin (or the district) edits, uploads and adds members.
    assert (manage_url(org, "edit/") in html) is (who != "org_member")
    assert (manage_url(org, "documents/") in html) is (who != "org_member")
    assert (manage_url(org, "members/") in html) is (who != "org_member")


@pytest.mark.parametrize("who", ["resident", "official_a", "worker_a", "other_org_admin"])
def test_dashboard_is_404_for_outsiders(client, world, org, who):
    if who == "other_org_admin":
        user = UserFactory()
        grant(user, Role.ORG_ADMIN, OrganizationFactory(street=world.street_a))
    else:
        user = getattr(world, who)
        enable_mfa(user)
    client.force_login(user)
    for path in ["", "edit/"]:
        assert client.get(manage_url(org, path)).status_code == 404
    for path in ["documents/", "members/", "resubmit/", "activities/"]:
        assert client.post(manage_url(org, path), {}).status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="organizations.").exists()


def test_dashboard_asks_anonymous_visitors_to_log_in(client, org):
    response = client.get(manage_url(org))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_member_cannot_open_the_edit_page(client, org, org_member):
    client.force_login(org_member)
    assert client.get(manage_url(org, "edit/")).status_code == 404


# --- profile editing ------------------------------------------------------------------------
def test_org_admin_edits_the_profile(client, world, org, org_admin):
    client.force_login(org_admin)
    html = page(client.get(manage_url(org, "edit/")), "编辑组织资料", "幸福里为老服务中心")
    assert 'value="13912345678"' in html and 'value="2020-05-01"' in html
    data = form_data(world, name=org.name, legal_form=org.legal_form, uscc=org.uscc, description="新的简介")
    response = client.post(manage_url(org, "edit/"), data)
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.description == "新的简介" and org.category == "mutual_aid"


def test_a_verified_org_cannot_rename_itself(client, world, org, org_admin):
    Organization.objects.filter(pk=org.pk).update(status="verified")
    client.force_login(org_admin)
    data = form_data(world, name="改过的名字", legal_form=org.legal_form, uscc=org.uscc)
    page(client.post(manage_url(org, "edit/"), data), "名称、组织形式和信用代码不能自行修改")
    org.refresh_from_db()
    assert org.name == "幸福里为老服务中心"


# --- documents ------------------------------------------------------------------------------
def upload(name: str, content: bytes):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_a_fake_pdf_is_refused_with_the_chinese_message(client, org, org_admin):
    client.force_login(org_admin)
    response = client.post(
        manage_url(org, "documents/"),
        {"kind": "registration", "file": upload("登记证书.pdf", b"MZ\x90\x00 this is not a pdf at all")},
    )
    page(response, "文件类型不符:只接受 JPG、PDF、PNG,且扩展名须与文件内容一致。")
    assert not OrganizationDocument.objects.exists()


def test_a_real_pdf_is_stored_and_served_only_to_those_allowed(client, world, org, org_admin):
    client.force_login(org_admin)
    response = client.post(
        manage_url(org, "documents/"), {"kind": "charter", "file": upload("章程.pdf", PDF)}
    )
    assert response.status_code == 302
    document = OrganizationDocument.objects.get()
    assert document.kind == "charter" and document.file.original_name == "章程.pdf"
    html = page(client.get(manage_url(org)), "章程.pdf", "材料已上传。")
    link = f"/files/{document.file.pk}/"
    assert link in html
    assert b"".join(client.get(link).streaming_content) == PDF
    client.force_login(world.resident)
    assert client.get(link).status_code == 404


def test_a_member_cannot_upload(client, org, org_member):
    client.force_login(org_member)
    page(
        client.post(manage_url(org, "documents/"), {"kind": "charter", "file": upload("章程.pdf", PDF)}),
        "您没有执行此操作的权限。",
    )
    assert not OrganizationDocument.objects.exists()


# --- members --------------------------------------------------------------------------------
def test_org_admin_adds_a_member_by_phone(client, org, org_admin):
    newcomer = UserFactory(display_name="新成员", phone="+8613700001111")
    client.force_login(org_admin)
    response = client.post(manage_url(org, "members/"), {"phone": "137 0000 1111"})
    assert response.status_code == 302
    assert (
        RoleAssignment.objects.active().filter(user=newcomer, role=Role.ORG_MEMBER, scope_id=org.pk).exists()
    )
    page(client.get(manage_url(org)), "已添加成员:新成员。")


def test_adding_an_unknown_phone_shows_the_chinese_error(client, org, org_admin):
    client.force_login(org_admin)
    page(
        client.post(manage_url(org, "members/"), {"phone": "13700009999"}),
        "未找到使用该手机号的用户,请对方先注册。",
    )
    assert not RoleAssignment.objects.filter(role=Role.ORG_MEMBER).exists()


# --- resubmission ---------------------------------------------------------------------------
def test_resubmit_after_rejection(client, world, org, org_admin):
    enable_mfa(world.district_admin)
    services.organization_reject(actor=world.district_admin, org=org, reason="章程缺少盖章页")
    client.force_login(org_admin)
    html = page(client.get(manage_url(org)), "认证申请被退回", "章程缺少盖章页", "重新提交审核")
    assert "未通过" in html
    response = client.post(manage_url(org, "resubmit/"))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == OrgStatus.PENDING
    page(client.get(manage_url(org)), "已重新提交审核")


def test_resubmitting_a_pending_org_shows_the_chinese_refusal(client, org, org_admin):
    client.force_login(org_admin)
    response = client.post(manage_url(org, "resubmit/"), follow=True)
    page(response, "不能执行「重新提交审核」")
    org.refresh_from_db()
    assert org.status == OrgStatus.PENDING


# --- incubation panel -----------------------------------------------------------------------
@pytest.fixture
def incubation(world, org):
    cohort = CohortFactory(district=world.district, name="2026年第一期孵化", status="running")
    return IncubationFactory(application__organization=org, application__cohort=cohort)


def test_incubation_panel(client, org, org_admin, incubation):
    incubation.goals.create(title="完善财务制度", due_on=datetime.date(2026, 12, 31))
    PeriodicReportFactory(incubation=incubation, title="第一季度工作报告")
    client.force_login(org_admin)
    page(
        client.get(manage_url(org)),
        "2026年第一期孵化",
        "培育中",
        "完善财务制度",
        "第一季度工作报告",
        "提交报告",
        "登记已完成的活动",
        "出壳条件",
        "能力评估平均分不低于 3.5",
        "未达到",
    )


def test_no_incubation_says_so(client, org, org_admin):
    client.force_login(org_admin)
    page(client.get(manage_url(org)), "该组织目前没有进行中的孵化。")


def test_a_member_submits_a_report(client, org, org_member, incubation):
    report = PeriodicReportFactory(incubation=incubation)
    client.force_login(org_member)
    url = manage_url(org, f"reports/{report.pk}/submit/")
    page(client.post(url, {f"report-{report.pk}-content": "   "}), REQUIRED)
    assert PeriodicReport.objects.get(pk=report.pk).status == "due"
    response = client.post(url, {f"report-{report.pk}-content": "本季度开展助老活动6次"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.content == "本季度开展助老活动6次"
    html = page(client.get(manage_url(org)), "已提交", "本季度开展助老活动6次")
    assert f"reports/{report.pk}/submit/" not in html


def test_a_report_of_another_incubation_is_404(client, world, org, org_admin, incubation):
    other = PeriodicReportFactory()
    client.force_login(org_admin)
    response = client.post(
        manage_url(org, f"reports/{other.pk}/submit/"), {f"report-{other.pk}-content": "x"}
    )
    assert response.status_code == 404
    assert PeriodicReport.objects.get(pk=other.pk).status == "due"


def test_org_admin_records_an_activity(client, org, org_admin, incubation):
    client.force_login(org_admin)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    data = {"title": "重阳节敬老活动", "happened_on": tomorrow, "participants": "40", "summary": ""}
    page(client.post(manage_url(org, "activities/"), data), "只能登记已完成的活动。")
    assert not IncubationActivity.objects.exists()
    data["happened_on"] = timezone.localdate().isoformat()
    assert client.post(manage_url(org, "activities/"), data).status_code == 302
    activity = IncubationActivity.objects.get()
    assert activity.participants == 40 and activity.recorded_by == org_admin
    page(client.get(manage_url(org)), "重阳节敬老活动", "40 人参与")


def test_a_member_has_no_activity_form(client, org, org_member, incubation):
    client.force_login(org_member)
    html = page(client.get(manage_url(org)), "培育期活动")
    assert "登记已完成的活动" not in html
