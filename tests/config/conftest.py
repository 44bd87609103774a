from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from marketplace.accounts.tokens import api_token_issue
from marketplace.core.models import NotificationKind
from marketplace.core.notifications import notify
from marketplace.core.roles import Role
from marketplace.places.choices import PartyOrgKind
from marketplace.places.models import Community, Grid, PartyOrganization, Street
from marketplace.procurement import services as procurement
from tests.factories import CohortFactory, OrganizationFactory, PartyOrganizationFactory, UserFactory, grant
from tests.marketplace.procurement.conftest import terms


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


@pytest.fixture
def detail_ids(api_world) -> dict[str, list[int]]:
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
    return {
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
