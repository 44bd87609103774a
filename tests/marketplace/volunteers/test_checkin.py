"""QR check-in and check-out: the signed token, its window's edges, forged, tampered, foreign,
stale and expired codes, and the organiser checking people in and out."""

import datetime

import pytest
from django.core import signing
from django.test import override_settings
from django.utils import timezone

from marketplace.core.exceptions import GuardFailed, PermissionDenied, ValidationFailed
from marketplace.volunteers import checkin, selectors, services
from marketplace.volunteers.models import ServiceRecord, Signup

from .conftest import shift_data

M = datetime.timedelta(minutes=1)
S = datetime.timedelta(seconds=1)


@pytest.fixture
def signed_up(vw):
    volunteer = vw.volunteer()
    activity = vw.activity(shifts=[shift_data(hours=3, capacity=5), shift_data(days=5, capacity=5)])
    shift, other_shift = activity.shifts.order_by("starts_at")
    signup = services.signup_create(actor=volunteer.user, shift=shift)
    token = selectors.shift_checkin_token(viewer=vw.world.worker_a, shift=shift)
    return volunteer, shift, other_shift, signup, token


def test_window_edges_for_check_in(signed_up, time_machine):
    volunteer, shift, _other, signup, token = signed_up
    time_machine.move_to(shift.starts_at - 30 * M - S, tick=False)
    with pytest.raises(ValidationFailed) as exc:
        services.check_in_by_token(actor=volunteer.user, token=token)
    assert exc.value.code == "too_early" and "签到尚未开始" in str(exc.value.message)
    time_machine.move_to(shift.starts_at - 30 * M, tick=False)
    services.check_in_by_token(actor=volunteer.user, token=token, shift=shift)
    signup.refresh_from_db()
    assert signup.status == "checked_in" and signup.checked_in_at == shift.starts_at - 30 * M


def test_no_check_in_after_the_shift_ended(signed_up, time_machine):
    volunteer, shift, _other, signup, token = signed_up
    time_machine.move_to(shift.ends_at, tick=False)
    with pytest.raises(GuardFailed) as exc:
        services.check_in_by_token(actor=volunteer.user, token=token)
    assert "班次已结束" in str(exc.value.message)
    signup.refresh_from_db()
    assert signup.status == "confirmed"


def test_window_edges_for_check_out(signed_up, time_machine):
    volunteer, shift, _other, signup, token = signed_up
    time_machine.move_to(shift.starts_at, tick=False)
    services.check_in_by_token(actor=volunteer.user, token=token)
    time_machine.move_to(shift.ends_at + 2 * datetime.timedelta(hours=1), tick=False)
    with pytest.raises(ValidationFailed) as exc:
        services.check_out_by_token(actor=volunteer.user, token=token)
    assert exc.value.code == "expired" and "过期" in str(exc.value.message)
    time_machine.move_to(shift.ends_at + 2 * datetime.timedelta(hours=1) - S, tick=False)
    record = services.check_out_by_token(actor=volunteer.user, token=token)
    # Served 5 h - 1 s on a 3 h shift: capped at the shift plus the 30-minute margin.
    assert record.minutes == 3 * 60 + 30
    assert record.status == "pending"
    signup.refresh_from_db()
    assert signup.status == "checked_out"


def test_hours_are_those_between_check_in_and_out(signed_up, time_machine):
    volunteer, shift, _other, _signup, token = signed_up
    time_machine.move_to(shift.starts_at + 10 * M, tick=False)
    services.check_in_by_token(actor=volunteer.user, token=token)
    time_machine.move_to(shift.starts_at + 10 * M + 95 * M + 59 * S, tick=False)
    record = services.check_out_by_token(actor=volunteer.user, token=token)
    assert record.minutes == 95
    assert record.served_on == timezone.localtime(shift.starts_at).date()
    assert (record.started_at, record.ended_at) == (
        shift.starts_at + 10 * M,
        shift.starts_at + 105 * M + 59 * S,
    )


