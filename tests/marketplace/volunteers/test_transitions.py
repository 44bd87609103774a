"""Every move of every volunteer lifecycle, from every state, by a role the table names, and
refused to every role it does not name."""

import datetime

import pytest
from django.utils import timezone

from marketplace.core.exceptions import GuardFailed, PermissionDenied, TransitionNotAllowed
from marketplace.core.models import TransitionLog
from marketplace.core.permissions import OWNER, SYSTEM
from marketplace.core.roles import Role
from marketplace.volunteers import transitions
from tests.factories import UserFactory
from tests.factories.volunteers import (
    ActivityFactory,
    PartyReportFactory,
    ServiceRecordFactory,
    ShiftFactory,
    SignupFactory,
    VolunteerFactory,
)

LIFECYCLES = [
    transitions.VOLUNTEER,
    transitions.PARTY_REPORT,
    transitions.ACTIVITY,
    transitions.SHIFT,
    transitions.SIGNUP,
    transitions.RECORD,
]


def _lifecycle(name):
    return next(lc for lc in LIFECYCLES if lc.name == name)


def make(vw, name, state, code):
    """An object of the lifecycle in ``state`` whose guards pass for the move ``code``."""
    world = vw.world
    now = timezone.now()
    if name == "volunteers.volunteer":
        return VolunteerFactory(grid=world.grid_a, status=state)
    if name == "volunteers.party_report":
        return PartyReportFactory(
            volunteer__grid=world.grid_a, volunteer__party_organization=vw.party_org, status=state
        )
    if name == "volunteers.activity":
        activity = ActivityFactory(community=world.community_a, status=state)
        if code == "finish":
            ShiftFactory(activity=activity, starts_at=now - datetime.timedelta(hours=5))
        else:
            ShiftFactory(activity=activity)
        return activity
    activity = ActivityFactory(community=world.community_a)
    if name == "volunteers.shift":
        return ShiftFactory(activity=activity, status=state)
    if name == "volunteers.signup":
        # Ten minutes before the start: still cancellable, and check-in is open; after the end
        # for a no-show.
        start = (
            now - datetime.timedelta(hours=4) if code == "no_show" else now + datetime.timedelta(minutes=10)
        )
        shift = ShiftFactory(activity=activity, starts_at=start)
        return SignupFactory(shift=shift, volunteer__grid=world.grid_a, status=state)
    if name == "volunteers.record":
        shift = ShiftFactory(activity=activity, starts_at=now - datetime.timedelta(hours=4))
        return ServiceRecordFactory(signup__shift=shift, signup__volunteer__grid=world.grid_a, status=state)
    raise AssertionError(name)


def owner_of(obj):
    if hasattr(obj, "user_id") and obj.__class__.__name__ in ("Volunteer", "Signup"):
        return obj.user
    if hasattr(obj, "volunteer"):
        return obj.volunteer.user
    return None


def users_by_role(vw, obj):
    world = vw.world
    return {
        Role.COMMUNITY_WORKER: world.worker_a,
        OWNER: owner_of(obj),
        Role.DISTRICT_ADMIN: world.district_admin,
        Role.STREET_OFFICIAL: world.official_a,
        Role.GRID_WORKER: world.grid_worker_a,
        Role.ORG_ADMIN: vw.org_admin,
        "resident": world.resident,
    }


def actor_for(vw, obj, transition):
    if transition.roles == {SYSTEM}:
        return None
    users = users_by_role(vw, obj)
    for role in (Role.COMMUNITY_WORKER, OWNER, Role.DISTRICT_ADMIN, Role.STREET_OFFICIAL):
        if role in transition.roles and users[role] is not None:
            return users[role]
    raise AssertionError(transition.code)


CASES = [
    pytest.param(lc.name, t.code, state, id=f"{lc.name.split('.')[1]}-{t.code}-from-{state}")
    for lc in LIFECYCLES
    for t in lc.transitions
    for state in lc.states.values
]


@pytest.mark.parametrize(("name", "code", "state"), CASES)
def test_move_from_state(vw, name, code, state):
    lifecycle = _lifecycle(name)
    transition = lifecycle.get(code)
    obj = make(vw, name, state, code)
    actor = actor_for(vw, obj, transition)
    if state in transition.source:
        lifecycle.perform(obj, code, actor=actor, reason="理由")
        obj.refresh_from_db()
        assert obj.status == transition.target
        log = TransitionLog.objects.get(lifecycle=name, object_id=str(obj.pk))
        assert (log.from_state, log.to_state, log.code) == (state, transition.target, code)
    else:
        with pytest.raises(TransitionNotAllowed) as exc:
            lifecycle.perform(obj, code, actor=actor, reason="理由")
        assert "当前状态" in str(exc.value.message)
        obj.refresh_from_db()
        assert obj.status == state
        assert not TransitionLog.objects.filter(lifecycle=name).exists()


ROLE_CASES = [
    pytest.param(lc.name, t.code, id=f"{lc.name.split('.')[1]}-{t.code}")
    for lc in LIFECYCLES
    for t in lc.transitions
]


