"""Posting, changing, publishing, cancelling and finishing activities and shifts, and messages to
everyone signed up."""

import datetime

import pytest
from django.utils import timezone

from marketplace.core.exceptions import PermissionDenied, ValidationFailed
from marketplace.core.models import AuditEntry, Notification
from marketplace.organizations.choices import OrgStatus
from marketplace.volunteers import services, tasks
from marketplace.volunteers.models import Activity, Shift, Signup
from tests.factories import OrganizationFactory, UserFactory, grant
from tests.factories.volunteers import SkillFactory

from .conftest import activity_data, shift_data


@pytest.mark.parametrize(
    ("who", "place", "kind"),
    [
        ("worker_a", {"community": "community_a"}, "community"),
        ("worker_a", {"grid": "grid_a"}, "community"),
        ("grid_worker_a", {"grid": "grid_a"}, "grid"),
        ("official_a", {"community": "community_a2"}, "street"),
        ("official_a", {"street": "street_a"}, "street"),
    ],
)
def test_organisers_post_over_their_places(vw, who, place, kind):
    world = vw.world
    actor = getattr(world, who)
    place = {k: getattr(world, v) for k, v in place.items()}
    SkillFactory(slug="first_aid", name="应急救护")
    activity = services.activity_create(
        actor=actor,
        data=activity_data(skill_slugs=["first_aid"], **place),
        shifts=[shift_data(), shift_data(days=4)],
    )
    activity.refresh_from_db()
    assert activity.organizer_kind == kind and activity.status == "draft"
    assert activity.street_id == world.street_a.pk and activity.district_id == world.district.pk
    assert activity.contact_phone == "+8613900001111"
    assert [s.slug for s in activity.required_skills.all()] == ["first_aid"]
    assert activity.shifts.count() == 2
    entry = AuditEntry.objects.get(action="volunteers.activity.create")
    assert entry.changes["organizer_kind"] == kind and "contact_phone" not in entry.changes


@pytest.mark.parametrize(
    ("who", "place"),
    [
        ("worker_b", {"community": "community_a"}),
        ("grid_worker_a", {"community": "community_a"}),
        ("official_b", {"street": "street_a"}),
        ("resident", {"community": "community_a"}),
        ("district_admin", {"community": "community_a"}),
    ],
)
def test_posting_elsewhere_is_refused(vw, who, place):
    world = vw.world
    with pytest.raises(PermissionDenied):
        services.activity_create(
            actor=getattr(world, who), data=activity_data(**{k: getattr(world, v) for k, v in place.items()})
        )
    assert not Activity.objects.exists()


def test_a_verified_organisation_posts_and_runs_its_activity(vw):
    activity = services.activity_create(
        actor=vw.org_admin,
        data=activity_data(community=vw.world.community_b),
        shifts=[shift_data()],
        organization=vw.org,
    )
    assert (activity.organizer_kind, activity.organization) == ("organization", vw.org)
    services.activity_publish(actor=vw.org_admin, activity=activity)
    assert activity.status == "published"
    pending = OrganizationFactory(street=vw.world.street_a, status=OrgStatus.PENDING)
    admin = UserFactory()
    grant(admin, "org_admin", pending)
    with pytest.raises(ValidationFailed) as exc:
        services.activity_create(
            actor=admin, data=activity_data(community=vw.world.community_a), organization=pending
        )
    assert exc.value.code == "org_not_verified"
    with pytest.raises(PermissionDenied):
        services.activity_create(
            actor=admin, data=activity_data(community=vw.world.community_a), organization=vw.org
        )
    assert Activity.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "shift", "field"),
    [
        ({"title": " "}, None, "title"),
        ({"contact_phone": "12345"}, None, "contact_phone"),
        ({"signup_deadline": "past"}, None, "signup_deadline"),
        ({"skill_slugs": ["juggling"]}, None, "required_skills"),
        ({"grid": "grid_b"}, None, "grid"),
        ({}, {"hours": -1}, "ends_at"),
        ({}, {"hours": 25}, "ends_at"),
        ({}, {"capacity": 0}, "capacity"),
        ({}, {"days": -1}, "starts_at"),
    ],
)
def test_bad_activities_change_nothing(vw, overrides, shift, field):
    world = vw.world
    if overrides.get("signup_deadline") == "past":
        overrides["signup_deadline"] = timezone.now() - datetime.timedelta(minutes=1)
    if overrides.get("grid") == "grid_b":
        overrides["grid"] = world.grid_b
    with pytest.raises(ValidationFailed) as exc:
        services.activity_create(
            actor=world.worker_a,
            data=activity_data(community=world.community_a, **overrides),
            shifts=[shift_data(**(shift or {}))],
        )
    assert exc.value.field == field and str(exc.value.message)
    assert not Activity.objects.exists() and not Shift.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="volunteers.").exists()


