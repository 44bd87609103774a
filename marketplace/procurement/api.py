"""The procurement API. Thin: parse, call a selector or a service, answer; domain errors become
4xx through ``marketplace.core.api``."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api import MAX_ID, ErrorSerializer

from . import ocds, selectors
from .serializers import OcdsReleasePackageSerializer


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
