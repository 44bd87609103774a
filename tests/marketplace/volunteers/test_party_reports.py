"""In-service party members report to their home community; the community confirms or declines;
their yearly hours go back to their workplace branches."""

import datetime

import pytest
from django.utils import timezone

from marketplace.core.exceptions import PermissionDenied, ValidationFailed
from marketplace.core.models import Notification
from marketplace.volunteers import selectors, services
from marketplace.volunteers.models import PartyReport
from tests.factories.volunteers import ServiceRecordFactory, ShiftFactory


@pytest.fixture
def member(vw):
    return vw.volunteer(
        political_status="party_member",
        in_service=True,
        workplace="市第一医院",
        workplace_party_branch="市第一医院第三党支部",
    )


def test_report_and_confirm(vw, member):
    report = services.party_report_submit(actor=member.user, volunteer=member, note="周末可参加")
    assert (report.status, report.community, report.workplace_party_branch) == (
        "pending",
        vw.world.community_a,
        "市第一医院第三党支部",
    )
    assert Notification.objects.filter(recipient=vw.world.worker_a, title__contains="报到").exists()
    assert list(selectors.party_report_list(viewer=vw.world.worker_a)) == [report]
    assert list(selectors.party_report_list(viewer=vw.world.worker_b)) == []
    with pytest.raises(PermissionDenied):
        services.party_report_confirm(actor=vw.world.worker_b, report=report)
    services.party_report_confirm(actor=vw.world.worker_a, report=report)
    report.refresh_from_db()
    assert (report.status, report.decided_by) == ("confirmed", vw.world.worker_a)
    with pytest.raises(ValidationFailed) as exc:
        services.party_report_submit(actor=member.user, volunteer=member)
    assert exc.value.code == "duplicate"


def test_decline_with_a_reason_then_report_again(vw, member):
    report = services.party_report_submit(actor=member.user, volunteer=member)
    with pytest.raises(ValidationFailed):
        services.party_report_decline(actor=vw.world.worker_a, report=report, reason="")
    services.party_report_decline(actor=vw.world.worker_a, report=report, reason="未在本社区居住")
    report.refresh_from_db()
    assert (report.status, report.decline_reason) == ("declined", "未在本社区居住")
    assert Notification.objects.filter(recipient=member.user, body="未在本社区居住").exists()
    again = services.party_report_submit(actor=member.user, volunteer=member)
    assert again.pk != report.pk and again.status == "pending"


def test_withdraw_and_end(vw, member):
    report = services.party_report_submit(actor=member.user, volunteer=member)
    services.party_report_withdraw(actor=member.user, report=report)
    assert PartyReport.objects.get(pk=report.pk).status == "withdrawn"
    report = services.party_report_submit(actor=member.user, volunteer=member)
    services.party_report_confirm(actor=vw.world.worker_a, report=report)
    services.party_report_end(actor=member.user, report=report, reason="搬离本社区")
    assert PartyReport.objects.get(pk=report.pk).status == "ended"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"political_status": "masses"}, "not_in_service_member"),
        ({"political_status": "party_member", "in_service": False}, "not_in_service_member"),
    ],
)
def test_only_in_service_members_report(vw, kwargs, code):
    volunteer = vw.volunteer(**kwargs)
    with pytest.raises(ValidationFailed) as exc:
        services.party_report_submit(actor=volunteer.user, volunteer=volunteer)
    assert exc.value.code == code and "在职党员" in str(exc.value.message)
    assert not PartyReport.objects.exists()


def test_nobody_reports_for_someone_else(vw, member):
    with pytest.raises(PermissionDenied):
        services.party_report_submit(actor=vw.world.worker_a, volunteer=member)


def _served(volunteer, day, minutes):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    ServiceRecordFactory(
        signup__volunteer=volunteer, signup__shift=ShiftFactory(starts_at=start), minutes=minutes
    )


def test_yearly_hours_for_the_workplace_branch(vw, member, django_assert_num_queries):
    services.party_report_confirm(
        actor=vw.world.worker_a, report=services.party_report_submit(actor=member.user, volunteer=member)
    )
    unconfirmed = vw.volunteer(
        political_status="party_member",
        in_service=True,
        workplace="区税务局",
        workplace_party_branch="区税务局党支部",
    )
    services.party_report_submit(actor=unconfirmed.user, volunteer=unconfirmed)
    _served(member, datetime.date(2025, 6, 1), 600)
    _served(member, datetime.date(2026, 3, 1), 120)
    _served(member, datetime.date(2026, 12, 31), 45)
    _served(unconfirmed, datetime.date(2026, 3, 1), 60)
    with django_assert_num_queries(1):
        rows = list(selectors.party_member_yearly_hours(viewer=vw.world.worker_a, year=2026))
    assert [(r.pk, r.year_minutes, r.workplace_party_branch) for r in rows] == [
        (member.pk, 165, "市第一医院第三党支部")
    ]
    assert [
        r.year_minutes for r in selectors.party_member_yearly_hours(viewer=vw.world.official_a, year=2025)
    ] == [600]
    assert list(selectors.party_member_yearly_hours(viewer=vw.world.worker_b, year=2026)) == []
    assert list(selectors.party_member_yearly_hours(viewer=member.user, year=2026)) == []
