"""The procurement API. Thin: parse, call a selector or a service, answer; domain errors become
4xx through ``marketplace.core.api``.

Here: the public record (projects, open data) and the organisations' side (their bids, questions,
objections and delivery reports). The street's and the evaluators' side is ``api_manage.py``.

Sealed bids: no view here reads a bid's contents itself. The bid detail asks
``selectors.bid_contents``, which answers the bidder's own members at any time and the buying
street, the district and the project's evaluators only from the opening on (anyone else: 404).
"""

from django_filters import rest_framework as filters
from django_filters.utils import translate_validation
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api import MAX_ID, ErrorSerializer, IdFilter
from marketplace.organizations.choices import ServiceCategory

from . import ocds, selectors, services
from .choices import BidStatus, ProjectStatus
from .models import Bid, Milestone, Project
from .serializers import (
    BidDetailSerializer,
    BidInputSerializer,
    BidSerializer,
    MilestoneReportInputSerializer,
    MilestoneReportSerializer,
    ObjectionInputSerializer,
    ObjectionSerializer,
    OcdsReleasePackageSerializer,
    ProjectDetailSerializer,
    ProjectListSerializer,
    QuestionInputSerializer,
    QuestionSerializer,
)

# A write refused by a business rule (ValidationFailed) or by the object's current state
# (TransitionNotAllowed, GuardFailed).
RULE_REFUSED = OpenApiResponse(ErrorSerializer, description="输入有误或不符合业务规则")
STATE_CONFLICT = OpenApiResponse(ErrorSerializer, description="当前状态不允许此操作")


def _id_or_404(raw) -> int:
    try:
        value = int(str(raw))
    except ValueError:
        raise exceptions.NotFound() from None
    if not 1 <= value <= MAX_ID:
        raise exceptions.NotFound()
    return value


def first_or_404(queryset, raw_id):
    obj = queryset.filter(pk=_id_or_404(raw_id)).first()
    if obj is None:
        raise exceptions.NotFound()
    return obj


def write_schema(summary: str, *, request, response, created: bool = False, description: str = ""):
    """The schema of a write: its input, its answer (201 when it makes something), the 400 of a
    business rule (even without a body) and the 409 of a move the object's state refuses;
    401/403/404/415 are added by PortalAutoSchema."""
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={201 if created else 200: response, 400: RULE_REFUSED, 409: STATE_CONFLICT},
    )


