import datetime
from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from marketplace.accounts.tokens import api_token_issue
from marketplace.core.models import NotificationKind
from marketplace.core.notifications import notify
from marketplace.core.roles import Role
from marketplace.places.choices import PartyOrgKind
from marketplace.places.models import Community, Grid, PartyOrganization, Street
from marketplace.procurement import services as procurement
from tests.factories import CohortFactory, OrganizationFactory, PartyOrganizationFactory, UserFactory, grant
from tests.marketplace.procurement.conftest import contents, terms
from tests.marketplace.procurement.test_contracts import plan


@dataclass
class ApiWorld:
    """The two-street world, plus what the API shows: party organisations, an inbox, and a
    street official (staff, so with TOTP) holding an API token."""

    world: object
    user: object
    token: str
    own_notification_ids: list[int]
    foreign_notification_id: int

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}


@pytest.fixture
def api_world(world) -> ApiWorld:
    PartyOrganizationFactory(grid=world.grid_a)
    PartyOrganizationFactory(grid=world.grid_b)
    PartyOrganizationFactory(
        kind=PartyOrgKind.STREET_COMMITTEE,
        grid=None,
        community=None,
        street=world.street_a,
        district=world.district,
    )
    user = world.official_a
    TOTP.activate(user, generate_totp_secret())
    token = api_token_issue(actor=user, user=user)
    own = [
        notify(recipient=user, kind=NotificationKind.SYSTEM, title=f"通知{i}", body="内容", url="/my/").pk
        for i in range(3)
    ]
    foreign = notify(recipient=world.resident, kind=NotificationKind.ACCOUNT, title="别人的通知").pk
    return ApiWorld(
        world=world, user=user, token=token.key, own_notification_ids=own, foreign_notification_id=foreign
    )


def _in_delivery(world, approver, org, org_admin, time_machine) -> dict:
    """A project taken through the services to delivery, so that the rows of every stage exist
    (a bid, a question, an objection, a contract and its milestones); the clock then goes back
    to now. ``org_admin`` bids for ``org`` and wins."""
    started = timezone.now()
    official = world.official_a
    project = procurement.project_create(
        actor=official, street=world.street_a, terms=terms(title="履约中的项目", min_valid_bids=1)
    )
    procurement.project_submit(actor=official, project=project)
    procurement.project_approve(actor=approver, project=project)
    procurement.project_publish(actor=official, project=project)
    bid = procurement.bid_submit(actor=org_admin, project=project, org=org, contents=contents())
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1))
    procurement.project_open_bids(actor=official, project=project)
    evaluator = UserFactory()
    procurement.evaluator_appoint(actor=official, project=project, user=evaluator)
    procurement.conflict_declare(actor=evaluator, project=project, statement="本人与各投标人无利害关系。")
    for criterion in project.criteria.filter(is_price=False):
        procurement.score_record(actor=evaluator, bid=bid, criterion=criterion, value=80)
    procurement.project_complete_evaluation(actor=official, project=project, report="唯一有效投标,方案可行。")
    procurement.award_propose(actor=official, project=project, bid=bid)
    procurement.award_publicity_start(actor=official, project=project)
    objection = procurement.objection_raise(actor=org_admin, project=project, org=org, text="请复核评分。")
    procurement.objection_resolve(actor=official, objection=objection, upheld=False, response="复核无误。")
    project.refresh_from_db()
    time_machine.move_to(project.publicity_ends_at + datetime.timedelta(minutes=1))
    procurement.award_confirm(actor=official, project=project)
    contract = procurement.contract_sign(actor=official, project=project, milestones=plan(project))
    procurement.delivery_start(actor=official, project=project)
    time_machine.move_to(started)
    return {
        "project": project.pk,
        "bid": bid.pk,
        "objection": objection.pk,
        "contract": contract.pk,
        "milestones": list(contract.milestones.values_list("pk", flat=True)),
    }


def _volunteering(world, user) -> dict[str, list]:
    """The token holder as a volunteer with confirmed hours, a sign-up and a certificate; a
    published activity and a draft (a 404), and someone else's sign-up (a 404 too)."""
    from marketplace.volunteers import services as volunteer_services
    from tests.factories import ServiceRecordFactory, VolunteerFactory
    from tests.marketplace.volunteers.conftest import activity_data, shift_data

    worker = world.worker_a
    volunteer = VolunteerFactory(user=user, grid=world.grid_a)
    other = VolunteerFactory(grid=world.grid_a)
    published = volunteer_services.activity_create(
        actor=worker,
        data=activity_data(community=world.community_a),
        shifts=[shift_data(days=3), shift_data(days=4, capacity=1)],
    )
    volunteer_services.activity_publish(actor=worker, activity=published)
    draft = volunteer_services.activity_create(
        actor=worker, data=activity_data(community=world.community_a), shifts=[shift_data()]
    )
    shifts = list(published.shifts.values_list("pk", flat=True)) + list(
        draft.shifts.values_list("pk", flat=True)
    )
    first_shift = published.shifts.order_by("starts_at").first()
    own = volunteer_services.signup_create(actor=user, shift=first_shift)
    foreign = volunteer_services.signup_create(actor=other.user, shift=first_shift)
    starts = timezone.now() - datetime.timedelta(days=20)
    ServiceRecordFactory(
        signup__volunteer=volunteer,
        signup__shift__starts_at=starts,
        served_on=timezone.localdate(starts),
        minutes=180,
    )
    certificate = volunteer_services.certificate_issue(
        actor=user,
        volunteer=volunteer,
        period_start=timezone.localdate(starts),
        period_end=timezone.localdate(),
    )
    return {
        "/api/v1/activities/{id}/": [published.pk, draft.pk],
        "/api/v1/shifts/{id}/signup/": shifts,
        "/api/v1/signups/{id}/cancel/": [own.pk, foreign.pk],
        # Certificates are found by number; one that does not exist must be a 404.
        "/api/v1/certificates/{id}/verify/": [certificate.number, "TH-2000-999999"],
    }


