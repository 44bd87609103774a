"""Social organisations in the district's Wagtail admin: the scoped list with its filters, the
detail page, and verification, rejection, suspension and reinstatement through the services."""

import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from marketplace.core.models import AuditEntry, TransitionLog
from marketplace.core.spreadsheets import XLSX_CONTENT_TYPE
from marketplace.organizations.choices import OrgStatus
from tests.factories import (
    DistrictFactory,
    OrganizationFactory,
    StreetFactory,
    UserFactory,
    enable_mfa,
    grant,
)
from tests.factories.organizations import make_uscc
from tests.frontend.pagecheck import csp_problems

from .conftest import attach_document

ORGS = "/admin/social-organizations/"
COHORTS = "/admin/incubator/cohorts/"


@pytest.fixture
def login(client):
    """Log a user in as the admin sees them: staff must have two-factor authentication."""

    def _login(user):
        enable_mfa(user)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


def _text(response) -> str:
    return response.content.decode()


def _org_moves():
    return AuditEntry.objects.filter(action__startswith="organizations.organization.")


def _pending(world, **kwargs):
    org = OrganizationFactory(street=world.street_a, status=OrgStatus.PENDING, **kwargs)
    attach_document(org)
    return org


def _other_district_street():
    return StreetFactory(district=DistrictFactory(code="other", name="邻区"))


def _failed_code() -> str:
    good = make_uscc(777)
    return good[:17] + ("0" if good[17] != "0" else "1")


# --- the list ---------------------------------------------------------------------------------
def test_list_shows_status_form_code_place_and_grade(login, world):
    OrganizationFactory(
        name="甲一助老协会",
        street=world.street_a,
        community=world.community_a,
        grade="4A",
        grade_expires_on="2027-12-31",
    )
    OrganizationFactory(name="乙街环保社", street=world.street_b, status=OrgStatus.PENDING)
    OrganizationFactory(name="码错组织", street=world.street_b, uscc=_failed_code(), uscc_check_failed=True)
    page = _text(login(world.district_admin).get(ORGS))
    for expected in (
        "甲一助老协会",
        "乙街环保社",
        "甲街道 / 甲一社区",
        "4A",
        "2027-12-31",
        "待审核",
        "已认证",
    ):
        assert expected in page
    assert f"{_failed_code()} ⚠ 校验未通过" in page
    assert "社会服务机构" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"status": "pending"}, "待审组织", "已认证组织"),
        ({"category": "charity"}, "待审组织", "已认证组织"),
        ({"street": "b"}, "已认证组织", "待审组织"),
        ({"uscc_check_failed": "true"}, "待审组织", "已认证组织"),
        ({"q": "已认证"}, "已认证组织", "待审组织"),
    ],
)
def test_list_filters(login, world, query, shown, hidden):
    OrganizationFactory(
        name="待审组织",
        street=world.street_a,
        status=OrgStatus.PENDING,
        category="charity",
        uscc=_failed_code(),
        uscc_check_failed=True,
    )
    OrganizationFactory(name="已认证组织", street=world.street_b)
    if query.get("street") == "b":
        query = {"street": world.street_b.pk}
    page = _text(login(world.district_admin).get(ORGS, query))
    assert shown in page
    assert hidden not in page


def test_list_covers_only_the_admins_district(login, world):
    OrganizationFactory(name="本区组织", street=world.street_a)
    OrganizationFactory(name="外区组织", street=_other_district_street())
    page = _text(login(world.district_admin).get(ORGS))
    assert "本区组织" in page
    assert "外区组织" not in page


def test_list_query_count_does_not_grow_with_rows(login, world):
    client = login(world.district_admin)
    client.get(ORGS)  # warm up caches filled once per process (content types, menus)

    def add(n):
        for i in range(n):
            street, community = (world.street_a, world.community_a) if i % 2 else (world.street_b, None)
            OrganizationFactory(street=street, community=community, grade="3A", grade_expires_on="2030-01-01")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(ORGS)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add(5)
    few = count()
    add(45)
    many = count()
    assert many == few


