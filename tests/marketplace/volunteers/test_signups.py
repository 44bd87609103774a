"""Signing up: exact capacity, the waiting list in order, promotion when a place frees,
cancellation before the start only, party-only activities, the deadline by the server clock."""

import datetime

import pytest
from django.utils import timezone

from marketplace.core.exceptions import GuardFailed, NotFound, PermissionDenied, ValidationFailed
from marketplace.core.models import AuditEntry, Notification
from marketplace.volunteers import selectors, services
from marketplace.volunteers.models import Signup
from tests.factories import UserFactory

from .conftest import shift_data


def test_places_then_waiting_list_then_promotion_in_order(vw):
    shift = vw.activity(shifts=[shift_data(capacity=2)]).shifts.get()
    volunteers = [vw.volunteer() for _ in range(5)]
    signups = [services.signup_create(actor=v.user, shift=shift) for v in volunteers]
    assert [s.status for s in signups] == ["confirmed", "confirmed", "waiting", "waiting", "waiting"]
    mine = selectors.my_signups(volunteer=volunteers[4])
    assert [s.waiting_position for s in mine] == [3]
    assert selectors.my_signups(volunteer=volunteers[0]).get().waiting_position is None

    services.signup_cancel(actor=volunteers[1].user, signup=signups[1])
    statuses = dict(Signup.objects.filter(shift=shift).values_list("volunteer_id", "status"))
    assert [statuses[v.pk] for v in volunteers] == [
        "confirmed",
        "cancelled",
        "confirmed",
        "waiting",
        "waiting",
    ]
    promoted = Signup.objects.get(pk=signups[2].pk)
    assert promoted.promoted_at is not None
    note = Notification.objects.get(recipient=volunteers[2].user)
    assert "候补成功" in note.title
    assert selectors.my_signups(volunteer=volunteers[4]).get().waiting_position == 2

    # Leaving the waiting list frees no place and promotes nobody.
    services.signup_cancel(actor=volunteers[3].user, signup=signups[3])
    assert Signup.objects.get(pk=signups[4].pk).status == "waiting"


def test_no_double_sign_up_and_no_time_clash(vw):
    volunteer = vw.volunteer()
    start = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    activity = vw.activity(
        shifts=[shift_data(start=start), shift_data(start=start + datetime.timedelta(hours=1))]
    )
    first, overlapping = activity.shifts.order_by("starts_at")
    services.signup_create(actor=volunteer.user, shift=first)
    with pytest.raises(ValidationFailed) as exc:
        services.signup_create(actor=volunteer.user, shift=first)
    assert exc.value.code == "duplicate" and "已报名" in str(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:
        services.signup_create(actor=volunteer.user, shift=overlapping)
    assert exc.value.code == "time_clash"
    assert Signup.objects.filter(volunteer=volunteer).count() == 1


def test_sign_up_again_after_cancelling(vw):
    volunteer = vw.volunteer()
    shift = vw.activity().shifts.get()
    signup = services.signup_create(actor=volunteer.user, shift=shift)
    services.signup_cancel(actor=volunteer.user, signup=signup)
    again = services.signup_create(actor=volunteer.user, shift=shift)
    assert again.pk != signup.pk and again.status == "confirmed"


def test_party_only_refuses_non_members(vw):
    shift = vw.activity(party_only=True).shifts.get()
    for status in ("masses", "league_member"):
        volunteer = vw.volunteer(political_status=status)
        with pytest.raises(ValidationFailed) as exc:
            services.signup_create(actor=volunteer.user, shift=shift)
        assert exc.value.code == "party_only" and "仅限党员" in str(exc.value.message)
    for status in ("party_member", "probationary"):
        assert (
            services.signup_create(actor=vw.volunteer(political_status=status).user, shift=shift).status
            == "confirmed"
        )
    assert Signup.objects.filter(shift=shift).count() == 2


def test_deadline_is_the_server_clock(vw, time_machine):
    deadline = (timezone.now() + datetime.timedelta(days=1)).replace(microsecond=0)
    shift = vw.activity(signup_deadline=deadline).shifts.get()
    early, late = vw.volunteer(), vw.volunteer()
    time_machine.move_to(deadline - datetime.timedelta(seconds=1), tick=False)
    services.signup_create(actor=early.user, shift=shift)
    time_machine.move_to(deadline, tick=False)
    with pytest.raises(ValidationFailed) as exc:
        services.signup_create(actor=late.user, shift=shift)
    assert exc.value.code == "deadline" and "报名已截止" in str(exc.value.message)
    assert list(Signup.objects.values_list("volunteer_id", flat=True)) == [early.pk]


def test_cancel_before_the_start_only(vw, time_machine):
    volunteer = vw.volunteer()
    shift = vw.activity().shifts.get()
    signup = services.signup_create(actor=volunteer.user, shift=shift)
    time_machine.move_to(shift.starts_at, tick=False)
    with pytest.raises(GuardFailed) as exc:
        services.signup_cancel(actor=volunteer.user, signup=signup)
    assert "已开始" in str(exc.value.message)
    signup.refresh_from_db()
    assert signup.status == "confirmed"


def test_only_the_volunteer_cancels_their_sign_up(vw):
    volunteer = vw.volunteer()
    signup = services.signup_create(actor=volunteer.user, shift=vw.activity().shifts.get())
    for other in (vw.volunteer().user, vw.world.worker_a):
        with pytest.raises(PermissionDenied):
            services.signup_cancel(actor=other, signup=signup)
    signup.refresh_from_db()
    assert signup.status == "confirmed"


def test_organiser_voids_a_sign_up_with_a_reason_and_the_next_moves_up(vw):
    shift = vw.activity(shifts=[shift_data(capacity=1)]).shifts.get()
    first, second = vw.volunteer(), vw.volunteer()
    a = services.signup_create(actor=first.user, shift=shift)
    b = services.signup_create(actor=second.user, shift=shift)
    with pytest.raises(ValidationFailed):
        services.signup_void(actor=vw.world.worker_a, signup=a, reason=" ")
    services.signup_void(actor=vw.world.worker_a, signup=a, reason="重复报名")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.cancel_reason, b.status) == ("cancelled", "重复报名", "confirmed")
    assert Notification.objects.filter(recipient=first.user, title__contains="撤销").exists()


@pytest.mark.parametrize("case", ["draft", "cancelled_shift", "started", "suspended", "not_volunteer"])
def test_refusals_change_nothing(vw, time_machine, case):
    volunteer = vw.volunteer()
    activity = vw.activity(publish=case != "draft")
    shift = activity.shifts.get()
    actor = volunteer.user
    if case == "cancelled_shift":
        services.shift_cancel(actor=vw.world.worker_a, shift=shift, reason="天气原因")
    if case == "started":
        activity.signup_deadline = shift.starts_at + datetime.timedelta(hours=1)
        activity.save()
        time_machine.move_to(shift.starts_at, tick=False)
    if case == "suspended":
        services.volunteer_suspend(actor=vw.world.worker_a, volunteer=volunteer, reason="核实身份")
    if case == "not_volunteer":
        actor = UserFactory()
    error = NotFound if case == "not_volunteer" else ValidationFailed
    with pytest.raises(error) as exc:
        services.signup_create(actor=actor, shift=shift)
    assert str(exc.value.message)
    assert not Signup.objects.exists()
    assert not AuditEntry.objects.filter(action="volunteers.signup.create").exists()
