from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin_permissions import AUDIT_VIEW, ScopedPermissionPolicy
from .models import AuditEntry
from .viewsets import AuditEntryViewSet

# Registered before the viewset so Wagtail never falls back to Django's model permissions
# (which would let a superuser add or delete entries).
register_permission_policy(AuditEntry, ScopedPermissionPolicy(AuditEntry, {"view": AUDIT_VIEW}))


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return AuditEntryViewSet()
