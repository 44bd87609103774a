from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "marketplace.accounts"
    label = "accounts"
    verbose_name = _("账户与角色")

    def ready(self):
        from marketplace.core.permissions import register_assignment_source

        from . import policies, receivers  # noqa: F401
        from .selectors import active_assignments

        register_assignment_source(active_assignments)
