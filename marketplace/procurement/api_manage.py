"""The street's and the evaluators' side of the procurement API, under /api/v1/manage/. Thin:
every write is one service call (which checks the role over the object and writes the audit
trail); domain errors become 4xx through ``marketplace.core.api``.

A project is found here when the user may see it in the back office (the buying street, the
district) or evaluates it; anyone else is told it does not exist. Before the opening the
project shows only the number of its bids: no path here reads a bid's contents (the bid's own
endpoint does, through ``selectors.bid_contents``).
"""

from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import selectors, services
from .api import first_or_404, write_schema
from .choices import BidStatus
from .models import Bid, Contract, Milestone, Objection, Project, Question
from .serializers import (
    AnswerInputSerializer,
    AwardProposeInputSerializer,
    ContractSerializer,
    ContractSignInputSerializer,
    DeclarationInputSerializer,
    DeclarationSerializer,
    EvaluationCompleteInputSerializer,
    EvaluatorAppointedSerializer,
    EvaluatorAppointInputSerializer,
    ManagedProjectDetailSerializer,
    MilestoneAcceptInputSerializer,
    MilestoneSerializer,
    ObjectionResolveInputSerializer,
    ObjectionSerializer,
    OpenedBidSerializer,
    ProjectCreateSerializer,
    ProjectListSerializer,
    ProjectMoveInputSerializer,
    ProjectTermsInputSerializer,
    QuestionSerializer,
    RatingInputSerializer,
    RatingSerializer,
    ReasonInputSerializer,
    ScoreInputSerializer,
    ScoreSerializer,
)

# The service behind each code of ``serializers.PROJECT_MOVE_CODES``.
MOVES = {
    "submit": services.project_submit,
    "approve": services.project_approve,
    "return": services.project_return,
    "publish": services.project_publish,
    "close_bidding": services.project_close_bidding,
    "open_bids": services.project_open_bids,
    "fail": services.project_fail,
    "cancel": services.project_cancel,
    "start_publicity": services.award_publicity_start,
    "confirm_award": services.award_confirm,
    "start_delivery": services.delivery_start,
    "complete": services.project_complete,
}
MOVES_WITH_REASON = frozenset({"return", "fail", "cancel"})
# What counts towards the number of bids, as in the public list.
COUNTED_BIDS = [
    s for s in BidStatus.values if s not in (BidStatus.DRAFT, BidStatus.WITHDRAWN, BidStatus.INVALIDATED)
]


# --- reads: the projects a staff member manages or evaluates -----------------------------------
def _managed(model, path: str, user):
    """Rows of ``model`` whose project (at ``path``) the user manages or evaluates."""
    return model.objects.filter(**{f"{path}__in": selectors.project_list_managed(user).values("pk")})


def _detail(request, project: Project) -> dict:
    project = first_or_404(
        selectors.project_list_managed(request.user)
        .select_related("street", "community")
        .prefetch_related("criteria", "questions", "objections")
        .annotate(bid_count=Count("bids", filter=Q(bids__status__in=COUNTED_BIDS))),
        project.pk,
    )
    return ManagedProjectDetailSerializer(project, context={"request": request}).data


class _StaffViewSet(viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated]

    def _find(self, queryset, pk):
        return first_or_404(queryset, pk)


