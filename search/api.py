"""The search API: one search over projects, organisations, volunteer activities and pages, and
completions for a search box. Public and read-only; whatever the backend, a document holds only
what any visitor may read (see ``search.sources``)."""

from dataclasses import asdict

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api import ErrorSerializer
from marketplace.core.exceptions import NotFound

from . import service
from .serializers import (
    SearchParamsSerializer,
    SearchResultsSerializer,
    SuggestionsSerializer,
    SuggestParamsSerializer,
    hit_fields,
)
from .types import FACETS, MAX_PAGE


class SearchView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="v1_search",
        summary="全站搜索(公开)",
        description=(
            "在服务项目、社会组织、志愿活动和资讯中搜索。搜索词可以是中文、拼音(如 yanglao)或繁体字;"
            "结果按相关度排列,正在投标或报名的优先。每个筛选维度给出取值及匹配数;匹配的词在 "
            "title_html、excerpt_html 中以 <mark> 标出(其余内容已转义)。结果很少时给出建议搜索词,"
            "搜索词为空时按筛选条件浏览并给出热门搜索词。超出最后一页时答复 404。"
        ),
        parameters=[SearchParamsSerializer],
        responses={
            200: SearchResultsSerializer,
            404: OpenApiResponse(ErrorSerializer, description="没有这一页"),
        },
    )
    def get(self, request):
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.to_query()
        results = service.search(query)
        if query.page > 1 and not results.hits:
            raise NotFound(_("没有这一页。"), code="not_found")
        body = {
            "count": results.total,
            "page": results.query.page,
            "pages": min(results.pages, MAX_PAGE),
            "results": [hit_fields(hit) for hit in results.hits],
            "facets": {name: [asdict(value) for value in results.facets.get(name, [])] for name in FACETS},
            "suggestions": list(results.suggestions),
        }
        return Response(SearchResultsSerializer(body).data)


class SuggestView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="v1_search_suggest",
        summary="搜索补全(公开)",
        description="根据已输入的文字给出补全建议(标题或常用词),用于搜索框的自动完成。",
        parameters=[SuggestParamsSerializer],
        responses={200: SuggestionsSerializer},
    )
    def get(self, request):
        params = SuggestParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response({"suggestions": service.suggest(params.validated_data.get("q", ""))})