# --- the detail page --------------------------------------------------------------------------
def test_detail_shows_profile_documents_members_and_history(login, world):
    org = _pending(world, name="和平邻里互助会", contact_phone="+8613912345678")
    document = org.documents.get()
    member = UserFactory(display_name="李会长", phone="+8613700001111")
    grant(member, "org_admin", org)
    client = login(world.district_admin)
    client.post(f"{ORGS}reject/{org.pk}/", {"reason": "章程缺少盖章页"})

    response = client.get(f"{ORGS}inspect/{org.pk}/")
    page = _text(response)
    assert response.status_code == 200
    assert "和平邻里互助会" in page
    assert f'href="/files/{document.file_id}/"' in page
    assert "登记证书.pdf" in page
    assert "李会长" in page and "137****1111" in page
    # Phones appear masked, never whole.
    assert "13700001111" not in page and "13912345678" not in page
    assert "139****5678" in page
    assert "章程缺少盖章页" in page and "待审核 → 未通过" in page
    assert csp_problems(response) == []
    # Seeing an organisation's private details from outside it is on the record.
    assert AuditEntry.objects.filter(
        action="organizations.org.view_private", actor=world.district_admin, object_id=str(org.pk)
    ).exists()


@pytest.mark.parametrize(
    ("status", "offered", "not_offered"),
    [
        (OrgStatus.PENDING, {"verify", "reject"}, {"suspend", "reinstate"}),
        (OrgStatus.VERIFIED, {"suspend"}, {"verify", "reject", "reinstate"}),
        (OrgStatus.SUSPENDED, {"reinstate"}, {"verify", "reject", "suspend"}),
        (OrgStatus.REJECTED, set(), {"verify", "reject", "suspend", "reinstate"}),
    ],
)
def test_buttons_are_the_moves_available_now(login, world, status, offered, not_offered):
    org = OrganizationFactory(street=world.street_a, status=status)
    attach_document(org)
    page = _text(login(world.district_admin).get(f"{ORGS}inspect/{org.pk}/"))
    for code in offered:
        assert f"{ORGS}{code}/{org.pk}/" in page
    for code in not_offered:
        assert f"{ORGS}{code}/{org.pk}/" not in page


def test_no_verify_button_without_documents(login, world):
    org = OrganizationFactory(street=world.street_a, status=OrgStatus.PENDING)
    page = _text(login(world.district_admin).get(f"{ORGS}inspect/{org.pk}/"))
    assert f"{ORGS}verify/{org.pk}/" not in page
    assert f"{ORGS}reject/{org.pk}/" in page