def test_landline_contact_phone(vw):
    activity = services.activity_create(
        actor=vw.world.worker_a,
        data=activity_data(community=vw.world.community_a, contact_phone="020-87654321"),
    )
    assert activity.contact_phone == "020-87654321"


def test_update_keeps_party_only_once_published(vw):
    activity = vw.activity()
    services.activity_update(
        actor=vw.world.worker_a, activity=activity, data=activity_data(title="重阳节敬老(改期)")
    )
    activity.refresh_from_db()
    assert activity.title == "重阳节敬老(改期)"
    with pytest.raises(ValidationFailed) as exc:
        services.activity_update(
            actor=vw.world.worker_a, activity=activity, data=activity_data(party_only=True)
        )
    assert exc.value.code == "party_only_fixed"
    activity.refresh_from_db()
    assert not activity.party_only and activity.title == "重阳节敬老(改期)"
    with pytest.raises(PermissionDenied):
        services.activity_update(actor=vw.world.worker_b, activity=activity, data=activity_data())


def test_more_places_move_the_waiting_list_up_and_fewer_than_taken_are_refused(vw):
    shift = vw.activity(shifts=[shift_data(capacity=1)]).shifts.get()
    volunteers = [vw.volunteer() for _ in range(3)]
    for v in volunteers:
        services.signup_create(actor=v.user, shift=shift)
    services.shift_update(
        actor=vw.world.worker_a, shift=shift, data=services.ShiftData(shift.starts_at, shift.ends_at, 2)
    )
    assert list(Signup.objects.order_by("id").values_list("status", flat=True)) == [
        "confirmed",
        "confirmed",
        "waiting",
    ]
    with pytest.raises(ValidationFailed) as exc:
        services.shift_update(
            actor=vw.world.worker_a, shift=shift, data=services.ShiftData(shift.starts_at, shift.ends_at, 1)
        )
    assert exc.value.code == "below_taken"
    with pytest.raises(ValidationFailed) as exc:
        services.shift_update(
            actor=vw.world.worker_a,
            shift=shift,
            data=services.ShiftData(shift.starts_at + datetime.timedelta(hours=1), shift.ends_at, 2),
        )
    assert exc.value.code == "has_signups"
    shift.refresh_from_db()
    assert shift.capacity == 2


def test_shift_add_and_remove(vw):
    draft = vw.activity(publish=False)
    extra = services.shift_add(actor=vw.world.worker_a, activity=draft, data=shift_data(days=6))
    assert draft.shifts.count() == 2
    services.shift_remove(actor=vw.world.worker_a, shift=extra)
    assert draft.shifts.count() == 1
    published = vw.activity()
    with pytest.raises(ValidationFailed):
        services.shift_remove(actor=vw.world.worker_a, shift=published.shifts.get())


