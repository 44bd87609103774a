"""The roles of the portal and the kind of scope each is held over.

The vocabulary lives in core so every app can name roles in its policies and lifecycle tables;
the assignments themselves (who holds which role where) live in ``marketplace.accounts``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    STREET_OFFICIAL = "street_official", _("街道干部")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    GRID_WORKER = "grid_worker", _("网格员")
    EVALUATOR = "evaluator", _("评审专家")
    ORG_ADMIN = "org_admin", _("社会组织管理员")
    ORG_MEMBER = "org_member", _("社会组织成员")
    MENTOR = "mentor", _("孵化导师")


class ScopeKind(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")
    PROJECT = "project", _("服务项目")
    ORGANIZATION = "organization", _("社会组织")
    INCUBATION = "incubation", _("孵化记录")


ROLE_SCOPE = {
    Role.DISTRICT_ADMIN: ScopeKind.DISTRICT,
    Role.STREET_OFFICIAL: ScopeKind.STREET,
    Role.COMMUNITY_WORKER: ScopeKind.COMMUNITY,
    Role.GRID_WORKER: ScopeKind.GRID,
    Role.EVALUATOR: ScopeKind.PROJECT,
    Role.ORG_ADMIN: ScopeKind.ORGANIZATION,
    Role.ORG_MEMBER: ScopeKind.ORGANIZATION,
    Role.MENTOR: ScopeKind.INCUBATION,
}

# Staff roles reach the Wagtail admin and must use two-factor authentication.
STAFF_ROLES = frozenset(
    {
        Role.DISTRICT_ADMIN,
        Role.STREET_OFFICIAL,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.EVALUATOR,
    }
)