# --- the moves --------------------------------------------------------------------------------
def test_district_admin_verifies(login, world):
    org = _pending(world)
    response = login(world.district_admin).post(f"{ORGS}verify/{org.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"{ORGS}inspect/{org.pk}/"
    org.refresh_from_db()
    assert org.status == OrgStatus.VERIFIED
    assert org.verified_at is not None
    entry = _org_moves().get()
    assert (entry.action, entry.actor) == ("organizations.organization.verify", world.district_admin)


def test_verify_without_documents_is_refused_in_chinese(login, world):
    org = OrganizationFactory(street=world.street_a, status=OrgStatus.PENDING)
    response = login(world.district_admin).post(f"{ORGS}verify/{org.pk}/")
    assert response.status_code == 200
    assert "请先上传登记证书、章程或备案证明等材料。" in _text(response)
    org.refresh_from_db()
    assert org.status == OrgStatus.PENDING
    assert not _org_moves().exists()


def test_a_failed_code_needs_a_documented_override(login, world):
    org = _pending(world, uscc=_failed_code(), uscc_check_failed=True)
    client = login(world.district_admin)
    # The button is offered although available() cannot know the reason yet: the form asks.
    assert f"{ORGS}verify/{org.pk}/" in _text(client.get(f"{ORGS}inspect/{org.pk}/"))
    form = _text(client.get(f"{ORGS}verify/{org.pk}/"))
    assert 'name="override_reason"' in form

    response = client.post(f"{ORGS}verify/{org.pk}/", {"override_reason": "  "})
    assert response.status_code == 200
    assert "认证前须填写人工核验说明" in _text(response)
    org.refresh_from_db()
    assert org.status == OrgStatus.PENDING
    assert not _org_moves().exists()

    response = client.post(
        f"{ORGS}verify/{org.pk}/", {"override_reason": "已核对登记证书原件,代码与证书一致"}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == OrgStatus.VERIFIED
    assert org.uscc_override_reason == "已核对登记证书原件,代码与证书一致"
    assert _org_moves().get().reason == "已核对登记证书原件,代码与证书一致"


def test_verify_form_of_a_good_code_asks_nothing(login, world):
    org = _pending(world)
    form = _text(login(world.district_admin).get(f"{ORGS}verify/{org.pk}/"))
    assert 'name="override_reason"' not in form
    assert "确定对" in form


def test_reject_needs_a_reason(login, world):
    org = _pending(world)
    client = login(world.district_admin)
    response = client.post(f"{ORGS}reject/{org.pk}/", {"reason": ""})
    assert response.status_code == 200
    assert "请填写原因。" in _text(response)
    org.refresh_from_db()
    assert org.status == OrgStatus.PENDING

    response = client.post(f"{ORGS}reject/{org.pk}/", {"reason": "登记证书已过期"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == OrgStatus.REJECTED
    log = TransitionLog.objects.get(lifecycle="organizations.organization", object_id=str(org.pk))
    assert (log.code, log.reason, log.actor) == ("reject", "登记证书已过期", world.district_admin)


def test_suspend_and_reinstate(login, world):
    org = OrganizationFactory(street=world.street_a)
    client = login(world.district_admin)
    response = client.post(f"{ORGS}suspend/{org.pk}/", {"reason": ""})
    assert response.status_code == 200 and "请填写原因。" in _text(response)
    org.refresh_from_db()
    assert org.status == OrgStatus.VERIFIED

    assert client.post(f"{ORGS}suspend/{org.pk}/", {"reason": "年检未通过"}).status_code == 302
    org.refresh_from_db()
    assert org.status == OrgStatus.SUSPENDED
    assert client.post(f"{ORGS}reinstate/{org.pk}/", {"reason": "已完成整改"}).status_code == 302
    org.refresh_from_db()
    assert org.status == OrgStatus.VERIFIED
    assert list(_org_moves().order_by("id").values_list("action", "reason")) == [
        ("organizations.organization.suspend", "年检未通过"),
        ("organizations.organization.reinstate", "已完成整改"),
    ]


def test_a_move_not_allowed_now_is_a_chinese_error(login, world):
    org = OrganizationFactory(street=world.street_a)  # already verified
    response = login(world.district_admin).post(f"{ORGS}verify/{org.pk}/")
    assert response.status_code == 200
    assert "当前状态为「已认证」,不能执行「认证通过」。" in _text(response)
    assert not _org_moves().exists()


def test_organisation_of_another_district_is_not_found(login, world):
    org = OrganizationFactory(street=_other_district_street(), status=OrgStatus.PENDING)
    attach_document(org)
    client = login(world.district_admin)
    assert client.get(f"{ORGS}inspect/{org.pk}/").status_code == 404
    assert client.post(f"{ORGS}verify/{org.pk}/").status_code == 404
    org.refresh_from_db()
    assert org.status == OrgStatus.PENDING


# --- who may use it ---------------------------------------------------------------------------
def admin_menu(client) -> dict[str, list[str]]:
    """The admin's sidebar as {top-level label: [urls under it]}."""
    page = _text(client.get("/admin/"))
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', page, re.S
    )
    modules = json.loads(props.group(1))["modules"]
    items = next(m for m in modules if m["_type"] == "wagtail.sidebar.MainMenuModule")["_args"][0]
    menu = {}
    for item in items:
        head = item["_args"][0]
        if item["_type"] == "wagtail.sidebar.SubMenuItem":
            menu[head["label"]] = [child["_args"][0]["url"] for child in item["_args"][1]]
        else:
            menu[head["label"]] = [head["url"]]
    return menu


def test_menu_is_for_the_district(login, world):
    menu = admin_menu(login(world.district_admin))
    assert menu["社会组织"] == [ORGS, COHORTS]


@pytest.mark.parametrize("user_attr", ["official_a", "worker_a", "grid_worker_a"])
def test_street_and_community_staff_see_no_menu_and_cannot_open_it(login, world, user_attr):
    org = _pending(world)
    client = login(getattr(world, user_attr))
    menu = admin_menu(client)
    assert "社会组织" not in menu
    assert not any(url.startswith((ORGS, "/admin/incubator/")) for urls in menu.values() for url in urls)
    response = client.get(ORGS)
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get(f"{ORGS}inspect/{org.pk}/").status_code in (302, 404)
    for code in ("verify", "reject"):
        response = client.post(f"{ORGS}{code}/{org.pk}/", {"reason": "越权"})
        assert response.status_code in (302, 404)
        assert response.get("Location", "/admin/") == "/admin/"
    assert client.get(f"{ORGS}export/").status_code == 302
    org.refresh_from_db()
    assert org.status == OrgStatus.PENDING
    assert not _org_moves().exists()
    assert not AuditEntry.objects.filter(action__startswith="organizations.export").exists()


# --- export -----------------------------------------------------------------------------------
def test_directory_export(login, world):
    OrganizationFactory(name="导出组织", street=world.street_a, contact_phone="+8613911112222")
    client = login(world.district_admin)
    assert f"{ORGS}export/" in _text(client.get(ORGS))
    response = client.get(f"{ORGS}export/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert any(row[0] == "导出组织" and row[-1] == "139****2222" for row in rows)
    assert AuditEntry.objects.filter(
        action="organizations.export.directory", actor=world.district_admin
    ).exists()