@override_settings(
    VOLUNTEER_CHECKIN_OPENS_BEFORE=datetime.timedelta(minutes=10),
    VOLUNTEER_CHECKIN_CLOSES_AFTER=datetime.timedelta(minutes=15),
    VOLUNTEER_HOURS_MARGIN=datetime.timedelta(0),
)
def test_window_and_margin_are_settings(vw, time_machine):
    volunteer = vw.volunteer()
    shift = vw.activity(shifts=[shift_data(hours=2)]).shifts.get()
    services.signup_create(actor=volunteer.user, shift=shift)
    token = checkin.make_token(shift)
    time_machine.move_to(shift.starts_at - 10 * M - S, tick=False)
    with pytest.raises(ValidationFailed):
        services.check_in_by_token(actor=volunteer.user, token=token)
    time_machine.move_to(shift.starts_at - 10 * M, tick=False)
    services.check_in_by_token(actor=volunteer.user, token=token)
    time_machine.move_to(shift.ends_at + 15 * M, tick=False)
    with pytest.raises(ValidationFailed):
        services.check_out_by_token(actor=volunteer.user, token=token)
    time_machine.move_to(shift.ends_at + 15 * M - S, tick=False)
    assert services.check_out_by_token(actor=volunteer.user, token=token).minutes == 120


def _tamper(token: str) -> str:
    payload, _sep, signature = token.rpartition(":")
    return payload + ":" + ("A" if signature[0] != "A" else "B") + signature[1:]


@pytest.mark.parametrize(
    ("make_bad", "code"),
    [
        (lambda shift, token: _tamper(token), "bad_token"),
        (
            lambda shift, token: signing.dumps(
                {"s": shift.pk, "o": 0, "c": 4_000_000_000}, salt="another-purpose"
            ),
            "bad_token",
        ),
        (
            lambda shift, token: signing.dumps(
                {"s": shift.pk, "o": 0, "c": 4_000_000_000}, key="forged-key", salt=checkin.SALT
            ),
            "bad_token",
        ),
        (lambda shift, token: "not a token", "bad_token"),
        (lambda shift, token: "", "bad_token"),
        # A genuine signature over a window the shift does not have (forged by re-using a code
        # signed before the times changed, or a hand-made window): refused as stale.
        (
            lambda shift, token: signing.dumps(
                {"s": shift.pk, "o": 0, "c": 4_000_000_000}, salt=checkin.SALT
            ),
            "stale_token",
        ),
    ],
)
def test_forged_and_tampered_codes_are_refused(signed_up, time_machine, make_bad, code):
    volunteer, shift, _other, signup, token = signed_up
    time_machine.move_to(shift.starts_at, tick=False)
    with pytest.raises(ValidationFailed) as exc:
        services.check_in_by_token(actor=volunteer.user, token=make_bad(shift, token))
    assert exc.value.code == code
    assert "二维码" in str(exc.value.message)
    signup.refresh_from_db()
    assert signup.status == "confirmed"


def test_code_of_another_shift_is_refused(signed_up, time_machine):
    volunteer, shift, other_shift, signup, token = signed_up
    time_machine.move_to(shift.starts_at, tick=False)
    other_token = checkin.make_token(other_shift)
    with pytest.raises(ValidationFailed) as exc:
        services.check_in_by_token(actor=volunteer.user, token=other_token, shift=shift)
    assert exc.value.code == "other_shift" and "不属于本班次" in str(exc.value.message)
    # Scanned on its own, it names a shift the volunteer has not signed up for (and is not yet open).
    with pytest.raises(ValidationFailed) as exc:
        services.check_in_by_token(actor=volunteer.user, token=other_token)
    assert exc.value.code == "too_early"
    signup.refresh_from_db()
    assert signup.status == "confirmed"