# --- projects ---------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        summary="我管理的服务项目",
        description="街道干部:本街道的项目(含草稿);区级:全区;评审专家:被指派评审的项目。",
    ),
    retrieve=extend_schema(
        summary="服务项目(管理)",
        description="条款、评分项、全部答疑、可执行的状态变更、评审专家、开标后的投标与报价、质疑、合同与履约节点。"
        "开标前只显示投标数量。",
    ),
)
class ManageProjectViewSet(mixins.ListModelMixin, _StaffViewSet):
    serializer_class = ProjectListSerializer
    queryset = Project.objects.none()  # gives the schema the type of {id}; the rows come below
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return (
            selectors.project_list_managed(self.request.user)
            .select_related("street", "community")
            .annotate(bid_count=Count("bids", filter=Q(bids__status__in=COUNTED_BIDS)))
            .order_by("-created_at", "-id")
        )

    def get_serializer_class(self):
        return ProjectListSerializer if self.action == "list" else ManagedProjectDetailSerializer

    def _project(self) -> Project:
        return self._find(selectors.project_list_managed(self.request.user), self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        return Response(_detail(request, self._project()))

    @write_schema(
        "起草服务项目",
        description="街道干部为本街道起草项目(草稿),含评分项(权重之和为100,其中一项为价格)。",
        request=ProjectCreateSerializer,
        response=ManagedProjectDetailSerializer,
        created=True,
    )
    def create(self, request, *args, **kwargs):
        payload = ProjectCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        project = services.project_create(
            actor=request.user, street=payload.validated_data["street"], terms=payload.to_terms()
        )
        return Response(_detail(request, project), status=status.HTTP_201_CREATED)

    @write_schema(
        "修改草稿",
        description="草稿阶段可修改全部条款(整体替换,含评分项)。",
        request=ProjectTermsInputSerializer,
        response=ManagedProjectDetailSerializer,
    )
    def update(self, request, *args, **kwargs):
        project = self._project()
        payload = ProjectTermsInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        project = services.project_update_draft(actor=request.user, project=project, terms=payload.to_terms())
        return Response(_detail(request, project))

    @write_schema(
        "变更项目状态",
        description="提交审批、审批通过、退回修改、发布、投标截止、开标、流标、取消、开始公示、确认中标、"
        "开始履约、验收完成。退回、流标、取消须填写原因。",
        request=ProjectMoveInputSerializer,
        response=ManagedProjectDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def moves(self, request, pk=None):
        project = self._project()
        payload = ProjectMoveInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        move = payload.validated_data["move"]
        extra = {"reason": payload.validated_data["reason"]} if move in MOVES_WITH_REASON else {}
        project = MOVES[move](actor=request.user, project=project, **extra)
        return Response(_detail(request, project))

    @write_schema(
        "指派评审专家",
        description="投标截止后、评审完成前,街道干部指派本项目的评审专家。",
        request=EvaluatorAppointInputSerializer,
        response=EvaluatorAppointedSerializer,
        created=True,
    )
    @action(detail=True, methods=["post"])
    def evaluators(self, request, pk=None):
        project = self._project()
        payload = EvaluatorAppointInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = payload.validated_data["user"]
        services.evaluator_appoint(actor=request.user, project=project, user=user)
        data = {"project": project.pk, "user": user.pk, "display_name": user.display_label}
        return Response(EvaluatorAppointedSerializer(data).data, status=status.HTTP_201_CREATED)

    @write_schema(
        "无利害关系声明",
        description="评审专家在评分前声明与各投标组织无利害关系;在投标组织任职者不能声明。",
        request=DeclarationInputSerializer,
        response=DeclarationSerializer,
        created=True,
    )
    @action(detail=True, methods=["post"])
    def declaration(self, request, pk=None):
        project = self._project()
        payload = DeclarationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        declaration = services.conflict_declare(
            actor=request.user, project=project, statement=payload.validated_data["statement"]
        )
        return Response(DeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)

    @write_schema(
        "完成评审",
        description="全部评审专家评分完毕后,按评分排名并保存评审报告;有效投标不足时流标。",
        request=EvaluationCompleteInputSerializer,
        response=ManagedProjectDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def evaluation(self, request, pk=None):
        project = self._project()
        payload = EvaluationCompleteInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        project = services.project_complete_evaluation(
            actor=request.user, project=project, report=payload.validated_data["report"]
        )
        return Response(_detail(request, project))

    @write_schema(
        "确定拟中标人",
        description="通常为排名第一的投标;推荐其他投标须说明理由。",
        request=AwardProposeInputSerializer,
        response=ManagedProjectDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        project = self._project()
        payload = AwardProposeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        project = services.award_propose(
            actor=request.user,
            project=project,
            bid=payload.validated_data["bid"],
            reason=payload.validated_data["reason"],
        )
        return Response(_detail(request, project))

    @write_schema(
        "签订合同",
        description="与中标组织签订合同:金额默认中标价且不得超过,付款节点比例之和为100、到期日在服务期内。",
        request=ContractSignInputSerializer,
        response=ContractSerializer,
        created=True,
    )
    @action(detail=True, methods=["post"])
    def contract(self, request, pk=None):
        project = self._project()
        payload = ContractSignInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        contract = services.contract_sign(
            actor=request.user,
            project=project,
            amount_fen=payload.validated_data["amount_fen"],
            terms=payload.validated_data["terms"],
            milestones=payload.to_milestones(),
        )
        return Response(
            ContractSerializer(selectors.contract_for_project(contract.project)).data,
            status=status.HTTP_201_CREATED,
        )


# --- questions, bids, objections --------------------------------------------------------------
class ManageQuestionViewSet(_StaffViewSet):
    queryset = Question.objects.none()  # gives the schema the type of {id}

    @write_schema(
        "答复提问",
        description="答复对所有投标人公开;距投标截止不足3天时,截止时间顺延。",
        request=AnswerInputSerializer,
        response=QuestionSerializer,
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        question = self._find(_managed(Question, "project", request.user), pk)
        payload = AnswerInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        question = services.question_answer(
            actor=request.user, question=question, answer=payload.validated_data["answer"]
        )
        return Response(QuestionSerializer(question).data)


class ManageBidViewSet(_StaffViewSet):
    """Opened bids, for scoring and for finding one invalid. Their contents are read at
    /api/v1/bids/{id}/."""

    queryset = Bid.objects.none()  # gives the schema the type of {id}

    def _bid(self, pk) -> Bid:
        bids = _managed(Bid, "project", self.request.user).select_related("organization", "result")
        return self._find(bids, pk)

    @write_schema(
        "评分",
        description="评审专家对已开标投标的一个非价格评分项打分(0到100);评审完成前可修改。",
        request=ScoreInputSerializer,
        response=ScoreSerializer,
    )
    @action(detail=True, methods=["post"])
    def scores(self, request, pk=None):
        bid = self._bid(pk)
        payload = ScoreInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        score = services.score_record(
            actor=request.user,
            bid=bid,
            criterion=payload.validated_data["criterion"],
            value=payload.validated_data["value"],
            comment=payload.validated_data["comment"],
        )
        return Response(ScoreSerializer(score).data)

    @write_schema(
        "认定无效投标",
        description="评审期间,街道认定已开标的投标无效(须说明原因),该投标不参加排名。",
        request=ReasonInputSerializer,
        response=OpenedBidSerializer,
    )
    @action(detail=True, methods=["post"])
    def disqualify(self, request, pk=None):
        bid = self._bid(pk)
        payload = ReasonInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.bid_disqualify(actor=request.user, bid=bid, reason=payload.validated_data["reason"])
        return Response(OpenedBidSerializer(self._bid(bid.pk)).data)


class ManageObjectionViewSet(_StaffViewSet):
    queryset = Objection.objects.none()  # gives the schema the type of {id}

    @write_schema(
        "答复质疑",
        description="质疑成立时,公示撤回、重新评审;不成立时照常确认中标。",
        request=ObjectionResolveInputSerializer,
        response=ObjectionSerializer,
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        objection = self._find(_managed(Objection, "project", request.user), pk)
        payload = ObjectionResolveInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        objection = services.objection_resolve(
            actor=request.user,
            objection=objection,
            upheld=payload.validated_data["upheld"],
            response=payload.validated_data["response"],
        )
        return Response(ObjectionSerializer(objection).data)


# --- contract and delivery --------------------------------------------------------------------
class ManageMilestoneViewSet(_StaffViewSet):
    queryset = Milestone.objects.none()  # gives the schema the type of {id}

    def _milestone(self, pk) -> Milestone:
        return self._find(_managed(Milestone, "contract__project", self.request.user), pk)

    def _answer(self, milestone: Milestone) -> Response:
        fresh = _managed(Milestone, "contract__project", self.request.user).select_related("payment")
        return Response(MilestoneSerializer(fresh.get(pk=milestone.pk)).data)

    @write_schema(
        "验收通过",
        description="验收已提交的履约报告并登记该节点的付款(财政资金即时支付;专项基金等待基金拨付)。",
        request=MilestoneAcceptInputSerializer,
        response=MilestoneSerializer,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        milestone = self._milestone(pk)
        payload = MilestoneAcceptInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.milestone_accept(
            actor=request.user,
            milestone=milestone,
            note=payload.validated_data["note"],
            source=payload.validated_data["source"],
        )
        return self._answer(milestone)

    @write_schema(
        "退回修改",
        description="将履约报告退回修改,须说明原因。",
        request=ReasonInputSerializer,
        response=MilestoneSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        milestone = self._milestone(pk)
        payload = ReasonInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.milestone_return(
            actor=request.user, milestone=milestone, reason=payload.validated_data["reason"]
        )
        return self._answer(milestone)


class ManageContractViewSet(_StaffViewSet):
    queryset = Contract.objects.none()  # gives the schema the type of {id}

    @write_schema(
        "履约评价",
        description="验收完成的合同评价一次(1到5分),显示在社会组织的公开履约记录上。",
        request=RatingInputSerializer,
        response=RatingSerializer,
        created=True,
    )
    @action(detail=True, methods=["post"])
    def rating(self, request, pk=None):
        contract = self._find(_managed(Contract, "project", request.user), pk)
        payload = RatingInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rating = services.contract_rate(
            actor=request.user,
            contract=contract,
            score=payload.validated_data["score"],
            comment=payload.validated_data["comment"],
        )
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)
