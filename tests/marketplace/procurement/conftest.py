import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from marketplace.core.roles import Role
from marketplace.procurement import services
from marketplace.procurement.services import BidContents, CriterionData, ProjectTerms
from tests.factories import OrganizationFactory, UserFactory, grant


def terms(**overrides) -> ProjectTerms:
    now = timezone.now()
    values = {
        "title": "幸福里社区居家养老助餐服务",
        "category": "daily_life",
        "description": "为辖区80岁以上独居老人提供每日午餐配送。",
        "service_targets": "辖区80岁以上独居老人约120人",
        "performance_goals": "送餐准时率不低于98%,满意度不低于90%",
        "budget_ceiling_fen": 30_000_000,
        "funding_source": "fiscal",
        "bid_open_at": now - datetime.timedelta(hours=1),
        "bid_close_at": now + datetime.timedelta(days=10),
        "service_start": (now + datetime.timedelta(days=30)).date(),
        "service_end": (now + datetime.timedelta(days=395)).date(),
        "criteria": [
            CriterionData("价格", 30, is_price=True),
            CriterionData("服务方案", 40),
            CriterionData("团队与经验", 30),
        ],
        "min_valid_bids": 3,
    }
    values.update(overrides)
    return ProjectTerms(**values)


def contents(price_fen=25_000_000, **overrides) -> BidContents:
    values = {
        "price_fen": price_fen,
        "proposal": "中央厨房统一配餐,志愿者配送。",
        "team": "项目主管1名,社工2名,配送员6名",
        "declarations": {"no_collusion": True, "truthful": True, "no_major_violation": True},
    }
    values.update(overrides)
    return BidContents(**values)


@dataclass
class ProcurementWorld:
    world: object
    drafter: object
    approver: object
    orgs: list
    org_admins: list

    def published(self, **overrides):
        project = services.project_create(
            actor=self.drafter, street=self.world.street_a, terms=terms(**overrides)
        )
        services.project_submit(actor=self.drafter, project=project)
        services.project_approve(actor=self.approver, project=project)
        services.project_publish(actor=self.drafter, project=project)
        project.refresh_from_db()
        return project

    def bid(self, project, i, price_fen=25_000_000):
        return services.bid_submit(
            actor=self.org_admins[i], project=project, org=self.orgs[i], contents=contents(price_fen)
        )


@pytest.fixture
def pw(world) -> ProcurementWorld:
    approver = UserFactory(display_name="甲街道第二干部")
    grant(approver, Role.STREET_OFFICIAL, world.street_a)
    orgs, admins = [], []
    for i in range(4):
        org = OrganizationFactory(street=world.street_a, name=f"投标组织{i}", status="verified")
        admin = UserFactory(display_name=f"组织{i}管理员")
        grant(admin, Role.ORG_ADMIN, org)
        orgs.append(org)
        admins.append(admin)
    return ProcurementWorld(
        world=world, drafter=world.official_a, approver=approver, orgs=orgs, org_admins=admins
    )
