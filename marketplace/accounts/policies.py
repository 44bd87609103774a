from marketplace.core.permissions import OWNER, register_action
from marketplace.core.roles import Role

A, S = Role.DISTRICT_ADMIN, Role.STREET_OFFICIAL

# Who may grant each role. The scope object's chain is checked, so a street official can only
# grant community and grid roles inside their own street.
register_action(f"accounts.role.assign.{Role.DISTRICT_ADMIN}", [A])
register_action(f"accounts.role.assign.{Role.STREET_OFFICIAL}", [A])
register_action(f"accounts.role.assign.{Role.COMMUNITY_WORKER}", [A, S])
register_action(f"accounts.role.assign.{Role.GRID_WORKER}", [A, S, Role.COMMUNITY_WORKER])
register_action(f"accounts.role.assign.{Role.EVALUATOR}", [A, S])
register_action(f"accounts.role.assign.{Role.ORG_ADMIN}", [A])
register_action(f"accounts.role.assign.{Role.ORG_MEMBER}", [A, Role.ORG_ADMIN])
register_action(f"accounts.role.assign.{Role.MENTOR}", [A])
# A user's own account: the user, and the district for support.
register_action("accounts.user.view_personal", [OWNER, A])
register_action("accounts.user.change", [OWNER])
# The whole resident ID number: the person themself and the district. Community workers of the
# person's community join when volunteers register their home community.
register_action("accounts.identity.reveal", [OWNER, A])
