from wagtail import hooks
from wagtail.permissions import register_permission_policy

from marketplace.core.admin_permissions import ScopedPermissionPolicy

from .admin_common import ADMIN_ACTIVITIES, ADMIN_PARTY_REPORTS, ADMIN_REGISTRY
from .models import Activity, PartyReport, Volunteer
from .viewsets import VolunteersViewSetGroup

# Registered before the viewsets so Wagtail never falls back to Django's model permissions.
# Nothing here is deleted or edited in place: statuses move through the services.
register_permission_policy(
    Activity,
    ScopedPermissionPolicy(
        Activity,
        {
            "add": "volunteers.activity.create",
            "change": "volunteers.activity.manage",
            "view": ADMIN_ACTIVITIES,
        },
    ),
)
register_permission_policy(Volunteer, ScopedPermissionPolicy(Volunteer, {"view": ADMIN_REGISTRY}))
register_permission_policy(PartyReport, ScopedPermissionPolicy(PartyReport, {"view": ADMIN_PARTY_REPORTS}))


@hooks.register("register_admin_viewset")
def register_volunteer_viewsets():
    return VolunteersViewSetGroup()
