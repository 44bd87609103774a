import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from marketplace.accounts.models import User
from marketplace.core.exceptions import PermissionDenied
from marketplace.core.models import AuditEntry
from marketplace.organizations import exports
from marketplace.organizations.choices import OrgStatus
from marketplace.organizations.models import ServiceTag
from tests.factories import IncubationFactory, OrganizationFactory, ScorecardFactory, UserFactory, enable_mfa

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _raw_text(content: bytes) -> str:
    """Everything stored in the workbook, shared strings included."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


# --- the directory --------------------------------------------------------------------------
def test_directory_has_every_organisation_with_a_masked_phone(ow):
    world = ow.world
    org = ow.org
    org.contact_phone = "+8613912345678"
    org.grade, org.grade_expires_on = "4A", datetime.date(2028, 6, 30)
    org.save()
    org.tags.set(ServiceTag.objects.filter(slug__in=["elderly", "meal-aid"]))
    OrganizationFactory(
        name="乙街道待审核组织",
        street=world.street_b,
        legal_form="community_filed",
        uscc=None,
        status=OrgStatus.PENDING,
        contact_phone="+8618700001111",
    )

    content = exports.directory_xlsx(actor=world.district_admin)

    rows = _rows(content)
    assert rows[0] == exports.DIRECTORY_HEADERS
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"幸福里为老服务中心", "乙街道待审核组织"}
    assert by_name["幸福里为老服务中心"] == [
        "幸福里为老服务中心",
        "社会服务机构",
        org.uscc,
        "生活服务类",
        "养老、助餐",
        "4A",
        datetime.datetime(2028, 6, 30),
        "甲街道",
        "甲一社区",
        "已认证",
        "139****5678",
    ]
    assert by_name["乙街道待审核组织"][2] is None  # no credit code: an empty cell
    assert by_name["乙街道待审核组织"][9] == "待审核"
    raw = _raw_text(content)
    for number in ("13912345678", "18700001111"):
        assert number not in raw
    entry = AuditEntry.objects.get(action="organizations.export.directory")
    assert entry.actor == world.district_admin and entry.changes == {"rows": 2}


@pytest.mark.parametrize("who", ["official_a", "worker_a", "resident", "org_admin"])
def test_only_the_district_exports_the_directory(ow, who):
    user = ow.org_admin if who == "org_admin" else getattr(ow.world, who)
    with pytest.raises(PermissionDenied):
        exports.directory_xlsx(actor=user)
    assert not AuditEntry.objects.filter(action__startswith="organizations.export").exists()


def test_text_that_looks_like_a_formula_stays_text(ow):
    ow.org.name = '=HYPERLINK("http://evil.example","点我")'
    ow.org.save()
    sheet = load_workbook(io.BytesIO(exports.directory_xlsx(actor=ow.world.district_admin))).active
    cell = sheet["A2"]
    assert cell.value == '=HYPERLINK("http://evil.example","点我")'
    assert cell.data_type == "s"


def _grow_orgs(world, n: int, start: int) -> None:
    tags = list(ServiceTag.objects.all()[:2])
    for i in range(start, start + n):
        org = OrganizationFactory(name=f"组织{i:03d}", street=world.street_a, community=world.community_a)
        org.tags.set(tags)


def _queries(fn, user) -> int:
    # A fresh user object each time: the role assignments are cached on the instance.
    fresh = User.objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as ctx:
        fn(fresh)
    return len(ctx.captured_queries)


def test_directory_export_query_count_does_not_grow_with_rows(world):
    admin = world.district_admin
    _grow_orgs(world, 3, 0)
    few = _queries(lambda u: exports.directory_xlsx(actor=u), admin)
    _grow_orgs(world, 27, 3)
    many = _queries(lambda u: exports.directory_xlsx(actor=u), admin)
    assert len(_rows(exports.directory_xlsx(actor=admin))) == 31
    assert few == many


# --- a cohort's scorecards ------------------------------------------------------------------
def _card(incubation, stage, scores, evidence="有制度文件", scorer=None):
    governance, finance, programmes, people = scores
    return ScorecardFactory(
        incubation=incubation,
        stage=stage,
        governance=governance,
        finance=finance,
        programmes=programmes,
        people=people,
        governance_evidence=evidence,
        scored_by=scorer or UserFactory(display_name="导师甲"),
    )


def test_scorecards_one_row_per_incubation_and_stage(ow):
    first = ow.make_incubation(status="midterm")
    _card(first, "midterm", (4, 4, 5, 3), evidence="=1+1")
    _card(first, "entry", (2, 3, 3, 2), evidence="章程已制定")
    second_org = OrganizationFactory(name="阳光助残服务社", street=ow.world.street_a)
    IncubationFactory(application__organization=second_org, application__cohort=ow.cohort)

    content = exports.cohort_scorecards_xlsx(actor=ow.world.district_admin, cohort=ow.cohort)

    rows = _rows(content)
    assert rows[0] == exports.SCORECARD_HEADERS
    body = rows[1:]
    # By organisation name, then entry before mid-term; an incubation without a card shows the gap.
    assert [(r[0], r[2]) for r in body] == [
        ("幸福里为老服务中心", "入孵"),
        ("幸福里为老服务中心", "中期"),
        ("阳光助残服务社", "未评估"),
    ]
    entry, midterm, missing = body
    assert entry[1] == "已中期评估"
    assert entry[3:11] == [2, "章程已制定", 3, "有制度文件", 3, "有制度文件", 2, "有制度文件"]
    assert entry[11] == 2.5 and midterm[11] == 4.0
    assert entry[12] == "导师甲" and isinstance(entry[13], datetime.datetime)
    assert midterm[4] == "=1+1"  # evidence typed as a formula is kept as text
    assert missing[3:] == [None] * 11
    entry_log = AuditEntry.objects.get(action="organizations.export.scorecards")
    assert entry_log.object_id == str(ow.cohort.pk) and entry_log.changes == {"rows": 3}


def test_scorecards_of_another_cohort_are_left_out(ow):
    other = IncubationFactory()
    _card(other, "entry", (5, 5, 5, 5))
    rows = _rows(exports.cohort_scorecards_xlsx(actor=ow.world.district_admin, cohort=ow.cohort))
    assert rows[1:] == []


@pytest.mark.parametrize("who", ["official_a", "org_admin", "mentor"])
def test_only_the_district_exports_scorecards(ow, who):
    user = getattr(ow, who) if who in ("org_admin", "mentor") else getattr(ow.world, who)
    ow.make_incubation()
    with pytest.raises(PermissionDenied):
        exports.cohort_scorecards_xlsx(actor=user, cohort=ow.cohort)
    assert not AuditEntry.objects.filter(action__startswith="organizations.export").exists()


def test_scorecard_export_query_count_does_not_grow_with_rows(ow):
    admin = ow.world.district_admin

    def grow(n, start):
        for i in range(start, start + n):
            org = OrganizationFactory(name=f"孵化组织{i:03d}", street=ow.world.street_a)
            incubation = IncubationFactory(application__organization=org, application__cohort=ow.cohort)
            _card(incubation, "entry", (3, 3, 3, 3))
            _card(incubation, "midterm", (4, 4, 4, 4))

    grow(3, 0)
    few = _queries(lambda u: exports.cohort_scorecards_xlsx(actor=u, cohort=ow.cohort), admin)
    grow(27, 3)
    many = _queries(lambda u: exports.cohort_scorecards_xlsx(actor=u, cohort=ow.cohort), admin)
    assert len(_rows(exports.cohort_scorecards_xlsx(actor=admin, cohort=ow.cohort))) == 61
    assert few == many


# --- through the API ------------------------------------------------------------------------
def test_the_district_downloads_the_directory(client, ow):
    enable_mfa(ow.world.district_admin)
    client.force_login(ow.world.district_admin)
    response = client.get("/api/v1/organizations/export.xlsx", HTTP_ACCEPT=XLSX)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert _rows(response.content)[1][0] == "幸福里为老服务中心"


def test_the_district_downloads_a_cohorts_scorecards(client, ow):
    _card(ow.make_incubation(), "entry", (3, 4, 3, 4))
    enable_mfa(ow.world.district_admin)
    client.force_login(ow.world.district_admin)
    response = client.get(f"/api/v1/cohorts/{ow.cohort.pk}/scorecards.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert _rows(response.content)[1][:3] == ["幸福里为老服务中心", "培育中", "入孵"]


@pytest.mark.parametrize("path", ["/api/v1/organizations/export.xlsx", "cohort"])
def test_a_street_official_gets_a_json_403(client, ow, path):
    if path == "cohort":
        path = f"/api/v1/cohorts/{ow.cohort.pk}/scorecards.xlsx"
    enable_mfa(ow.world.official_a)
    client.force_login(ow.world.official_a)
    # Even when the client asks for a spreadsheet, the refusal is readable JSON.
    response = client.get(path, HTTP_ACCEPT=XLSX)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not AuditEntry.objects.filter(action__startswith="organizations.export").exists()


@pytest.mark.parametrize("path", ["/api/v1/organizations/export.xlsx", "cohort"])
def test_anonymous_downloads_are_refused(client, ow, path):
    if path == "cohort":
        path = f"/api/v1/cohorts/{ow.cohort.pk}/scorecards.xlsx"
    assert client.get(path).status_code == 401


@pytest.mark.parametrize("pk", ["0", "-1", "abc", "1.5", str(2**63), str(2**80), "999999"])
def test_a_cohort_id_that_names_nothing_is_a_404(client, world, pk):
    enable_mfa(world.district_admin)
    client.force_login(world.district_admin)
    response = client.get(f"/api/v1/cohorts/{pk}/scorecards.xlsx")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
