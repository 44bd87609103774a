"""Every move of every organisation lifecycle, from every state, by every role."""

import datetime

import pytest
from django.utils import timezone

from marketplace.core.exceptions import PermissionDenied, TransitionNotAllowed
from marketplace.core.permissions import SYSTEM
from marketplace.core.roles import Role
from marketplace.organizations import transitions
from tests.factories import (
    ApplicationFactory,
    CohortFactory,
    OrganizationFactory,
    PeriodicReportFactory,
    ScorecardFactory,
)

from .conftest import attach_document


def make(ow, lifecycle_name, state):
    """An object of the lifecycle in ``state`` whose guards pass for the moves out of it."""
    if lifecycle_name == "organizations.organization":
        org = OrganizationFactory(status=state, street=ow.world.street_a)
        attach_document(org)
        from marketplace.accounts.models import RoleAssignment

        for user, role in ((ow.org_admin, Role.ORG_ADMIN), (ow.org_member, Role.ORG_MEMBER)):
            RoleAssignment.objects.create(user=user, role=role, scope_kind="organization", scope_id=org.pk)
        for user in (ow.org_admin, ow.org_member):
            user.__dict__.pop("_portal_assignments", None)
        return org
    if lifecycle_name == "organizations.cohort":
        return CohortFactory(district=ow.world.district, status=state)
    if lifecycle_name == "organizations.application":
        return ApplicationFactory(status=state, organization=ow.org, cohort=ow.cohort)
    if lifecycle_name == "organizations.incubation":
        incubation = ow.make_incubation(status=state)
        for stage in ("entry", "midterm", "exit"):
            ScorecardFactory(incubation=incubation, stage=stage)
        incubation.activities.create(
            title="重阳敬老活动",
            happened_on=timezone.localdate() - datetime.timedelta(days=3),
            recorded_by=ow.mentor,
        )
        return incubation
    if lifecycle_name == "organizations.report":
        incubation = ow.make_incubation()
        return PeriodicReportFactory(incubation=incubation, status=state)
    raise AssertionError(lifecycle_name)


def users_by_role(ow):
    return {
        Role.DISTRICT_ADMIN: ow.world.district_admin,
        Role.ORG_ADMIN: ow.org_admin,
        Role.ORG_MEMBER: ow.org_member,
        Role.MENTOR: ow.mentor,
        Role.STREET_OFFICIAL: ow.world.official_a,
        "resident": ow.world.resident,
    }


LIFECYCLES = [
    transitions.ORGANIZATION,
    transitions.COHORT,
    transitions.APPLICATION,
    transitions.INCUBATION,
    transitions.REPORT,
]
CASES = [
    pytest.param(lc.name, t.code, state, id=f"{lc.name.split('.')[1]}-{t.code}-from-{state}")
    for lc in LIFECYCLES
    for t in lc.transitions
    for state in lc.states.values
]


def _lifecycle(name):
    return next(lc for lc in LIFECYCLES if lc.name == name)


@pytest.mark.parametrize(("name", "code", "state"), CASES)
def test_move_from_state(ow, name, code, state):
    lifecycle = _lifecycle(name)
    transition = lifecycle.get(code)
    obj = make(ow, name, state)
    roles = users_by_role(ow)
    actor_role = next(
        r
        for r in (Role.DISTRICT_ADMIN, Role.ORG_ADMIN, Role.MENTOR, Role.ORG_MEMBER)
        if r in transition.roles
    )
    actor = roles[actor_role]
    context = {"override_reason": "人工核验"}
    if state in transition.source:
        lifecycle.perform(obj, code, actor=actor, reason="理由", context=context)
        obj.refresh_from_db()
        assert obj.status == transition.target
    else:
        with pytest.raises(TransitionNotAllowed):
            lifecycle.perform(obj, code, actor=actor, reason="理由", context=context)
        obj.refresh_from_db()
        assert obj.status == state


ROLE_CASES = [
    pytest.param(lc.name, t.code, id=f"{lc.name.split('.')[1]}-{t.code}")
    for lc in LIFECYCLES
    for t in lc.transitions
]


@pytest.mark.parametrize(("name", "code"), ROLE_CASES)
def test_move_refused_to_every_role_not_in_the_table(ow, name, code):
    lifecycle = _lifecycle(name)
    transition = lifecycle.get(code)
    state = sorted(transition.source)[0]
    obj = make(ow, name, state)
    refused = 0
    for role, user in users_by_role(ow).items():
        if role in transition.roles:
            continue
        with pytest.raises(PermissionDenied):
            lifecycle.perform(obj, code, actor=user, reason="理由", context={"override_reason": "x"})
        refused += 1
    if SYSTEM not in transition.roles:
        with pytest.raises(PermissionDenied):
            lifecycle.perform(obj, code, actor=None, reason="理由", context={"override_reason": "x"})
    obj.refresh_from_db()
    assert obj.status == state
    assert refused >= 2


def test_org_admin_of_another_organisation_is_refused(ow):
    other = OrganizationFactory(street=ow.world.street_b, status="rejected")
    with pytest.raises(PermissionDenied):
        transitions.ORGANIZATION.perform(other, "resubmit", actor=ow.org_admin)
