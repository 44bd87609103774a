"""Streets, communities, grids and party organisations in the Wagtail admin.

Lists come from ``selectors`` narrowed to the viewer's scopes; create and edit call
``services``. Places are never deleted here (they are PROTECTed by everything that points at
them), nor moved to another parent.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSetGroup

from marketplace.core.permissions import scope_queryset
from marketplace.core.viewsets import ServiceCreateView, ServiceEditView, ServiceModelViewSet

from . import forms, selectors, services
from .choices import PartyOrgKind
from .models import Community, Grid, PartyOrganization, Street


def _scoped_choices(model, action, *ordering):
    """Filter choices limited to the places the viewer works in."""

    def queryset(request):
        return scope_queryset(request.user, model.objects.order_by(*ordering), action)

    return queryset


# --- Views ------------------------------------------------------------------------------------
class StreetCreateView(ServiceCreateView):
    def call_service(self, data):
        return services.street_create(actor=self.request.user, **data)


class CommunityCreateView(ServiceCreateView):
    def call_service(self, data):
        return services.community_create(actor=self.request.user, **data)


class GridCreateView(ServiceCreateView):
    def call_service(self, data):
        return services.grid_create(actor=self.request.user, **data)


class PlaceEditView(ServiceEditView):
    def call_service(self, instance, data):
        return services.place_update(actor=self.request.user, place=instance, **data)


class PartyOrgCreateView(ServiceCreateView):
    def call_service(self, data):
        return services.party_org_create(actor=self.request.user, **data)


class PartyOrgEditView(ServiceEditView):
    def call_service(self, instance, data):
        return services.party_org_update(actor=self.request.user, org=instance, **data)


# --- Filters ----------------------------------------------------------------------------------
class CommunityFilterSet(WagtailFilterSet):
    street = django_filters.ModelChoiceFilter(
        label=_("所属街道"),
        queryset=_scoped_choices(Street, "places.community.change", "sort_order", "code"),
    )

    class Meta:
        model = Community
        fields = ["street"]


class GridFilterSet(WagtailFilterSet):
    street = django_filters.ModelChoiceFilter(
        label=_("所属街道"),
        queryset=_scoped_choices(Street, "places.grid.change", "sort_order", "code"),
    )
    community = django_filters.ModelChoiceFilter(
        label=_("所属社区"),
        queryset=_scoped_choices(Community, "places.grid.change", "street__sort_order", "sort_order", "code"),
    )

    class Meta:
        model = Grid
        fields = ["street", "community"]


class PartyOrgFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=PartyOrgKind.choices)
    street = django_filters.ModelChoiceFilter(
        label=_("街道"),
        queryset=_scoped_choices(Street, "places.partyorg.change", "sort_order", "code"),
    )

    class Meta:
        model = PartyOrganization
        fields = ["kind", "street"]


# --- Viewsets ---------------------------------------------------------------------------------
class _PlaceViewSet(ServiceModelViewSet):
    edit_view_class = PlaceEditView
    edit_form_class = forms.PlaceEditForm
    search_fields = ["name", "code"]
    search_backend_name = None


class StreetViewSet(_PlaceViewSet):
    model = Street
    name = "places_street"
    url_prefix = "places/streets"
    icon = "site"
    menu_label = _("街道")
    add_view_class = StreetCreateView
    create_form_class = forms.StreetCreateForm
    list_display = ["name", "code", Column("community_count", label=_("社区数")), "sort_order"]

    def list_queryset(self):
        return selectors.street_list()


class CommunityViewSet(_PlaceViewSet):
    model = Community
    name = "places_community"
    url_prefix = "places/communities"
    icon = "home"
    menu_label = _("社区")
    add_view_class = CommunityCreateView
    create_form_class = forms.CommunityCreateForm
    filterset_class = CommunityFilterSet
    list_display = ["name", "code", "street", Column("grid_count", label=_("网格数")), "sort_order"]

    def list_queryset(self):
        return selectors.community_list()


class GridViewSet(_PlaceViewSet):
    model = Grid
    name = "places_grid"
    url_prefix = "places/grids"
    icon = "table"
    menu_label = _("网格")
    add_view_class = GridCreateView
    create_form_class = forms.GridCreateForm
    filterset_class = GridFilterSet
    list_display = ["name", "code", "community", "street", "sort_order"]

    def list_queryset(self):
        return selectors.grid_list()


def _party_org_place(org: PartyOrganization) -> str:
    if org.grid_id:
        return f"{org.community.name} / {org.grid.name}"
    if org.community_id:
        return f"{org.street.name} / {org.community.name}"
    if org.street_id:
        return org.street.name
    return org.workplace


class PartyOrganizationViewSet(ServiceModelViewSet):
    model = PartyOrganization
    name = "places_partyorg"
    url_prefix = "places/party-organizations"
    icon = "group"
    menu_label = _("党组织")
    add_view_class = PartyOrgCreateView
    edit_view_class = PartyOrgEditView
    create_form_class = forms.PartyOrgCreateForm
    edit_form_class = forms.PartyOrgEditForm
    filterset_class = PartyOrgFilterSet
    search_fields = ["name", "code", "secretary_name"]
    search_backend_name = None
    list_display = [
        "name",
        "kind",
        "code",
        Column("place", label=_("所属"), accessor=_party_org_place),
        "secretary_name",
    ]

    def list_queryset(self):
        return selectors.party_org_list()


class PlacesViewSetGroup(ModelViewSetGroup):
    menu_label = _("行政区划与党组织")
    menu_icon = "site"
    menu_order = 210
    items = (StreetViewSet, CommunityViewSet, GridViewSet, PartyOrganizationViewSet)