# --- reads of the organisations' own rows ------------------------------------------------------
# The same scopes the services check (a role over the organisation), so that another
# organisation's bid or milestone is not found rather than refused.
# --- public record -----------------------------------------------------------------------------
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


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_ID})
class FenFilter(filters.NumberFilter):
    """An amount in whole fen."""

    field_class = IdFilter.field_class

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ProjectFilter(filters.FilterSet):
    """Parses the list's query; the selector applies it."""

    street = IdFilter(field_name="street_id", label="街道编号")
    community = IdFilter(label="社区编号(含该社区所在街道的全街道项目)")
    category = filters.ChoiceFilter(choices=ServiceCategory.choices, label="服务类别")
    status = filters.ChoiceFilter(choices=ProjectStatus.choices, label="状态")
    budget_min_fen = FenFilter(label="预算上限不低于(分)")
    budget_max_fen = FenFilter(label="预算上限不高于(分)")

    class Meta:
        model = Project
        fields = []


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
        if self.action != "list":
            return selectors.project_list_public().prefetch_related("criteria", "questions")
        query = ProjectFilter(self.request.query_params, queryset=Project.objects.none())
        if not query.is_valid():
            raise translate_validation(query.errors)
        cleaned = query.form.cleaned_data
        return selectors.project_list_public(
            street_id=cleaned.get("street"),
            community_id=cleaned.get("community"),
            category=cleaned.get("category") or None,
            status=cleaned.get("status") or None,
            budget_min_fen=cleaned.get("budget_min_fen"),
            budget_max_fen=cleaned.get("budget_max_fen"),
        )

    def filter_queryset(self, queryset):
        # The filterset documents and parses the query; the selector has already applied it.
        return queryset

    def get_object(self):
        return first_or_404(self.get_queryset(), self.kwargs["pk"])

    def _public_project(self) -> Project:
        return first_or_404(
            Project.objects.filter(status__in=selectors.PUBLIC_STATUSES, published_at__isnull=False),
            self.kwargs["pk"],
        )

    @write_schema(
        "提问(答疑)",
        description="投标期内,以您任职的社会组织的名义提问;答复对所有投标人公开。",
        request=QuestionInputSerializer,
        response=QuestionSerializer,
        created=True,
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def questions(self, request, pk=None):
        project = self._public_project()
        payload = QuestionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        question = services.question_ask(
            actor=request.user,
            project=project,
            org=payload.validated_data["organization"],
            text=payload.validated_data["text"],
        )
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)

    @write_schema(
        "提出质疑",
        description="公示期内,参加开标的投标组织的管理员可对评审结果提出质疑。",
        request=ObjectionInputSerializer,
        response=ObjectionSerializer,
        created=True,
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def objections(self, request, pk=None):
        project = self._public_project()
        payload = ObjectionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        objection = services.objection_raise(
            actor=request.user,
            project=project,
            org=payload.validated_data["organization"],
            text=payload.validated_data["text"],
        )
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


# --- the organisations' bids -------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="本组织的投标",
        description="您任职的社会组织的投标(不含投标内容),最近提交的在前。",
    ),
    retrieve=extend_schema(
        summary="投标详情(含投标内容)",
        description="开标前只有投标组织本身可以查看;开标后采购街道、区级与本项目评审专家也可查看"
        "(每次查看记入审计日志)。其他人答复 404。",
    ),
)
class BidViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated]
    # A bid comes as JSON, or as multipart/form-data when it carries attachments.
    parser_classes = [JSONParser, MultiPartParser]
    serializer_class = BidSerializer
    queryset = Bid.objects.none()  # gives the schema the type of {id}; the rows come below

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Bid.objects.none()
        return (
            selectors.bid_list_own(self.request.user)
            .exclude(status=BidStatus.DRAFT)
            .order_by("-submitted_at", "-id")
        )

    def get_serializer_class(self):
        return BidDetailSerializer if self.action == "retrieve" else BidSerializer

    def retrieve(self, request, *args, **kwargs):
        bid = first_or_404(Bid.objects.select_related("project", "organization"), kwargs["pk"])
        contents = selectors.bid_contents(viewer=request.user, bid=bid)
        return Response(BidDetailSerializer(bid, context={"contents": contents, "request": request}).data)

    @write_schema(
        "提交投标",
        description="投标期内提交(或重新提交)密封投标:报价不超过预算上限,三项声明均须确认。"
        "带附件时用 multipart/form-data:各字段同名,declarations 为一个 JSON 部分"
        "(或 declarations.no_collusion 等字段),attachments 为若干文件(PDF、JPG、PNG 或 Excel,"
        "每个不超过 10 MB,最多 5 个)。附件与投标内容一同加密密封,重新提交时替换上次的附件;"
        "类型或大小不符时答复 400,投标不变。答复即回执:内容摘要与服务器记录的提交时间。",
        request=BidInputSerializer,
        response=BidSerializer,
        created=True,
    )
    def create(self, request, *args, **kwargs):
        payload = BidInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        bid = services.bid_submit(
            actor=request.user,
            project=payload.validated_data["project"],
            org=payload.validated_data["organization"],
            contents=payload.to_contents(),
        )
        return Response(BidSerializer(bid).data, status=status.HTTP_201_CREATED)

    @write_schema(
        "撤回投标", description="投标截止前可撤回,之后可重新提交。", request=None, response=BidSerializer
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        bid = first_or_404(selectors.bid_list_own(request.user), pk)
        bid = services.bid_withdraw(actor=request.user, bid=bid)
        return Response(BidSerializer(first_or_404(selectors.bid_list_own(request.user), bid.pk)).data)


# --- delivery reports --------------------------------------------------------------------------
class MilestoneViewSet(viewsets.GenericViewSet):
    """Milestones of the contracts an organisation delivers; the street reviews them under
    /manage/."""

    permission_classes = [permissions.IsAuthenticated]
    queryset = Milestone.objects.none()  # gives the schema the type of {id}

    @write_schema(
        "提交履约报告",
        description="中标组织按节点提交履约报告与佐证材料(multipart/form-data:content 与若干 evidence 文件;"
        "PDF、JPG、PNG,每个不超过 10 MB,最多 10 个)。",
        request=MilestoneReportInputSerializer,
        response=MilestoneReportSerializer,
        created=True,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def reports(self, request, pk=None):
        milestone = first_or_404(selectors.milestone_list_reportable(request.user), pk)
        payload = MilestoneReportInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        report = services.milestone_report_submit(
            actor=request.user,
            milestone=milestone,
            content=payload.validated_data["content"],
            evidence_uploads=payload.validated_data["evidence"],
        )
        return Response(MilestoneReportSerializer(report).data, status=status.HTTP_201_CREATED)