def test_cancelling_a_shift_tells_everyone_signed_up(vw):
    activity = vw.activity(shifts=[shift_data(capacity=1), shift_data(days=5)])
    shift, other = activity.shifts.order_by("starts_at")
    first, second, elsewhere = vw.volunteer(), vw.volunteer(), vw.volunteer()
    services.signup_create(actor=first.user, shift=shift)
    services.signup_create(actor=second.user, shift=shift)
    services.signup_create(actor=elsewhere.user, shift=other)
    with pytest.raises(ValidationFailed):
        services.shift_cancel(actor=vw.world.worker_a, shift=shift, reason="")
    services.shift_cancel(actor=vw.world.worker_a, shift=shift, reason="台风预警")
    shift.refresh_from_db()
    assert (shift.status, shift.cancel_reason) == ("cancelled", "台风预警")
    assert set(Signup.objects.filter(shift=shift).values_list("status", flat=True)) == {"cancelled"}
    for v in (first, second):
        note = Notification.objects.get(recipient=v.user)
        assert note.kind == "volunteer" and "班次已取消" in note.title and "台风预警" in note.body
    assert not Notification.objects.filter(recipient=elsewhere.user).exists()
    assert Signup.objects.get(volunteer=elsewhere).status == "confirmed"


def test_cancelling_the_activity(vw, time_machine):
    activity = vw.activity(shifts=[shift_data(), shift_data(days=5)])
    volunteer = vw.volunteer()
    services.signup_create(actor=volunteer.user, shift=activity.shifts.order_by("starts_at").first())
    services.activity_cancel(actor=vw.world.district_admin, activity=activity, reason="场地维修")
    activity.refresh_from_db()
    assert (activity.status, activity.cancel_reason) == ("cancelled", "场地维修")
    assert set(activity.shifts.values_list("status", flat=True)) == {"cancelled"}
    assert Notification.objects.get(recipient=volunteer.user).title.startswith("活动「")
    # Once a shift has started the activity cannot be cancelled whole.
    running = vw.activity()
    time_machine.move_to(running.shifts.get().starts_at, tick=False)
    with pytest.raises(ValidationFailed) as exc:
        services.activity_cancel(actor=vw.world.worker_a, activity=running, reason="下雨")
    assert exc.value.code == "shift_started"
    running.refresh_from_db()
    assert running.status == "published"


def test_message_everyone_signed_up(vw):
    activity = vw.activity(shifts=[shift_data(capacity=1)])
    shift = activity.shifts.get()
    first, second, gone = vw.volunteer(), vw.volunteer(), vw.volunteer()
    services.signup_create(actor=first.user, shift=shift)
    services.signup_create(actor=second.user, shift=shift)
    signup = services.signup_create(actor=gone.user, shift=shift)
    services.signup_cancel(actor=gone.user, signup=signup)
    sent = services.activity_message(
        actor=vw.world.worker_a, activity=activity, title="集合地点变更", body="改到东门集合"
    )
    assert sent == 2
    titles = Notification.objects.filter(title__contains="集合地点变更").values_list(
        "recipient_id", flat=True
    )
    assert set(titles) == {first.user_id, second.user_id}
    with pytest.raises(PermissionDenied):
        services.activity_message(actor=first.user, activity=activity, title="x", body="y")
    with pytest.raises(ValidationFailed):
        services.activity_message(actor=vw.world.worker_a, activity=activity, title="", body="y")


def test_the_finish_task_records_no_shows(vw, time_machine):
    activity = vw.activity(shifts=[shift_data(hours=2, capacity=3)])
    shift = activity.shifts.get()
    came, absent = vw.volunteer(), vw.volunteer()
    came_signup = services.signup_create(actor=came.user, shift=shift)
    services.signup_create(actor=absent.user, shift=shift)
    time_machine.move_to(shift.starts_at, tick=False)
    services.signup_check_in(actor=vw.world.worker_a, signup=came_signup)
    time_machine.move_to(shift.ends_at, tick=False)
    services.signup_check_out(actor=vw.world.worker_a, signup=came_signup)
    tasks.finish_activity.call(activity.pk)  # too early: the check-out window is still open
    activity.refresh_from_db()
    assert activity.status == "published"
    time_machine.move_to(shift.ends_at + datetime.timedelta(hours=2), tick=False)
    tasks.finish_activity.call(activity.pk)
    activity.refresh_from_db()
    assert activity.status == "finished"
    statuses = dict(Signup.objects.values_list("volunteer_id", "status"))
    assert statuses == {came.pk: "checked_out", absent.pk: "no_show"}
    tasks.finish_activity.call(activity.pk)  # a repeated run does nothing
