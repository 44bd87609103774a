"""Every move of the project and bid tables, from every state, and refused to every other role."""

import datetime

import pytest
from django.utils import timezone

from marketplace.core.exceptions import PermissionDenied, TransitionNotAllowed
from marketplace.core.permissions import SYSTEM
from marketplace.core.roles import Role
from marketplace.procurement import sealing, transitions
from marketplace.procurement.choices import BidStatus
from marketplace.procurement.models import Bid, EvaluationCriterion, Project

from .conftest import terms


def make_project(pw, state, code):
    """A project in ``state`` set up so that the guards of move ``code`` pass."""
    now = timezone.now()
    t = terms()
    past = code in ("close_bidding",)
    project = Project.objects.create(
        district=pw.world.district,
        street=pw.world.street_a,
        created_by=pw.drafter,
        status=state,
        title=t.title,
        category=t.category,
        description=t.description,
        service_targets=t.service_targets,
        performance_goals=t.performance_goals,
        budget_ceiling_fen=t.budget_ceiling_fen,
        funding_source=t.funding_source,
        bid_open_at=now - datetime.timedelta(days=20),
        bid_close_at=now - datetime.timedelta(days=1) if past else now + datetime.timedelta(days=5),
        service_start=t.service_start,
        service_end=t.service_end,
        min_valid_bids=2,
    )
    for i, c in enumerate(t.criteria):
        EvaluationCriterion.objects.create(
            project=project, name=c.name, weight=c.weight, is_price=c.is_price, sort_order=i
        )
    sealing.create_project_key(project)
    bids = 2 if code == "open_bids" else 1 if code == "fail" else 0
    bid_status = BidStatus.OPENED if state == "opened" else BidStatus.SUBMITTED
    for i in range(bids):
        Bid.objects.create(project=project, organization=pw.orgs[i], status=bid_status, terms_version=1)
    return project


def actor_for(pw, transition):
    # The approver did not draft the project, so the "second official" guard passes too.
    if Role.STREET_OFFICIAL in transition.roles:
        return pw.approver
    return pw.world.district_admin


PROJECT_CASES = [
    pytest.param(t.code, state, id=f"project-{t.code}-from-{state}")
    for t in transitions.PROJECT.transitions
    for state in transitions.PROJECT.states.values
]


@pytest.mark.parametrize(("code", "state"), PROJECT_CASES)
def test_project_move_from_every_state(pw, code, state):
    transition = transitions.PROJECT.get(code)
    project = make_project(pw, state, code)
    actor = actor_for(pw, transition)
    if state in transition.source:
        transitions.PROJECT.perform(project, code, actor=actor, reason="理由")
        project.refresh_from_db()
        assert project.status == transition.target
    else:
        with pytest.raises(TransitionNotAllowed):
            transitions.PROJECT.perform(project, code, actor=actor, reason="理由")
        project.refresh_from_db()
        assert project.status == state


@pytest.mark.parametrize("code", [t.code for t in transitions.PROJECT.transitions])
def test_project_move_refused_to_roles_not_in_the_table(pw, code):
    transition = transitions.PROJECT.get(code)
    state = sorted(transition.source)[0]
    project = make_project(pw, state, code)
    users = {
        Role.STREET_OFFICIAL: pw.world.official_b,  # the role, but over another street
        Role.DISTRICT_ADMIN: pw.world.district_admin,
        Role.COMMUNITY_WORKER: pw.world.worker_a,
        Role.ORG_ADMIN: pw.org_admins[0],
        "resident": pw.world.resident,
    }
    for role, user in users.items():
        if role in transition.roles:
            continue
        with pytest.raises(PermissionDenied):
            transitions.PROJECT.perform(project, code, actor=user, reason="理由")
    if SYSTEM not in transition.roles:
        with pytest.raises(PermissionDenied):
            transitions.PROJECT.perform(project, code, actor=None, reason="理由")
    project.refresh_from_db()
    assert project.status == state


BID_CASES = [
    pytest.param(t.code, state, id=f"bid-{t.code}-from-{state}")
    for t in transitions.BID.transitions
    for state in transitions.BID.states.values
]


@pytest.mark.parametrize(("code", "state"), BID_CASES)
def test_bid_move_from_every_state(pw, code, state):
    transition = transitions.BID.get(code)
    project = make_project(pw, "published", code)
    bid = Bid.objects.create(project=project, organization=pw.orgs[0], status=state)
    actor = pw.org_admins[0] if Role.ORG_ADMIN in transition.roles else pw.approver
    if state in transition.source:
        transitions.BID.perform(bid, code, actor=actor, reason="理由")
        bid.refresh_from_db()
        assert bid.status == transition.target
    else:
        with pytest.raises(TransitionNotAllowed):
            transitions.BID.perform(bid, code, actor=actor, reason="理由")


@pytest.mark.parametrize("code", [t.code for t in transitions.BID.transitions])
def test_bid_move_refused_to_roles_not_in_the_table(pw, code):
    transition = transitions.BID.get(code)
    project = make_project(pw, "published", code)
    bid = Bid.objects.create(project=project, organization=pw.orgs[0], status=sorted(transition.source)[0])
    others = [pw.org_admins[1], pw.world.official_b, pw.world.resident]
    if Role.ORG_ADMIN in transition.roles:
        others.append(pw.approver)
    else:
        others.append(pw.org_admins[0])
    for user in others:
        with pytest.raises(PermissionDenied):
            transitions.BID.perform(bid, code, actor=user, reason="理由")
