from marketplace.core.permissions import register_action
from marketplace.core.roles import Role

A, S, C = Role.DISTRICT_ADMIN, Role.STREET_OFFICIAL, Role.COMMUNITY_WORKER

# Streets are set up by the district; a street keeps its communities' names and party
# organisations up to date; a community keeps its grids.
register_action("places.street.create", [A])
register_action("places.street.change", [A])
register_action("places.community.create", [A])
register_action("places.community.change", [A, S])
register_action("places.grid.create", [A, S, C])
register_action("places.grid.change", [A, S, C])
register_action("places.partyorg.create", [A, S, C])
register_action("places.partyorg.change", [A, S, C])
