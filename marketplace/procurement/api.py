"""The procurement API. Thin: parse, call a selector or a service, answer; domain errors become
4xx through ``marketplace.core.api``."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api import MAX_ID, ErrorSerializer, IdFilter
from marketplace.organizations.choices import ServiceCategory

from . import ocds, selectors
from .choices import ProjectStatus
from .serializers import OcdsReleasePackageSerializer, ProjectDetailSerializer, ProjectListSerializer


def _id_or_404(raw) -> int:
    try:
        value = int(str(raw))
    except ValueError:
        raise exceptions.NotFound() from None
    if not 1 <= value <= MAX_ID:
        raise exceptions.NotFound()
    return value


class ProjectOcdsView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="v1_projects_ocds",
        summary="项目开放数据(OCDS 1.1 发布包)",
        description="公开:已发布(及之后各阶段)的项目。招标、中标、合同、履约节点与付款;"
        "开标前只公布投标数量,不含任何投标内容。未发布的项目答复 404。",
        parameters=[
            OpenApiParameter(
                "id",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                OpenApiParameter.PATH,
                description="项目编号",
            )
        ],
        responses={
            200: OcdsReleasePackageSerializer,
            404: OpenApiResponse(ErrorSerializer, description="项目不存在或尚未发布"),
        },
    )
    def get(self, request, **kwargs):
        project = selectors.project_for_open_data(_id_or_404(kwargs["id"]))
        if project is None:
            raise exceptions.NotFound()
        return Response(ocds.release_package(project, uri=request.build_absolute_uri()))


class ProjectFilter(filters.FilterSet):
    street = IdFilter(field_name="street_id", label="街道编号")
    category = filters.ChoiceFilter(choices=ServiceCategory.choices, label="服务类别")
    status = filters.ChoiceFilter(choices=ProjectStatus.choices, label="状态")


@extend_schema_view(
    list=extend_schema(summary="服务项目列表(公开)"),
    retrieve=extend_schema(summary="服务项目公告、答疑与结果(公开)"),
)
class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """Published projects and their public record. Bids are never shown before opening: only
    their number; the result appears once the award is published."""

    permission_classes = [permissions.AllowAny]
    filterset_class = ProjectFilter

    def get_serializer_class(self):
        return ProjectDetailSerializer if self.action == "retrieve" else ProjectListSerializer

    def get_queryset(self):
        qs = selectors.project_list_public()
        if self.action == "retrieve":
            qs = qs.prefetch_related("criteria", "questions")
        return qs
