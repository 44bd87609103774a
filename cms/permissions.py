"""Who may manage the portal's editors. Page rights themselves are Wagtail's own (groups with
page permissions on a street's section); these actions decide who may put people in them."""

from marketplace.core.permissions import SYSTEM, register_action
from marketplace.core.roles import Role

A, S = Role.DISTRICT_ADMIN, Role.STREET_OFFICIAL

# A street's editors are chosen by the street (its officials) or the district; the district's
# content moderators by the district only. SYSTEM: the set-up hook that runs when an editor
# creates a street page.
register_action("cms.street_editor.add", [A, S])
register_action("cms.street_section.setup", [A, SYSTEM])
register_action("cms.moderator.add", [A])