@pytest.mark.parametrize(("name", "code"), ROLE_CASES)
def test_move_refused_to_every_role_not_in_the_table(vw, name, code):
    lifecycle = _lifecycle(name)
    transition = lifecycle.get(code)
    state = sorted(transition.source)[0]
    obj = make(vw, name, state, code)
    refused = 0
    for role, user in users_by_role(vw, obj).items():
        if role in transition.roles or user is None:
            continue
        with pytest.raises(PermissionDenied):
            lifecycle.perform(obj, code, actor=user, reason="理由")
        refused += 1
    if SYSTEM not in transition.roles:
        with pytest.raises(PermissionDenied):
            lifecycle.perform(obj, code, actor=None, reason="理由")
    # Roles of the table held over another place never reach this object.
    with pytest.raises(PermissionDenied):
        lifecycle.perform(obj, code, actor=vw.world.worker_b, reason="理由")
    obj.refresh_from_db()
    assert obj.status == state
    assert refused >= 1


def test_organisation_admin_runs_only_its_own_activities(vw):
    own = ActivityFactory(community=vw.world.community_b, organization=vw.org, organizer_kind="organization")
    ShiftFactory(activity=own)
    other = ActivityFactory(community=vw.world.community_a, status="published")
    with pytest.raises(PermissionDenied):
        transitions.ACTIVITY.perform(other, "cancel", actor=vw.org_admin, reason="理由")
    own.status = "draft"
    own.save()
    transitions.ACTIVITY.perform(own, "publish", actor=vw.org_admin)
    assert own.status == "published"


def test_grid_worker_runs_the_activities_of_their_grid(vw):
    in_grid = ActivityFactory(community=vw.world.community_a, grid=vw.world.grid_a, status="draft")
    ShiftFactory(activity=in_grid)
    transitions.ACTIVITY.perform(in_grid, "publish", actor=vw.world.grid_worker_a)
    community_wide = ActivityFactory(community=vw.world.community_a, status="draft")
    ShiftFactory(activity=community_wide)
    with pytest.raises(PermissionDenied):
        transitions.ACTIVITY.perform(community_wide, "publish", actor=vw.world.grid_worker_a)


# --- guards ---------------------------------------------------------------------------------
def test_publish_needs_an_upcoming_shift_and_a_deadline_ahead(vw):
    now = timezone.now()
    activity = ActivityFactory(community=vw.world.community_a, status="draft")
    with pytest.raises(GuardFailed) as exc:
        transitions.ACTIVITY.perform(activity, "publish", actor=vw.world.worker_a)
    assert exc.value.code == "no_upcoming_shift"
    ShiftFactory(activity=activity, starts_at=now + datetime.timedelta(days=1))
    with pytest.raises(GuardFailed) as exc:
        transitions.ACTIVITY.perform(activity, "publish", actor=vw.world.worker_a)
    assert exc.value.code == "deadline_after_shifts"
    activity.signup_deadline = now - datetime.timedelta(minutes=1)
    activity.save()
    with pytest.raises(GuardFailed) as exc:
        transitions.ACTIVITY.perform(activity, "publish", actor=vw.world.worker_a)
    assert exc.value.code == "deadline_passed"
    activity.refresh_from_db()
    assert activity.status == "draft"


def test_finish_waits_for_the_last_shift(vw):
    activity = ActivityFactory(community=vw.world.community_a)
    ShiftFactory(activity=activity)
    with pytest.raises(GuardFailed) as exc:
        transitions.ACTIVITY.perform(activity, "finish", actor=None)
    assert exc.value.code == "shifts_not_over"


def test_started_shift_cannot_be_cancelled(vw):
    shift = ShiftFactory(
        activity=ActivityFactory(community=vw.world.community_a),
        starts_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    with pytest.raises(GuardFailed) as exc:
        transitions.SHIFT.perform(shift, "cancel", actor=vw.world.worker_a, reason="下雨")
    assert "已开始" in str(exc.value.message)


def test_party_report_confirmation_checks_the_member_still_lives_there(vw):
    report = PartyReportFactory(volunteer__grid=vw.world.grid_a, volunteer__party_organization=vw.party_org)
    volunteer = report.volunteer
    volunteer.grid = vw.world.grid_b
    volunteer.community = vw.world.community_b
    volunteer.save()
    with pytest.raises(GuardFailed) as exc:
        transitions.PARTY_REPORT.perform(report, "confirm", actor=vw.world.worker_a)
    assert exc.value.code == "moved_away"


def test_available_moves_follow_role_and_guards(vw):
    signup = make(vw, "volunteers.signup", "confirmed", "check_in")
    owner_moves = {t.code for t in transitions.SIGNUP.available(signup, signup.user)}
    assert owner_moves == {"cancel", "check_in"}
    organiser_moves = {t.code for t in transitions.SIGNUP.available(signup, vw.world.worker_a)}
    assert organiser_moves == {"void", "check_in"}
    assert transitions.SIGNUP.available(signup, UserFactory()) == []
