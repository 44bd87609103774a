from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "marketplace.organizations"
    label = "organizations"
    verbose_name = _("社会组织")

    def ready(self):
        from marketplace.core.permissions import register_scope_loader

        from . import policies, transitions  # noqa: F401
        from .models import Incubation, Organization

        register_scope_loader("organization", lambda pk: Organization.objects.filter(pk=pk).first())
        register_scope_loader(
            "incubation", lambda pk: Incubation.objects.select_related("cohort").filter(pk=pk).first()
        )
