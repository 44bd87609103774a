from .accounts import UserFactory, enable_mfa, grant
from .fund import FundFactory, SubFundFactory  # noqa: F401
from .organizations import (
    ApplicationFactory,
    CohortFactory,
    IncubationFactory,
    OrganizationFactory,
    PeriodicReportFactory,
    ScorecardFactory,
)
from .places import CommunityFactory, DistrictFactory, GridFactory, PartyOrganizationFactory, StreetFactory
from .volunteers import ActivityFactory, ServiceRecordFactory, ShiftFactory, SignupFactory, VolunteerFactory  # noqa: F401

__all__ = [
    "ApplicationFactory",
    "CohortFactory",
    "IncubationFactory",
    "OrganizationFactory",
    "PeriodicReportFactory",
    "ScorecardFactory",
    "CommunityFactory",
    "DistrictFactory",
    "GridFactory",
    "PartyOrganizationFactory",
    "StreetFactory",
    "UserFactory",
    "enable_mfa",
    "grant",
]
