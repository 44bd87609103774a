import datetime
import uuid
from dataclasses import dataclass

import pytest
from django.utils import timezone

from marketplace.core.models import PrivateFile
from marketplace.core.roles import Role
from marketplace.organizations.models import OrganizationDocument
from tests.factories import (
    CohortFactory,
    IncubationFactory,
    OrganizationFactory,
    UserFactory,
    grant,
)


def attach_document(org, kind="registration"):
    stored = PrivateFile.objects.create(
        purpose="org_document",
        attached_to=f"organizations.organization:{org.pk}",
        original_name="登记证书.pdf",
        stored_name=f"test/{uuid.uuid4().hex}.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        sensitive=True,
    )
    return OrganizationDocument.objects.create(organization=org, kind=kind, file=stored)


@dataclass
class OrgWorld:
    world: object
    org: object
    org_admin: object
    org_member: object
    mentor: object
    cohort: object

    def make_incubation(self, **kwargs):
        incubation = IncubationFactory(
            application__organization=self.org, application__cohort=self.cohort, **kwargs
        )
        grant(self.mentor, Role.MENTOR, incubation)
        return incubation


@pytest.fixture
def ow(world) -> OrgWorld:
    org = OrganizationFactory(street=world.street_a, community=world.community_a, name="幸福里为老服务中心")
    org_admin, org_member, mentor = (
        UserFactory(display_name="组织管理员"),
        UserFactory(display_name="组织成员"),
        UserFactory(display_name="导师"),
    )
    grant(org_admin, Role.ORG_ADMIN, org)
    grant(org_member, Role.ORG_MEMBER, org)
    cohort = CohortFactory(
        district=world.district,
        status="reviewing",
        applications_open_at=timezone.now() - datetime.timedelta(days=20),
        applications_close_at=timezone.now() - datetime.timedelta(days=1),
    )
    return OrgWorld(
        world=world, org=org, org_admin=org_admin, org_member=org_member, mentor=mentor, cohort=cohort
    )
