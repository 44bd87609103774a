from wagtail import hooks
from wagtail.permissions import register_permission_policy

from marketplace.core.admin_permissions import ScopedPermissionPolicy

from .models import Application, Cohort, Incubation, Organization
from .viewsets import ApplicationViewSet, IncubationViewSet, OrganizationsViewSetGroup

# Registered before the viewsets so Wagtail never falls back to Django's model permissions.
# Nothing here is deleted or edited in place: statuses move through the services.
register_permission_policy(
    Organization, ScopedPermissionPolicy(Organization, {"view": "organizations.org.view_private"})
)
register_permission_policy(
    Cohort,
    ScopedPermissionPolicy(
        Cohort, {"add": "organizations.cohort.create", "change": "organizations.cohort.change"}
    ),
)
register_permission_policy(
    Application, ScopedPermissionPolicy(Application, {"view": "organizations.application.view"})
)
register_permission_policy(
    Incubation, ScopedPermissionPolicy(Incubation, {"view": "organizations.incubation.view"})
)


@hooks.register("register_admin_viewset")
def register_organization_viewsets():
    # Applications and incubations are reached from a cohort's page, not from the menu.
    return [OrganizationsViewSetGroup(), ApplicationViewSet(), IncubationViewSet()]
