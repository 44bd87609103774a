from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "marketplace.core"
    label = "core"
    verbose_name = _("平台基础")

    def ready(self):
        from . import table_versions

        # Every process (web, task worker, management commands) records what it writes, so
        # that cached pages which read those tables are invalidated wherever they live.
        table_versions.install()
