from wagtail import hooks
from wagtail.permissions import register_permission_policy

from marketplace.core.admin_permissions import ScopedPermissionPolicy

from .admin_common import MANAGE, OVERSEE
from .models import Disbursement, Disclosure, Donation, Fund
from .viewsets import FundViewSetGroup

# Registered before the viewsets so Wagtail never falls back to Django's model permissions.
# Nothing here is edited in place or deleted: money moves through the services, and the books
# are append-only. The district admins of the fund's district read everything and act.
register_permission_policy(Fund, ScopedPermissionPolicy(Fund, {"add": MANAGE, "view": OVERSEE}))
register_permission_policy(
    Donation, ScopedPermissionPolicy(Donation, {"add": "fund.donation.record_offline", "view": OVERSEE})
)
register_permission_policy(
    Disbursement, ScopedPermissionPolicy(Disbursement, {"add": "fund.disbursement.propose", "view": OVERSEE})
)
register_permission_policy(Disclosure, ScopedPermissionPolicy(Disclosure, {"add": MANAGE, "view": OVERSEE}))


@hooks.register("register_admin_viewset")
def register_fund_viewsets():
    return FundViewSetGroup()
