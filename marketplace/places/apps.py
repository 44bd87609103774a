from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "marketplace.places"
    label = "places"
    verbose_name = _("行政区划与党组织")

    def ready(self):
        from marketplace.core.permissions import register_scope_loader

        from . import policies  # noqa: F401
        from .models import Community, District, Grid, Street

        for kind, model in (
            ("district", District),
            ("street", Street),
            ("community", Community),
            ("grid", Grid),
        ):
            register_scope_loader(kind, lambda pk, model=model: model.objects.filter(pk=pk).first())
