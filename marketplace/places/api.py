from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets

from . import selectors
from .choices import PartyOrgKind
from .serializers import (
    CommunitySerializer,
    GridSerializer,
    PartyOrganizationSerializer,
    StreetSerializer,
)


class _PublicReadOnly(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]


@extend_schema_view(list=extend_schema(summary="街道列表"), retrieve=extend_schema(summary="街道"))
class StreetViewSet(_PublicReadOnly):
    serializer_class = StreetSerializer

    def get_queryset(self):
        return selectors.street_list()


class CommunityFilter(filters.FilterSet):
    street = filters.NumberFilter(field_name="street_id")


@extend_schema_view(list=extend_schema(summary="社区列表"), retrieve=extend_schema(summary="社区"))
class CommunityViewSet(_PublicReadOnly):
    serializer_class = CommunitySerializer
    filterset_class = CommunityFilter

    def get_queryset(self):
        return selectors.community_list()


class GridFilter(filters.FilterSet):
    community = filters.NumberFilter(field_name="community_id")
    street = filters.NumberFilter(field_name="street_id")


@extend_schema_view(list=extend_schema(summary="网格列表"), retrieve=extend_schema(summary="网格"))
class GridViewSet(_PublicReadOnly):
    serializer_class = GridSerializer
    filterset_class = GridFilter

    def get_queryset(self):
        return selectors.grid_list()


class PartyOrgFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=PartyOrgKind.choices)
    street = filters.NumberFilter(field_name="street_id")


@extend_schema_view(list=extend_schema(summary="党组织列表"), retrieve=extend_schema(summary="党组织"))
class PartyOrganizationViewSet(_PublicReadOnly):
    serializer_class = PartyOrganizationSerializer
    filterset_class = PartyOrgFilter

    def get_queryset(self):
        return selectors.party_org_list()
