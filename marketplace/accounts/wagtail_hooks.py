from wagtail import hooks
from wagtail.permissions import register_permission_policy

from marketplace.core.admin_permissions import register_role_holders

from .models import RoleAssignment
from .selectors import users_with_roles
from .viewsets import RoleAssignmentPermissionPolicy, RoleAssignmentViewSet

# Registered before the viewset so Wagtail never falls back to Django's model permissions.
register_permission_policy(RoleAssignment, RoleAssignmentPermissionPolicy(RoleAssignment))
register_role_holders(users_with_roles)


@hooks.register("register_admin_viewset")
def register_role_viewset():
    return RoleAssignmentViewSet()
