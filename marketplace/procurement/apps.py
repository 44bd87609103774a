from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "marketplace.procurement"
    label = "procurement"
    verbose_name = _("政府购买服务")

    def ready(self):
        from marketplace.core.permissions import register_scope_loader

        from . import policies, transitions  # noqa: F401
        from .models import Project

        register_scope_loader("project", lambda pk: Project.objects.filter(pk=pk).first())
