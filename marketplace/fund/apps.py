from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundConfig(AppConfig):
    name = "marketplace.fund"
    label = "fund"
    verbose_name = _("基层治理专项基金")

    def ready(self):
        from . import policies, transitions  # noqa: F401
