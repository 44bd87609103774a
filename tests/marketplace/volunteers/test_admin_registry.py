"""The volunteer registry and in-service party members' reports in the back office: the masked,
scoped registry with filters, the whole personal data on a deliberate request (audited, community
workers of the home community and the district only), suspend and reinstate, confirming and
declining reports, and the members' yearly hours."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.core.models import AuditEntry
from marketplace.volunteers import services
from marketplace.volunteers.models import PartyReport, Volunteer
from tests.factories.volunteers import ServiceRecordFactory, ShiftFactory

from .test_admin import login, text  # noqa: F401 - the MFA login fixture

REGISTRY = "/admin/volunteers/registry/"
REPORTS = "/admin/volunteers/party-reports/"


def _masked(user) -> str:
    phone = user.phone[3:]
    return f"{phone[:3]}****{phone[-4:]}"


def test_registry_is_masked_and_scoped(login, vw, world):  # noqa: F811
    mine = vw.volunteer(political_status="party_member")
    theirs = vw.volunteer(grid=world.grid_b)
    page = text(login(world.worker_a).get(REGISTRY))
    assert mine.identity.real_name in page and _masked(mine.user) in page
    assert mine.user.phone[3:] not in page and mine.identity.id_number not in page
    assert theirs.identity.real_name not in page
    assert "导入花名册" in page and "导出服务时长" in page
    client = login(world.worker_b)
    assert client.get(f"{REGISTRY}inspect/{mine.pk}/").status_code == 404
    page = text(login(world.district_admin).get(REGISTRY))
    assert mine.identity.real_name in page and theirs.identity.real_name in page
    assert "导入花名册" not in page


def test_registry_filters(login, vw):  # noqa: F811
    member = vw.volunteer(political_status="party_member")
    resident = vw.volunteer()
    client = login(vw.world.worker_a)
    page = text(client.get(f"{REGISTRY}?political_status=party_member"))
    assert member.identity.real_name in page and resident.identity.real_name not in page
    page = text(client.get(f"{REGISTRY}?name={resident.identity.real_name}"))
    assert member.identity.real_name not in page and resident.identity.real_name in page


def test_registry_queries_do_not_grow_with_rows(login, vw):  # noqa: F811
    client = login(vw.world.worker_a)
    vw.volunteer()
    client.get(REGISTRY)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            text(client.get(REGISTRY))
        return len(ctx.captured_queries)

    one = count()
    for _ in range(6):
        vw.volunteer(political_status="party_member")
    assert count() == one


def test_inspect_shows_the_masked_id_and_hours(login, vw):  # noqa: F811
    volunteer = vw.volunteer()
    start = timezone.make_aware(datetime.datetime(2026, 3, 1, 9))
    ServiceRecordFactory(
        signup__volunteer=volunteer, signup__shift=ShiftFactory(starts_at=start), minutes=150
    )
    page = text(login(vw.world.worker_a).get(f"{REGISTRY}inspect/{volunteer.pk}/"))
    assert volunteer.identity.id_number_masked in page and volunteer.identity.id_number not in page
    assert "累计确认服务时长 2.5 小时" in page and "查看完整信息" in page and "暂停" in page


def test_personal_data_is_shown_on_request_and_audited(login, vw):  # noqa: F811
    volunteer = vw.volunteer()
    client = login(vw.world.worker_a)
    page = text(client.get(f"{REGISTRY}personal/{volunteer.pk}/"))
    assert volunteer.identity.id_number not in page
    assert not AuditEntry.objects.filter(action="volunteers.volunteer.view_personal").exists()
    page = text(client.post(f"{REGISTRY}personal/{volunteer.pk}/"))
    assert volunteer.identity.id_number in page and volunteer.user.phone in page
    entry = AuditEntry.objects.get(action="volunteers.volunteer.view_personal")
    assert (entry.actor, entry.object_id) == (vw.world.worker_a, str(volunteer.pk))


@pytest.mark.parametrize("attr", ["grid_worker_a", "official_a"])
def test_organisers_and_streets_do_not_see_the_whole_data(login, vw, attr):  # noqa: F811
    volunteer = vw.volunteer()
    client = login(getattr(vw.world, attr))
    assert "查看完整信息" not in text(client.get(f"{REGISTRY}inspect/{volunteer.pk}/"))
    page = text(client.post(f"{REGISTRY}personal/{volunteer.pk}/"))
    assert "您没有执行此操作的权限。" in page and volunteer.identity.id_number not in page
    assert not AuditEntry.objects.filter(action="volunteers.volunteer.view_personal").exists()


def test_suspend_and_reinstate_with_a_reason(login, vw):  # noqa: F811
    volunteer = vw.volunteer()
    client = login(vw.world.worker_a)
    assert "请填写" in text(client.post(f"{REGISTRY}suspend/{volunteer.pk}/", {"reason": ""}))
    assert Volunteer.objects.get(pk=volunteer.pk).status == "active"
    assert client.post(f"{REGISTRY}suspend/{volunteer.pk}/", {"reason": "多次无故缺席"}).status_code == 302
    assert Volunteer.objects.get(pk=volunteer.pk).status == "suspended"
    page = text(client.get(f"{REGISTRY}inspect/{volunteer.pk}/"))
    assert "多次无故缺席" in page and "恢复" in page
    assert (
        login(vw.world.worker_b).post(f"{REGISTRY}reinstate/{volunteer.pk}/", {"reason": "x"}).status_code
        == 404
    )
    client = login(vw.world.worker_a)
    assert client.post(f"{REGISTRY}reinstate/{volunteer.pk}/", {"reason": "已沟通"}).status_code == 302
    assert Volunteer.objects.get(pk=volunteer.pk).status == "active"


# --- party reports --------------------------------------------------------------------------
@pytest.fixture
def report(vw):
    member = vw.volunteer(
        political_status="party_member",
        in_service=True,
        workplace="区税务局",
        workplace_party_branch="区税务局第二党支部",
    )
    return services.party_report_submit(actor=member.user, volunteer=member, note="周末可参加")


def test_confirm_a_report(login, vw, report):  # noqa: F811
    client = login(vw.world.worker_a)
    page = text(client.get(REPORTS))
    assert "区税务局第二党支部" in page and "待确认" in page
    assert "确认报到" in text(client.get(f"{REPORTS}inspect/{report.pk}/"))
    assert client.post(f"{REPORTS}confirm/{report.pk}/").status_code == 302
    report.refresh_from_db()
    assert (report.status, report.decided_by) == ("confirmed", vw.world.worker_a)


def test_decline_needs_a_reason_and_outsiders_get_404(login, vw, report):  # noqa: F811
    other = login(vw.world.worker_b)
    assert "区税务局第二党支部" not in text(other.get(REPORTS))
    assert other.get(f"{REPORTS}inspect/{report.pk}/").status_code == 404
    assert other.post(f"{REPORTS}confirm/{report.pk}/").status_code == 404
    client = login(vw.world.worker_a)
    assert "请填写" in text(client.post(f"{REPORTS}decline/{report.pk}/", {"reason": ""}))
    assert PartyReport.objects.get(pk=report.pk).status == "pending"
    assert client.post(f"{REPORTS}decline/{report.pk}/", {"reason": "不在本社区居住"}).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.decline_reason) == ("declined", "不在本社区居住")
    # The street reads, but only the community confirms.
    page = text(login(vw.world.official_a).get(f"{REPORTS}inspect/{report.pk}/"))
    assert "不在本社区居住" in page and "确认报到" not in page


def test_yearly_hours_page(login, vw, report):  # noqa: F811
    services.party_report_confirm(actor=vw.world.worker_a, report=report)
    year = timezone.localdate().year
    start = timezone.make_aware(datetime.datetime(year, 1, 2, 9))
    ServiceRecordFactory(
        signup__volunteer=report.volunteer, signup__shift=ShiftFactory(starts_at=start), minutes=90
    )
    page = text(login(vw.world.worker_a).get(f"{REPORTS}yearly/?year={year}"))
    assert "区税务局第二党支部" in page and report.volunteer.identity.real_name in page and "1.5" in page
    assert report.volunteer.identity.id_number not in page
    page = text(login(vw.world.worker_b).get(f"{REPORTS}yearly/?year={year}"))
    assert report.volunteer.identity.real_name not in page
    assert login(vw.world.grid_worker_a).get(f"{REPORTS}yearly/").status_code in (302, 403, 404)
