from wagtail import hooks
from wagtail.permissions import register_permission_policy

from marketplace.core.admin_permissions import ScopedPermissionPolicy

from .models import Community, Grid, PartyOrganization, Street
from .viewsets import PlacesViewSetGroup

# Registered before the viewsets so Wagtail never falls back to Django's model permissions.
# No "delete": places and party organisations are PROTECTed and kept for the record.
for _model, _prefix in (
    (Street, "places.street"),
    (Community, "places.community"),
    (Grid, "places.grid"),
    (PartyOrganization, "places.partyorg"),
):
    register_permission_policy(
        _model, ScopedPermissionPolicy(_model, {"add": f"{_prefix}.create", "change": f"{_prefix}.change"})
    )


@hooks.register("register_admin_viewset")
def register_places_viewsets():
    return PlacesViewSetGroup()
