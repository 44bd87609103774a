import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from marketplace.core.roles import Role
from marketplace.volunteers import services
from marketplace.volunteers.services import ActivityData, ShiftData
from tests.factories import OrganizationFactory, PartyOrganizationFactory, UserFactory, grant
from tests.factories.volunteers import VolunteerFactory


def activity_data(**overrides) -> ActivityData:
    values = {
        "title": "重阳节敬老志愿服务",
        "description": "为辖区独居老人打扫卫生、陪伴聊天。",
        "place": "甲一社区党群服务中心",
        "contact_name": "李社工",
        "contact_phone": "13900001111",
        "signup_deadline": timezone.now() + datetime.timedelta(days=2),
    }
    values.update(overrides)
    return ActivityData(**values)


def shift_data(days=3, hours=3, capacity=10, start=None) -> ShiftData:
    starts = start or (timezone.now() + datetime.timedelta(days=days)).replace(microsecond=0)
    return ShiftData(starts_at=starts, ends_at=starts + datetime.timedelta(hours=hours), capacity=capacity)


@dataclass
class VolunteerWorld:
    world: object
    party_org: object
    org: object
    org_admin: object

    def volunteer(self, *, grid=None, **kwargs):
        grid = grid or self.world.grid_a
        if kwargs.get("political_status") in ("party_member", "probationary"):
            kwargs.setdefault("party_organization", self.party_org)
        return VolunteerFactory(grid=grid, **kwargs)

    def activity(self, *, actor=None, shifts=None, publish=True, **overrides):
        """An activity of community A posted by its worker, with one shift (3 days ahead)."""
        overrides.setdefault("community", self.world.community_a)
        activity = services.activity_create(
            actor=actor or self.world.worker_a,
            data=activity_data(**overrides),
            shifts=shifts if shifts is not None else [shift_data()],
        )
        if publish:
            services.activity_publish(actor=actor or self.world.worker_a, activity=activity)
            activity.refresh_from_db()
        return activity


@pytest.fixture
def vw(world) -> VolunteerWorld:
    party_org = PartyOrganizationFactory(grid=world.grid_a, name="甲一社区第1网格党支部")
    org = OrganizationFactory(street=world.street_a, community=world.community_a, name="甲一志愿服务中心")
    org_admin = UserFactory(display_name="组织管理员")
    grant(org_admin, Role.ORG_ADMIN, org)
    return VolunteerWorld(world=world, party_org=party_org, org=org, org_admin=org_admin)
