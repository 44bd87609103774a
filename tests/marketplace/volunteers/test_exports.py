"""Hours exports (xlsx): per volunteer, per grid, per party organisation, and in-service party
members' yearly hours; scoped to the staff member, names and masked phones only, no ID
numbers, audited; and the admin's download routes."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from marketplace.core.exceptions import PermissionDenied, ValidationFailed
from marketplace.core.models import AuditEntry
from marketplace.core.spreadsheets import XLSX_CONTENT_TYPE
from marketplace.volunteers import exports, selectors, services
from tests.factories.volunteers import ServiceRecordFactory, ShiftFactory

from .test_admin import login, text  # noqa: F401 - the MFA login fixture

REGISTRY = "/admin/volunteers/registry/"
REPORTS = "/admin/volunteers/party-reports/"


def served(volunteer, day: datetime.date, minutes: int, status="confirmed"):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    return ServiceRecordFactory(
        signup__volunteer=volunteer,
        signup__shift=ShiftFactory(starts_at=start),
        minutes=minutes,
        status=status,
    )


def sheet(content: bytes) -> list[list]:
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    return [list(r) for r in rows]


@pytest.fixture
def hours(vw, world):
    """Two volunteers of grid A (a party member with 3 h in 2026 and 10 h in 2025, a resident
    with 1.5 h and a pending record) and one of grid B (2 h)."""
    member = vw.volunteer(political_status="party_member")
    resident = vw.volunteer()
    other = vw.volunteer(grid=world.grid_b)
    served(member, datetime.date(2026, 3, 1), 180)
    served(member, datetime.date(2025, 3, 1), 600)
    served(resident, datetime.date(2026, 4, 1), 90)
    served(resident, datetime.date(2026, 4, 2), 60, status="pending")
    served(other, datetime.date(2026, 5, 1), 120)
    return member, resident, other


YEAR = {"start": datetime.date(2026, 1, 1), "end": datetime.date(2026, 12, 31)}


def test_hours_per_volunteer(vw, hours):
    member, resident, other = hours
    rows = sheet(exports.hours_by_volunteer_xlsx(actor=vw.world.worker_a, **YEAR))
    assert rows[0] == exports.VOLUNTEER_HEADERS
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {member.identity.real_name, resident.identity.real_name}
    row = by_name[member.identity.real_name]
    phone = member.user.phone[3:]
    assert row[1] == f"{phone[:3]}****{phone[-4:]}"
    assert (row[3], row[4], row[5], row[6]) == ("甲一社区", "甲一社区第1网格", "中共党员", vw.party_org.name)
    assert (row[9], row[10], row[11]) == (3.0, 13.0, "未评星")
    assert by_name[resident.identity.real_name][9] == 1.5
    flat = str(rows)
    assert member.identity.id_number not in flat and member.user.phone not in flat and phone not in flat
    entry = AuditEntry.objects.get(action="volunteers.export.hours_by_volunteer")
    assert entry.actor == vw.world.worker_a and entry.changes["rows"] == 2
    # The district sees both streets; the other community's worker sees only theirs.
    assert len(sheet(exports.hours_by_volunteer_xlsx(actor=vw.world.district_admin, **YEAR))) == 4
    names = [r[0] for r in sheet(exports.hours_by_volunteer_xlsx(actor=vw.world.worker_b, **YEAR))[1:]]
    assert names == [other.identity.real_name]


def test_hours_per_grid_and_per_party_organisation(vw, hours, world):
    rows = sheet(exports.hours_by_grid_xlsx(actor=vw.world.official_a, **YEAR))
    assert rows[0] == exports.GRID_HEADERS
    assert ["甲街道", "甲一社区", "甲一社区第1网格", 2, 4.5] in rows
    assert not any(r[1] == "乙一社区" for r in rows)
    rows = sheet(exports.hours_by_grid_xlsx(actor=vw.world.district_admin))
    assert ["乙街道", "乙一社区", "乙一社区第1网格", 1, 2.0] in rows
    assert ["甲街道", "甲一社区", "甲一社区第1网格", 2, 14.5] in rows
    rows = sheet(exports.hours_by_party_organization_xlsx(actor=vw.world.worker_a, **YEAR))
    assert rows[0] == exports.PARTY_ORG_HEADERS
    assert rows[1][0] == vw.party_org.name and rows[1][2:] == [1, 3.0]
    assert len(rows) == 2
    assert sheet(exports.hours_by_party_organization_xlsx(actor=vw.world.worker_b, **YEAR)) == [
        exports.PARTY_ORG_HEADERS
    ]


def test_group_selectors_take_constant_queries(vw, hours, world, django_assert_num_queries):
    selectors.hours_by_grid(viewer=vw.world.district_admin)  # the viewer's roles, read once
    with django_assert_num_queries(2):
        selectors.hours_by_grid(viewer=vw.world.district_admin)
    with django_assert_num_queries(2):
        selectors.hours_by_party_organization(viewer=vw.world.district_admin)
    for _ in range(3):
        served(vw.volunteer(political_status="party_member"), datetime.date(2026, 6, 1), 30)
    with django_assert_num_queries(1):
        assert len(list(selectors.volunteer_hours(viewer=vw.world.district_admin))) == 6


def test_yearly_hours_of_in_service_members(vw):
    member = vw.volunteer(
        political_status="party_member",
        in_service=True,
        workplace="市第一医院",
        workplace_party_branch="医院第三党支部",
    )
    report = services.party_report_submit(actor=member.user, volunteer=member)
    services.party_report_confirm(actor=vw.world.worker_a, report=report)
    served(member, datetime.date(2026, 3, 1), 150)
    rows = sheet(exports.party_member_yearly_xlsx(actor=vw.world.worker_a, year=2026))
    assert rows[0] == exports.PARTY_YEAR_HEADERS
    assert rows[1][:3] == ["医院第三党支部", "市第一医院", member.identity.real_name]
    assert rows[1][-1] == 2.5
    with pytest.raises(ValidationFailed):
        exports.party_member_yearly_xlsx(actor=vw.world.worker_a, year=1900)


def test_exports_refuse_outsiders_and_bad_periods(vw):
    for export in (exports.hours_by_volunteer_xlsx, exports.hours_by_grid_xlsx):
        with pytest.raises(PermissionDenied):
            export(actor=vw.world.resident)
        with pytest.raises(ValidationFailed) as caught:
            export(actor=vw.world.worker_a, start=datetime.date(2026, 2, 1), end=datetime.date(2026, 1, 1))
        assert str(caught.value.message) == "开始日期不能晚于结束日期。"
    with pytest.raises(PermissionDenied):
        exports.party_member_yearly_xlsx(actor=vw.world.grid_worker_a, year=2026)
    assert not AuditEntry.objects.filter(action__startswith="volunteers.export").exists()


def test_admin_downloads(login, vw, hours):  # noqa: F811
    member, _resident, _other = hours
    client = login(vw.world.worker_a)
    page = text(client.get(f"{REGISTRY}exports/?start=2026-01-01&end=2026-12-31"))
    assert "export/volunteers/?start=2026-01-01&amp;end=2026-12-31" in page
    for route in ("export/volunteers/", "export/grids/", "export/party-organizations/"):
        response = client.get(f"{REGISTRY}{route}?start=2026-01-01&end=2026-12-31")
        assert response.status_code == 200, route
        assert response["Content-Type"] == XLSX_CONTENT_TYPE
    rows = sheet(client.get(f"{REGISTRY}export/volunteers/?start=2026-01-01&end=2026-12-31").content)
    assert member.identity.real_name in str(rows)
    response = client.get(f"{REGISTRY}export/grids/?start=2026-05-01&end=2026-01-01", follow=True)
    assert "开始日期不能晚于结束日期。" in text(response)
    response = client.get(f"{REPORTS}yearly/export/?year=2026")
    assert response.status_code == 200 and response.content[:2] == b"PK"
