from .accounts import UserFactory, grant
from .places import CommunityFactory, DistrictFactory, GridFactory, PartyOrganizationFactory, StreetFactory

__all__ = [
    "CommunityFactory",
    "DistrictFactory",
    "GridFactory",
    "PartyOrganizationFactory",
    "StreetFactory",
    "UserFactory",
    "grant",
]
