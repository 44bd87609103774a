"""Demo data for ``manage.py seed_demo``: an ordered list of steps, each idempotent.

A step is a function taking the ``DemoContext``; it finds what already exists (by stable codes,
e-mail addresses or phone numbers) and creates only what is missing, through the domain services
and as the district admin wherever a service exists, so the audit trail shows the demo's writes.
A later capability adds its demo data by writing a module here (e.g. ``procurement.py`` with a
``seed_projects(ctx)``) and appending its step to ``STEPS`` after the steps it relies on.
"""

from . import fund, organizations, pages, places, portal, procurement, users, volunteers
from .base import DEMO_PASSWORD, DemoContext, DemoLogin

STEPS = [
    places.ensure_district,
    users.seed_admin,
    places.seed_places,
    places.seed_party_organizations,
    users.seed_staff,
    users.seed_resident,
    portal.seed_home_page,
    portal.seed_portal_settings,
    organizations.seed_organizations,
    users.seed_procurement_staff,
    procurement.seed_projects,
    volunteers.seed_volunteers,
    fund.seed_fund,
    pages.seed_pages,
]

__all__ = ["DEMO_PASSWORD", "STEPS", "DemoContext", "DemoLogin"]
