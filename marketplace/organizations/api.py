"""The organisations API: the public directory and profiles, registration and profile changes,
the list of incubator cohorts, and the district's Excel exports. Thin: parse, call a selector or
a service, answer; domain errors become 4xx through ``marketplace.core.api``."""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django_filters import rest_framework as filters
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api import MAX_ID, ErrorSerializer, IdFilter
from marketplace.core.spreadsheets import XLSX_CONTENT_TYPE

from . import exports, selectors, services
from .choices import ServiceCategory
from .models import Cohort, Organization
from .serializers import (
    CohortSerializer,
    OrganizationDetailSerializer,
    OrganizationInputSerializer,
    OrganizationSerializer,
)


def _id_or_404(raw) -> int:
    """A path id as an integer, or the API's 404 for anything that cannot name a row."""
    try:
        value = int(str(raw))
    except ValueError:
        raise exceptions.NotFound() from None
    if not 1 <= value <= MAX_ID:
        raise exceptions.NotFound()
    return value


@extend_schema_field(OpenApiTypes.STR)
class _TextFilter(filters.CharFilter):
    pass


class OrganizationFilter(filters.FilterSet):
    """Parses the directory's query; the selector applies it."""

    street = IdFilter(field_name="street_id", label="街道编号")
    community = IdFilter(field_name="community_id", label="社区编号")
    category = filters.ChoiceFilter(choices=ServiceCategory.choices, label="服务类别")
    tag = _TextFilter(field_name="tags__slug", max_length=40, label="服务标签标识,如 elderly")
    q = _TextFilter(max_length=100, label="名称或简介中的关键词")

    class Meta:
        model = Organization
        fields = []


@extend_schema_view(
    list=extend_schema(summary="社会组织名录", description="已认证(含暂停)的社会组织,按名称排序。"),
    retrieve=extend_schema(
        summary="社会组织主页",
        description="公开信息;组织成员与区级管理员另可看到负责人和脱敏的联系电话。"
        "待审核的组织只对其成员与区级可见。",
    ),
    create=extend_schema(
        summary="登记社会组织",
        description="登记后等待区级认证,登记人成为该组织的管理员。",
        request=OrganizationInputSerializer,
        responses={201: OrganizationDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="修改组织信息",
        description="组织管理员或区级管理员;认证后名称、组织形式和信用代码不能自行修改。",
        request=OrganizationInputSerializer,
        responses=OrganizationDetailSerializer,
    ),
)
class OrganizationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return OrganizationSerializer if self.action == "list" else OrganizationDetailSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or self.action != "list":
            return Organization.objects.none()
        query = OrganizationFilter(self.request.query_params)
        if not query.is_valid():
            raise translate_validation(query.errors)
        cleaned = query.form.cleaned_data
        return selectors.organization_directory(
            street_id=cleaned.get("street"),
            community_id=cleaned.get("community"),
            category=cleaned.get("category") or None,
            tag=cleaned.get("tag") or None,
            q=(cleaned.get("q") or "").strip() or None,
        )

    def filter_queryset(self, queryset):
        # The filterset documents and parses the query; the selector has already applied it.
        return queryset

    def get_object(self):
        return self._find(_id_or_404(self.kwargs["pk"]))

    def _find(self, pk: int) -> Organization:
        org = selectors.organization_public_profile(pk)
        if org is None:
            # Not (or not yet) public: its members and the district still see it.
            org = (
                selectors.organization_list_for_staff(self.request.user)
                .prefetch_related("tags", "incubations")
                .filter(pk=pk)
                .first()
            )
        if org is None:
            raise exceptions.NotFound()
        return org

    def _detail(self, org: Organization) -> dict:
        return OrganizationDetailSerializer(
            org, show_private=services.organization_private_view(actor=self.request.user, org=org)
        ).data

    def retrieve(self, request, *args, **kwargs):
        return Response(self._detail(self.get_object()))

    def create(self, request, *args, **kwargs):
        payload = OrganizationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        org = services.organization_register(actor=request.user, data=payload.to_data())
        return Response(self._detail(self._find(org.pk)), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        org = self.get_object()
        payload = OrganizationInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        org = services.organization_update(actor=request.user, org=org, data=payload.to_data(org))
        return Response(self._detail(self._find(org.pk)))


@extend_schema_view(list=extend_schema(summary="孵化期次", description="已发布的孵化期次,最新的在前。"))
class CohortViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CohortSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return selectors.cohort_list_public()


# --- Excel exports --------------------------------------------------------------------------
class _AlwaysJson(BaseContentNegotiation):
    """The export answers a spreadsheet itself; errors are JSON whatever the client accepts, so
    that a download link asking for a spreadsheet gets a readable refusal instead of a 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    # Private data of organisations: no shared cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response


_XLSX_RESPONSE = {
    (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
    # Signed in is not enough: only the district may export (the check is in ``exports``).
    403: OpenApiResponse(ErrorSerializer, description="无权执行此操作"),
}


class OrganizationDirectoryExportView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    content_negotiation_class = _AlwaysJson

    @extend_schema(
        operation_id="v1_organizations_export",
        summary="导出社会组织名录(Excel)",
        description="仅区级管理员;联系电话脱敏;每次导出记入审计日志。",
        responses=_XLSX_RESPONSE,
    )
    def get(self, request):
        content = exports.directory_xlsx(actor=request.user)
        return _xlsx_response(content, f"社会组织名录-{timezone.localdate():%Y%m%d}.xlsx")


class CohortScorecardExportView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    content_negotiation_class = _AlwaysJson

    @extend_schema(
        operation_id="v1_cohorts_scorecards_export",
        summary="导出孵化期次能力评估表(Excel)",
        description="每个孵化组织每个评估阶段一行:四项评分、平均分与依据。仅区级管理员;记入审计日志。",
        parameters=[
            OpenApiParameter(
                "id",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                OpenApiParameter.PATH,
                description="孵化期次编号",
            )
        ],
        responses=_XLSX_RESPONSE,
    )
    def get(self, request, **kwargs):
        cohort = Cohort.objects.filter(pk=_id_or_404(kwargs["id"])).first()
        if cohort is None:
            raise exceptions.NotFound()
        content = exports.cohort_scorecards_xlsx(actor=request.user, cohort=cohort)
        return _xlsx_response(content, f"能力评估表-{cohort.name}.xlsx")