def test_someone_not_signed_up_or_waiting_cannot_check_in(vw, time_machine):
    shift = vw.activity(shifts=[shift_data(capacity=1)]).shifts.get()
    first, second, stranger = vw.volunteer(), vw.volunteer(), vw.volunteer()
    services.signup_create(actor=first.user, shift=shift)
    services.signup_create(actor=second.user, shift=shift)
    token = checkin.make_token(shift)
    time_machine.move_to(shift.starts_at, tick=False)
    with pytest.raises(ValidationFailed) as exc:
        services.check_in_by_token(actor=stranger.user, token=token)
    assert exc.value.code == "not_signed_up"
    with pytest.raises(ValidationFailed) as exc:
        services.check_in_by_token(actor=second.user, token=token)
    assert exc.value.code == "waiting"
    with pytest.raises(ValidationFailed) as exc:
        services.check_out_by_token(actor=first.user, token=token)
    assert exc.value.code == "not_checked_in"


def test_stale_code_after_the_shift_moved(vw, time_machine):
    volunteer = vw.volunteer()
    shift = vw.activity().shifts.get()
    old_token = checkin.make_token(shift)
    later = shift_data(days=4)
    services.shift_update(actor=vw.world.worker_a, shift=shift, data=later)
    services.signup_create(actor=volunteer.user, shift=shift)
    time_machine.move_to(later.starts_at, tick=False)
    with pytest.raises(ValidationFailed) as exc:
        services.check_in_by_token(actor=volunteer.user, token=old_token)
    assert exc.value.code == "stale_token"
    shift.refresh_from_db()
    services.check_in_by_token(actor=volunteer.user, token=checkin.make_token(shift))


def test_only_organisers_get_the_code_and_check_people_in_directly(signed_up, vw, time_machine):
    volunteer, shift, _other, signup, _token = signed_up
    for outsider in (volunteer.user, vw.world.worker_b, vw.org_admin):
        with pytest.raises(PermissionDenied):
            selectors.shift_checkin_token(viewer=outsider, shift=shift)
        with pytest.raises(PermissionDenied):
            services.signup_check_in(actor=outsider, signup=signup)
    time_machine.move_to(shift.ends_at + datetime.timedelta(hours=5), tick=False)
    # Later, the organiser records the actual times, which must lie within the window.
    with pytest.raises(GuardFailed):
        services.signup_check_in(
            actor=vw.world.worker_a, signup=signup, at=shift.starts_at - datetime.timedelta(hours=1)
        )
    with pytest.raises(ValidationFailed):
        services.signup_check_in(actor=vw.world.worker_a, signup=signup, at=timezone.now() + M)
    services.signup_check_in(actor=vw.world.worker_a, signup=signup, at=shift.starts_at + 5 * M)
    with pytest.raises(GuardFailed) as exc:
        services.signup_check_out(actor=vw.world.worker_a, signup=signup, at=shift.starts_at)
    assert exc.value.code == "before_check_in"
    record = services.signup_check_out(actor=vw.world.worker_a, signup=signup, at=shift.ends_at)
    assert record.minutes == 175
    signup.refresh_from_db()
    assert signup.checked_in_by == vw.world.worker_a and signup.checked_out_by == vw.world.worker_a


def test_qr_svg_renders(signed_up):
    svg = checkin.qr_svg("https://example.org/v/checkin?t=" + signed_up[4])
    assert svg.startswith("<?xml") and "<svg" in svg


def test_nothing_is_recorded_on_a_refused_check_out(signed_up, time_machine):
    volunteer, shift, _other, signup, token = signed_up
    time_machine.move_to(shift.starts_at, tick=False)
    services.check_in_by_token(actor=volunteer.user, token=token)
    with pytest.raises(ValidationFailed):
        services.check_out_by_token(actor=volunteer.user, token=_tamper(token))
    assert not ServiceRecord.objects.exists()
    assert Signup.objects.get(pk=signup.pk).status == "checked_in"
