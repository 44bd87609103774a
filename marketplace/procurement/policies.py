from marketplace.core.permissions import register_action
from marketplace.core.roles import Role

S, A, E = Role.STREET_OFFICIAL, Role.DISTRICT_ADMIN, Role.EVALUATOR
OA, OM = Role.ORG_ADMIN, Role.ORG_MEMBER

register_action("procurement.project.create", [S])
register_action("procurement.project.change", [S])
register_action("procurement.question.answer", [S])
register_action("procurement.bid.write", [OA, OM])
# Reading opened bids: the street that bought, the district, and the project's evaluators. Before
# opening nobody but the bidder reads a bid (selectors.bid_contents enforces the "when").
register_action("procurement.bid.read_opened", [S, A, E])
register_action("procurement.bid.read_own", [OA, OM])