@pytest.fixture
def detail_ids(api_world, time_machine) -> dict[str, list[int]]:
    """Real ids for each API path with an {id}, so that detail answers carry data."""
    world = api_world.world
    public_org = OrganizationFactory(street=world.street_a, community=world.community_a)
    # One the token holder runs (so its private fields show, masked) and one still pending.
    own_org = OrganizationFactory(street=world.street_b, community=world.community_b)
    grant(api_world.user, Role.ORG_ADMIN, own_org)
    pending_org = OrganizationFactory(street=world.street_a, status="pending")
    cohort = CohortFactory(district=world.district)
    # A published project (its open data answers) and a draft (which must be a 404).
    approver = UserFactory()
    grant(approver, Role.STREET_OFFICIAL, world.street_a)
    project = procurement.project_create(actor=world.official_a, street=world.street_a, terms=terms())
    procurement.project_submit(actor=world.official_a, project=project)
    procurement.project_approve(actor=approver, project=project)
    procurement.project_publish(actor=world.official_a, project=project)
    draft = procurement.project_create(actor=world.official_a, street=world.street_a, terms=terms())
    # The token holder's organisation bids and asks on the published project, and wins another
    # that is now being delivered.
    bid = procurement.bid_submit(actor=api_world.user, project=project, org=own_org, contents=contents())
    question = procurement.question_ask(actor=api_world.user, project=project, org=own_org, text="含周末吗?")
    done = _in_delivery(world, approver, own_org, api_world.user, time_machine)
    projects = [project.pk, draft.pk, done["project"]]
    milestones = done["milestones"]
    volunteering = _volunteering(world, api_world.user)
    return {
        **volunteering,
        "/api/v1/projects/{id}/questions/": projects,
        "/api/v1/projects/{id}/objections/": projects,
        "/api/v1/bids/{id}/": [bid.pk, done["bid"]],
        "/api/v1/bids/{id}/withdraw/": [bid.pk, done["bid"]],
        "/api/v1/milestones/{id}/reports/": milestones,
        **{
            f"/api/v1/manage/projects/{{id}}/{suffix}": projects
            for suffix in ("", "moves/", "evaluators/", "declaration/", "evaluation/", "award/", "contract/")
        },
        "/api/v1/manage/questions/{id}/answer/": [question.pk],
        "/api/v1/manage/bids/{id}/scores/": [bid.pk, done["bid"]],
        "/api/v1/manage/bids/{id}/disqualify/": [bid.pk, done["bid"]],
        "/api/v1/manage/objections/{id}/resolve/": [done["objection"]],
        "/api/v1/manage/milestones/{id}/accept/": milestones,
        "/api/v1/manage/milestones/{id}/return/": milestones,
        "/api/v1/manage/contracts/{id}/rating/": [done["contract"]],
        "/api/v1/projects/{id}/ocds/": [project.pk, draft.pk],
        "/api/v1/projects/{id}/": [project.pk, draft.pk],
        "/api/v1/organizations/{id}/": [public_org.pk, own_org.pk, pending_org.pk],
        "/api/v1/cohorts/{id}/scorecards.xlsx": [cohort.pk],
        "/api/v1/streets/{id}/": list(Street.objects.values_list("pk", flat=True)),
        "/api/v1/communities/{id}/": list(Community.objects.values_list("pk", flat=True)),
        "/api/v1/grids/{id}/": list(Grid.objects.values_list("pk", flat=True)),
        "/api/v1/party-organizations/{id}/": list(PartyOrganization.objects.values_list("pk", flat=True)),
        # The user's own messages, and one of someone else's (which must be a 404).
        "/api/v1/notifications/{id}/": [*api_world.own_notification_ids, api_world.foreign_notification_id],
    }


@pytest.fixture
def wsgi_app():
    """The real WSGI application, called in-process inside the test's transaction.

    Django closes "old" connections when a request starts and ends; inside a test transaction
    that closes the connection itself on PostgreSQL (and with it the test's data). Django's own
    test client switches that off around each request; a plain WSGI client must do the same."""
    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
