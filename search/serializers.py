"""Shapes of the search API: its parameters and its answers. The parameters only check types and
bounds; what a query means is the search service's."""

from urllib.parse import urlsplit

from rest_framework import serializers

from marketplace.core.api import MAX_ID

from .labels import category_label, kind_label, status_label
from .types import KINDS, MAX_PAGE, MAX_QUERY_LENGTH, Hit, SearchQuery

CODE_PATTERN = r"^[a-z0-9_]{1,40}\Z"


def safe_url(url: str) -> str:
    """A document's link, if it is one a page may print: a path on this site or an http(s)
    address. Anything else (``javascript:``, ``data:``) is no link at all."""
    url = (url or "").strip()
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def hit_fields(hit: Hit) -> dict:
    """What a page or the API shows of one hit, labels in the request's language."""
    doc = hit.document
    return {
        "kind": doc.kind,
        "kind_label": kind_label(doc.kind),
        "id": doc.object_id,
        "title": doc.title,
        "title_html": hit.title_html,
        "excerpt_html": hit.excerpt_html,
        "url": safe_url(doc.url),
        "street_id": doc.street_id,
        "street": doc.street,
        "community_id": doc.community_id,
        "community": doc.community,
        "category": doc.category,
        "category_label": category_label(doc.category) if doc.category else "",
        "status": doc.status,
        "status_label": status_label(doc.kind, doc.status) if doc.status else "",
        "open": doc.open,
        "date": doc.date,
    }


# --- parameters -------------------------------------------------------------------------------
class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_QUERY_LENGTH,
        help_text="搜索词(中文、拼音或繁体均可);为空时按筛选条件浏览,并给出热门搜索词",
    )
    kind = serializers.ChoiceField(choices=KINDS, required=False, help_text="内容类型")
    street = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="街道编号")
    community = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="社区编号")
    category = serializers.RegexField(CODE_PATTERN, required=False, help_text="服务类别代码(页面为页面类型)")
    status = serializers.RegexField(CODE_PATTERN, required=False, help_text="状态代码")
    page = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE, help_text=f"页码,1 到 {MAX_PAGE}"
    )

    def to_query(self) -> SearchQuery:
        data = self.validated_data
        return SearchQuery(
            text=(data.get("q") or "").strip(),
            kind=data.get("kind", ""),
            street_id=data.get("street"),
            community_id=data.get("community"),
            category=data.get("category", ""),
            status=data.get("status", ""),
            page=data.get("page", 1),
        )


class SuggestParamsSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_QUERY_LENGTH, help_text="已输入的文字"
    )


# --- answers ----------------------------------------------------------------------------------
class SearchHitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS, help_text="内容类型")
    kind_label = serializers.CharField(help_text="内容类型的名称")
    id = serializers.IntegerField(help_text="对象编号(在同一类型内唯一)")
    title = serializers.CharField()
    title_html = serializers.CharField(help_text="已转义的标题,匹配的词以 <mark> 标出")
    excerpt_html = serializers.CharField(help_text="已转义的正文摘要,匹配的词以 <mark> 标出")
    url = serializers.CharField(help_text="详情页地址")
    street_id = serializers.IntegerField(allow_null=True)
    street = serializers.CharField(help_text="街道名称,可为空")
    community_id = serializers.IntegerField(allow_null=True)
    community = serializers.CharField(help_text="社区名称,可为空")
    category = serializers.CharField(help_text="服务类别代码(页面为页面类型),可为空")
    category_label = serializers.CharField()
    status = serializers.CharField(help_text="状态代码,可为空")
    status_label = serializers.CharField()
    open = serializers.BooleanField(help_text="正在接受投标或报名")
    date = serializers.DateTimeField(allow_null=True, help_text="发布或举办时间")


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="作为筛选参数使用的值(街道、社区为编号)")
    label = serializers.CharField()
    count = serializers.IntegerField(min_value=0)


class FacetsSerializer(serializers.Serializer):
    kind = FacetValueSerializer(many=True)
    street = FacetValueSerializer(many=True)
    community = FacetValueSerializer(many=True)
    category = FacetValueSerializer(many=True)
    status = FacetValueSerializer(many=True)


class SearchResultsSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0, help_text="匹配的总数")
    page = serializers.IntegerField(min_value=1)
    pages = serializers.IntegerField(min_value=1, help_text=f"总页数(最多可翻到第 {MAX_PAGE} 页)")
    results = SearchHitSerializer(many=True)
    facets = FacetsSerializer(help_text="各筛选维度的取值及匹配数")
    suggestions = serializers.ListField(
        child=serializers.CharField(),
        help_text="结果很少或为空时的建议搜索词;搜索词为空时为热门搜索词",
    )


class SuggestionsSerializer(serializers.Serializer):
    suggestions = serializers.ListField(child=serializers.CharField(), help_text="补全已输入文字的标题或词语")
