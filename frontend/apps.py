from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontendConfig(AppConfig):
    name = "frontend"
    verbose_name = _("前台页面")

    def ready(self):
        from django.tasks.signals import task_finished

        from .page_cache import search_index_changed

        # In every process that runs tasks (the worker too), not only where the middleware loads.
        task_finished.connect(search_index_changed, dispatch_uid="page_cache_search_index")
