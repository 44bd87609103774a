from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("内容管理")

    def ready(self):
        from . import (
            permissions,  # noqa: F401  (registers the CMS's actions)
            search_signals,
        )

        search_signals.connect()
