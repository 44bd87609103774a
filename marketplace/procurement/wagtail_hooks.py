from wagtail import hooks
from wagtail.permissions import register_permission_policy

from marketplace.core.admin_permissions import ScopedPermissionPolicy

from .models import Project
from .viewsets import EvaluatorViewSet, ProcurementViewSetGroup

# Registered before the viewsets so Wagtail never falls back to Django's model permissions.
# Projects are never deleted or edited in place: statuses move through the services. The buying
# street changes its projects; the district sees every street's (and may cancel).
register_permission_policy(
    Project,
    ScopedPermissionPolicy(
        Project,
        {
            "add": "procurement.project.create",
            "change": "procurement.project.change",
            "view": "procurement.project.view",
        },
    ),
)


@hooks.register("register_admin_viewset")
def register_procurement_viewsets():
    return ProcurementViewSetGroup()


@hooks.register("register_admin_viewset")
def register_evaluator_viewset():
    # "我的评审": the evaluators' own menu item, shown only to holders of the evaluator role.
    return EvaluatorViewSet()
