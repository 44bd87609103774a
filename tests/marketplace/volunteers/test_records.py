"""Service-hours records: confirmation, rejection, corrections as new records, totals over the
current confirmed records only, and records that are never edited."""

import datetime

import pytest
from django.utils import timezone

from marketplace.core.exceptions import PermissionDenied, TransitionNotAllowed, ValidationFailed
from marketplace.core.models import AuditEntry
from marketplace.volunteers import selectors, services
from marketplace.volunteers.models import RecordImmutableError, ServiceRecord

from .conftest import shift_data


@pytest.fixture
def served(vw, time_machine):
    """A volunteer who served 2 h of a 3 h shift, checked out (record pending)."""
    volunteer = vw.volunteer()
    shift = vw.activity(shifts=[shift_data(hours=3)]).shifts.get()
    signup = services.signup_create(actor=volunteer.user, shift=shift)
    time_machine.move_to(shift.starts_at, tick=False)
    services.signup_check_in(actor=vw.world.worker_a, signup=signup)
    time_machine.move_to(shift.starts_at + datetime.timedelta(hours=2), tick=False)
    record = services.signup_check_out(actor=vw.world.worker_a, signup=signup)
    return volunteer, shift, record


def test_pending_hours_do_not_count_until_confirmed(served, vw):
    volunteer, _shift, record = served
    assert selectors.volunteer_totals(volunteer=volunteer).minutes == 0
    assert list(selectors.pending_records(viewer=vw.world.worker_a)) == [record]
    assert list(selectors.pending_records(viewer=vw.world.worker_b)) == []
    services.record_confirm(actor=vw.world.worker_a, record=record)
    record.refresh_from_db()
    assert (record.status, record.confirmed_by) == ("confirmed", vw.world.worker_a)
    totals = selectors.volunteer_totals(volunteer=volunteer)
    assert (totals.minutes, totals.record_count, totals.hours) == (120, 1, 2.0)


def test_only_organisers_confirm(served, vw):
    volunteer, _shift, record = served
    for outsider in (volunteer.user, vw.world.worker_b, vw.org_admin, vw.world.district_admin):
        with pytest.raises(PermissionDenied):
            services.record_confirm(actor=outsider, record=record)
        with pytest.raises(PermissionDenied):
            services.record_correct(actor=outsider, record=record, minutes=60, reason="x")
    record.refresh_from_db()
    assert record.status == "pending"


def test_correction_chain(served, vw):
    volunteer, _shift, record = served
    services.record_confirm(actor=vw.world.worker_a, record=record)
    first_fix = services.record_correct(
        actor=vw.world.worker_a, record=record, minutes=150, reason="签退晚录"
    )
    second_fix = services.record_correct(
        actor=vw.world.official_a, record=first_fix, minutes=140, reason="核对考勤"
    )
    record.refresh_from_db()
    first_fix.refresh_from_db()
    assert (record.status, record.minutes) == ("superseded", 120)
    assert (first_fix.status, first_fix.corrects, first_fix.reason) == ("superseded", record, "签退晚录")
    assert (second_fix.status, second_fix.corrects, second_fix.confirmed_by) == (
        "confirmed",
        first_fix,
        vw.world.official_a,
    )
    assert selectors.record_chain(second_fix) == [second_fix, first_fix, record]
    assert selectors.volunteer_totals(volunteer=volunteer).minutes == 140
    history = list(
        selectors.volunteer_records(viewer=volunteer.user, volunteer=volunteer, include_closed=True)
    )
    assert {r.pk for r in history} == {record.pk, first_fix.pk, second_fix.pk}
    current = list(selectors.volunteer_records(viewer=volunteer.user, volunteer=volunteer))
    assert current == [second_fix]
    entry = AuditEntry.objects.filter(action="volunteers.record.correct").first()
    assert entry.changes == {"corrects": first_fix.pk, "minutes": [150, 140]}
    # A superseded record cannot be corrected again: the chain has one head.
    with pytest.raises(TransitionNotAllowed):
        services.record_correct(actor=vw.world.worker_a, record=record, minutes=10, reason="再改")
    assert ServiceRecord.objects.count() == 3


