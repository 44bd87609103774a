"""API on places and party organisations. Reading is public; staff create and rename
communities and grids through the same services as the admin, which check role and scope."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.response import Response

from marketplace.core.api import IdFilter
from marketplace.core.exceptions import NotFound

from . import selectors, services
from .choices import PartyOrgKind
from .models import Community, Street
from .serializers import (
    CommunityCreateSerializer,
    CommunitySerializer,
    GridCreateSerializer,
    GridSerializer,
    PartyOrganizationSerializer,
    PlaceWriteSerializer,
    StreetSerializer,
)


class _PublicReadOnly(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]


class _PlaceWrites:
    """create (under a parent) and partial_update through the places services."""

    parent_model = None
    parent_field = ""
    create_serializer_class = None
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action in ("create", "partial_update"):
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def create(self, request, *args, **kwargs):
        payload = self.create_serializer_class(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        parent = self.parent_model.objects.filter(pk=data.pop(self.parent_field)).first()
        if parent is None:
            raise NotFound()
        place = self.create_service(actor=request.user, **{self.parent_field: parent}, **data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=place.pk)).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request, *args, **kwargs):
        place = self.get_object()
        payload = PlaceWriteSerializer(
            data={"code": place.code, "name": place.name, "sort_order": place.sort_order, **request.data}
        )
        payload.is_valid(raise_exception=True)
        services.place_update(actor=request.user, place=place, **payload.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=place.pk)).data)


@extend_schema_view(list=extend_schema(summary="街道列表"), retrieve=extend_schema(summary="街道"))
class StreetViewSet(_PublicReadOnly):
    serializer_class = StreetSerializer

    def get_queryset(self):
        return selectors.street_list()


class CommunityFilter(filters.FilterSet):
    street = IdFilter(field_name="street_id", label="街道编号")


@extend_schema_view(
    list=extend_schema(summary="社区列表"),
    retrieve=extend_schema(summary="社区"),
    create=extend_schema(summary="新建社区(区级管理员)", request=CommunityCreateSerializer),
    partial_update=extend_schema(summary="修改社区名称或编码", request=PlaceWriteSerializer),
)
class CommunityViewSet(_PlaceWrites, viewsets.ModelViewSet):
    serializer_class = CommunitySerializer
    filterset_class = CommunityFilter
    create_serializer_class = CommunityCreateSerializer
    parent_model = Street
    parent_field = "street"
    create_service = staticmethod(services.community_create)

    def get_queryset(self):
        return selectors.community_list()


class GridFilter(filters.FilterSet):
    community = IdFilter(field_name="community_id", label="社区编号")
    street = IdFilter(field_name="street_id", label="街道编号")


@extend_schema_view(
    list=extend_schema(summary="网格列表"),
    retrieve=extend_schema(summary="网格"),
    create=extend_schema(summary="新建网格", request=GridCreateSerializer),
    partial_update=extend_schema(summary="修改网格名称或编码", request=PlaceWriteSerializer),
)
class GridViewSet(_PlaceWrites, viewsets.ModelViewSet):
    serializer_class = GridSerializer
    filterset_class = GridFilter
    create_serializer_class = GridCreateSerializer
    parent_model = Community
    parent_field = "community"
    create_service = staticmethod(services.grid_create)

    def get_queryset(self):
        return selectors.grid_list()


class PartyOrgFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=PartyOrgKind.choices, label="类型")
    street = IdFilter(field_name="street_id", label="街道编号")
    community = IdFilter(field_name="community_id", label="社区编号")
    grid = IdFilter(field_name="grid_id", label="网格编号")


@extend_schema_view(list=extend_schema(summary="党组织列表"), retrieve=extend_schema(summary="党组织"))
class PartyOrganizationViewSet(_PublicReadOnly):
    serializer_class = PartyOrganizationSerializer
    filterset_class = PartyOrgFilter

    def get_queryset(self):
        return selectors.party_org_list()
