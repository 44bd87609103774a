from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "marketplace.procurement"
    label = "procurement"
    verbose_name = _("政府购买服务")

    def ready(self):
        from marketplace.core.permissions import register_scope_loader
        from marketplace.organizations.selectors import register_completed_work_counter

        from . import policies, transitions  # noqa: F401
        from .models import Project
        from .selectors import completed_contract_count, completed_contracts_annotation

        register_scope_loader("project", lambda pk: Project.objects.filter(pk=pk).first())
        # Completed service contracts count as completed work towards an incubatee's graduation.
        register_completed_work_counter(completed_contract_count, annotation=completed_contracts_annotation)