def test_a_pending_record_can_be_corrected_too(served, vw):
    volunteer, _shift, record = served
    fix = services.record_correct(actor=vw.world.worker_a, record=record, minutes=0, reason="未实际服务")
    assert fix.status == "confirmed" and fix.minutes == 0
    record.refresh_from_db()
    assert record.status == "superseded"
    assert selectors.volunteer_totals(volunteer=volunteer).minutes == 0


@pytest.mark.parametrize(
    ("minutes", "reason", "code"),
    [
        (-1, "理由", "negative"),
        (3 * 60 + 31, "理由", "too_long"),
        ("90", "理由", "invalid"),
        (True, "理由", "invalid"),
        (60, "  ", "invalid"),
    ],
)
def test_bad_corrections_change_nothing(served, vw, minutes, reason, code):
    _volunteer, _shift, record = served
    with pytest.raises(ValidationFailed) as exc:
        services.record_correct(actor=vw.world.worker_a, record=record, minutes=minutes, reason=reason)
    assert exc.value.code == code and str(exc.value.message)
    record.refresh_from_db()
    assert record.status == "pending"
    assert ServiceRecord.objects.count() == 1


def test_the_longest_correction_is_the_shift_plus_the_margin(served, vw):
    _volunteer, _shift, record = served
    fix = services.record_correct(actor=vw.world.worker_a, record=record, minutes=3 * 60 + 30, reason="加班")
    assert fix.minutes == 210


def test_rejected_hours_never_count(served, vw):
    volunteer, _shift, record = served
    services.record_reject(actor=vw.world.worker_a, record=record, reason="未在岗")
    record.refresh_from_db()
    assert record.status == "rejected" and record.closed_at is not None
    assert selectors.volunteer_totals(volunteer=volunteer).minutes == 0


def test_a_record_is_never_edited(served, vw):
    _volunteer, _shift, record = served
    services.record_confirm(actor=vw.world.worker_a, record=record)
    record.refresh_from_db()
    record.minutes = 999
    with pytest.raises(RecordImmutableError):
        record.save()
    with pytest.raises(RecordImmutableError):
        record.save(update_fields=["minutes"])
    record.refresh_from_db()
    assert record.minutes == 120


def test_confirm_all_of_a_shift(vw, time_machine):
    shift = vw.activity(shifts=[shift_data(hours=2)]).shifts.get()
    volunteers = [vw.volunteer() for _ in range(3)]
    signups = [services.signup_create(actor=v.user, shift=shift) for v in volunteers]
    time_machine.move_to(shift.starts_at, tick=False)
    for signup in signups:
        services.signup_check_in(actor=vw.world.worker_a, signup=signup)
    time_machine.move_to(shift.ends_at, tick=False)
    for signup in signups:
        services.signup_check_out(actor=vw.world.worker_a, signup=signup)
    assert services.record_confirm_all(actor=vw.world.worker_a, shift=shift) == 3
    assert set(ServiceRecord.objects.values_list("status", flat=True)) == {"confirmed"}
    assert services.record_confirm_all(actor=vw.world.worker_a, shift=shift) == 0


def test_totals_for_a_period(vw):
    from tests.factories.volunteers import ServiceRecordFactory, ShiftFactory

    volunteer = vw.volunteer()
    for day, minutes in ((datetime.date(2025, 12, 31), 60), (datetime.date(2026, 1, 1), 90)):
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        ServiceRecordFactory(
            signup__volunteer=volunteer, signup__shift=ShiftFactory(starts_at=start), minutes=minutes
        )
    assert selectors.volunteer_totals(volunteer=volunteer).minutes == 150
    in_2026 = selectors.volunteer_totals(volunteer=volunteer, start=datetime.date(2026, 1, 1))
    assert (in_2026.minutes, in_2026.record_count) == (90, 1)
