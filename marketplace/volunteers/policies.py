from marketplace.core.permissions import OWNER, register_action
from marketplace.core.roles import Role

A, S, C, G, OA = (
    Role.DISTRICT_ADMIN,
    Role.STREET_OFFICIAL,
    Role.COMMUNITY_WORKER,
    Role.GRID_WORKER,
    Role.ORG_ADMIN,
)
# Who runs an activity: the community or grid workers, the street officials of its place, or the
# admins of the organisation that posted it (each over the activity's scope chain).
ORGANISERS = (C, G, S, OA)

# --- the registry ---------------------------------------------------------------------------
# The list of volunteers with names and masked phones: their community, grid, street, district.
register_action("volunteers.volunteer.view", [OWNER, C, G, S, A])
# Whole personal data (ID number, phone, birth date): the person, the community workers of their
# home community and the district; every such view by someone else is audited.
register_action("volunteers.volunteer.view_personal", [OWNER, C, A])
register_action("volunteers.volunteer.change", [OWNER, C])
# Acting as the volunteer: signing up, checking in, reporting to the community.
register_action("volunteers.volunteer.act", [OWNER])
# --- in-service party members ---------------------------------------------------------------
register_action("volunteers.party_report.view", [OWNER, C, S, A])
# The yearly hours of reported members, for their workplace party branches.
register_action("volunteers.party_report.hours", [C, S, A])
# --- activities -----------------------------------------------------------------------------
# Posting over a place (a grid, a community or a street) ...
register_action("volunteers.activity.create", [C, G, S])
# ... or over a verified organisation.
register_action("volunteers.activity.create_as_org", [OA])
register_action("volunteers.activity.manage", ORGANISERS)
# Reading an activity's roster and records: its organisers and the district.
register_action("volunteers.activity.oversee", [*ORGANISERS, A])
# A volunteer's records: the person, and whoever sees the registry entry.
register_action("volunteers.record.view", [OWNER, C, G, S, A])
# --- certificates, rosters and exports ------------------------------------------------------
# Issuing a certificate: the volunteer themself, the community workers of their home community,
# and the district.
register_action("volunteers.certificate.issue", [OWNER, C, A])
# Importing a roster: the community workers of the community it is imported into.
register_action("volunteers.roster.import", [C])
# The hours of the registry as each staff role covers it (grid, community, street, district).
HOURS_EXPORT = "volunteers.hours.export"
register_action(HOURS_EXPORT, [G, C, S, A])
# --- the back office's menus ----------------------------------------------------------------
# Volunteers without a staff role do not get the menu: only the organisers' and registry's staff.
ADMIN_ACTIVITIES = "volunteers.admin.activities"
ADMIN_REGISTRY = "volunteers.admin.registry"
ADMIN_PARTY_REPORTS = "volunteers.admin.party_reports"
register_action(ADMIN_ACTIVITIES, [C, G, S, A])
register_action(ADMIN_REGISTRY, [C, G, S, A])
register_action(ADMIN_PARTY_REPORTS, [C, S, A])
