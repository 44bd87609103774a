"""Shapes of the procurement API. The OCDS release package is built by ``ocds.py``; its
serializers only describe it in the OpenAPI schema (the OCDS schema itself is the contract).

Input serializers check types and resolve the ids a body names; every rule (deadlines, the
ceiling, weights, eligibility, who may do what) is the services'. No serializer reads a bid's
sealed contents: the bid detail gets them from ``selectors.bid_contents``."""

import json

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from marketplace.accounts.models import User
from marketplace.core.api import MAX_ID
from marketplace.organizations.choices import ServiceCategory
from marketplace.organizations.models import Organization
from marketplace.places.models import Community, Street

from . import selectors, transitions
from .choices import FundingSource, PaymentSource
from .models import Bid, EvaluationCriterion, Project
from .services import MAX_BID_ATTACHMENTS, BidContents, CriterionData, MilestoneTerms, ProjectTerms


class OcdsPublisherSerializer(serializers.Serializer):
    name = serializers.CharField()
    uri = serializers.CharField()


class OcdsReleaseSerializer(serializers.Serializer):
    ocid = serializers.CharField(help_text="开放合同编号:<OCDS_OCID_PREFIX>-<项目编号>,长期不变")
    id = serializers.CharField()
    date = serializers.DateTimeField()
    tag = serializers.ListField(child=serializers.CharField())
    initiationType = serializers.CharField()  # the standard's camelCase names
    language = serializers.CharField()
    buyer = serializers.DictField()
    planning = serializers.DictField()
    tender = serializers.DictField(help_text="开标前只公布投标数量(numberOfTenderers),不含任何投标内容")
    awards = serializers.ListField(child=serializers.DictField(), required=False)
    contracts = serializers.ListField(child=serializers.DictField(), required=False)
    parties = serializers.ListField(child=serializers.DictField())


class OcdsReleasePackageSerializer(serializers.Serializer):
    uri = serializers.CharField()
    version = serializers.CharField()
    publishedDate = serializers.DateTimeField()
    publisher = OcdsPublisherSerializer()
    releases = OcdsReleaseSerializer(many=True)


# --- projects (public) -----------------------------------------------------------------------
class ProjectListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    street = serializers.IntegerField(source="street_id")
    street_name = serializers.CharField(source="street.name")
    community = serializers.IntegerField(source="community_id", allow_null=True)
    category = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    budget_ceiling_fen = serializers.IntegerField(help_text="预算上限(分)")
    funding_source = serializers.CharField()
    bid_open_at = serializers.DateTimeField()
    bid_close_at = serializers.DateTimeField()
    service_start = serializers.DateField()
    service_end = serializers.DateField()
    bid_count = serializers.IntegerField(help_text="已收到的投标数(开标前只公布数量)")


class CriterionSerializer(serializers.Serializer):
    name = serializers.CharField()
    weight = serializers.IntegerField()
    is_price = serializers.BooleanField()


class AnsweredQuestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField()


class BidderResultSerializer(serializers.Serializer):
    bid_id = serializers.IntegerField()
    organization_id = serializers.IntegerField()
    organization = serializers.CharField()
    price_fen = serializers.IntegerField(allow_null=True)
    price_score_milli = serializers.IntegerField(allow_null=True)
    other_score_milli = serializers.IntegerField(allow_null=True)
    total_score_milli = serializers.IntegerField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    disqualified = serializers.BooleanField()
    won = serializers.BooleanField()


class ProjectResultSerializer(serializers.Serializer):
    published = serializers.BooleanField(help_text="结果是否已公示")
    bid_count = serializers.IntegerField()
    publicity_ends_at = serializers.DateTimeField(required=False, allow_null=True)
    awarded = serializers.BooleanField(required=False)
    winner = BidderResultSerializer(required=False, allow_null=True)
    bidders = BidderResultSerializer(many=True, required=False)


class ProjectDetailSerializer(ProjectListSerializer):
    description = serializers.CharField()
    service_targets = serializers.CharField()
    performance_goals = serializers.CharField()
    min_grade = serializers.CharField()
    required_categories = serializers.ListField(child=serializers.CharField())
    min_valid_bids = serializers.IntegerField()
    criteria = CriterionSerializer(many=True, source="criteria.all")
    questions = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()

    @extend_schema_field(AnsweredQuestionSerializer(many=True))
    def get_questions(self, project) -> list[dict]:
        answered = [q for q in project.questions.all() if q.answered_at is not None]
        return AnsweredQuestionSerializer(answered, many=True).data

    @extend_schema_field(ProjectResultSerializer)
    def get_result(self, project) -> dict:
        return ProjectResultSerializer(selectors.project_result_public(project)).data


# --- shared input pieces ----------------------------------------------------------------------
# Types are checked here; every rule (deadlines, ceilings, weights, eligibility, roles) lives in
# the services. Ids a body names are resolved here, so that a missing one is a 400 on its field.
def _id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _fen_field(**kwargs):
    # Money is whole fen; the upper bound is what the database can hold.
    return serializers.IntegerField(max_value=MAX_ID, **kwargs)


def _resolve(model, pk, message, **filters):
    obj = model.objects.filter(pk=pk, **filters).first()
    if obj is None:
        raise serializers.ValidationError(message)
    return obj


class _OrganizationInput(serializers.Serializer):
    organization = _id_field(help_text="以哪个社会组织的名义(须是您任职的组织)")

    def validate_organization(self, value):
        return _resolve(Organization, value, _("所选社会组织不存在。"))


# --- bids (organisations) ---------------------------------------------------------------------
class BidSerializer(serializers.Serializer):
    """A bid without its contents: what the bidder's own list and the receipt show."""

    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    project_title = serializers.CharField(source="project.title")
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    status = serializers.CharField(help_text="submitted、withdrawn、invalidated、opened、won、lost 等")
    status_label = serializers.CharField(source="get_status_display")
    content_hash = serializers.CharField(help_text="回执:投标内容与提交时间的 SHA-256 摘要")
    submitted_at = serializers.DateTimeField(allow_null=True, help_text="回执:服务器记录的提交时间")
    terms_version = serializers.IntegerField(help_text="投标所依据的项目条款版本")


class BidAttachmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(help_text="原文件名")
    size = serializers.IntegerField(help_text="字节数")
    sha256 = serializers.CharField(help_text="文件内容的 SHA-256 摘要(已计入回执摘要)")
    download_url = serializers.CharField(
        help_text="下载地址(网站登录会话下载;有权查看本投标内容的人才能下载,每次下载记入审计日志)"
    )


class BidContentsSerializer(serializers.Serializer):
    price_fen = serializers.IntegerField(help_text="报价(分)")
    proposal = serializers.CharField()
    team = serializers.CharField()
    declarations = serializers.DictField(child=serializers.BooleanField())
    attachments = BidAttachmentSerializer(many=True, help_text="投标附件(与投标内容一同密封)")


def _with_download_urls(contents: dict, request) -> dict:
    """The sealed contents as shown: each attachment with where to download it (bids sealed
    before attachments existed have none)."""
    attachments = []
    for f in contents.get("attachments") or []:
        url = reverse("frontend:private_file", args=[f["id"]])
        attachments.append({**f, "download_url": request.build_absolute_uri(url) if request else url})
    return {**contents, "attachments": attachments}


class BidDetailSerializer(BidSerializer):
    contents = serializers.SerializerMethodField(
        help_text="投标内容:开标前只有投标组织本身可见;开标后采购街道、区级与本项目评审专家可见"
    )

    @extend_schema_field(BidContentsSerializer(allow_null=True))
    def get_contents(self, bid):
        contents = self.context.get("contents")
        if not contents:
            return None
        return BidContentsSerializer(_with_download_urls(contents, self.context.get("request"))).data


class DeclarationsSerializer(serializers.Serializer):
    no_collusion = serializers.BooleanField(required=False, default=False, help_text="未与其他投标人串通")
    truthful = serializers.BooleanField(required=False, default=False, help_text="所提交材料真实有效")
    no_major_violation = serializers.BooleanField(
        required=False, default=False, help_text="近三年无重大违法记录"
    )

    def get_value(self, dictionary):
        # In multipart/form-data the declarations come as one JSON part (as the schema describes
        # an object part), or as "declarations.no_collusion"-style fields (DRF's own reading).
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            raw = dictionary.get(self.field_name)
            try:
                return json.loads(raw)
            except (TypeError, ValueError):
                return raw  # not an object: refused with a 400 by the validation
        return super().get_value(dictionary)


class BidInputSerializer(_OrganizationInput):
    project = _id_field(help_text="项目编号")
    price_fen = _fen_field(help_text="报价(分),不超过预算上限")
    proposal = serializers.CharField(max_length=20000, allow_blank=True, help_text="服务方案")
    team = serializers.CharField(max_length=5000, allow_blank=True, help_text="项目团队")
    declarations = DeclarationsSerializer(help_text="三项声明均须确认")
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text=f"投标附件(仅 multipart/form-data):PDF、JPG、PNG 或 Excel(.xlsx),每个不超过 10 MB,"
        f"最多 {MAX_BID_ATTACHMENTS} 个;与投标内容一同加密密封。重新提交时替换上次的附件。",
    )

    def validate_project(self, value):
        return _resolve(
            Project,
            value,
            _("所选项目不存在。"),
            status__in=selectors.PUBLIC_STATUSES,
            published_at__isnull=False,
        )

    def to_contents(self):
        data = self.validated_data
        return BidContents(
            price_fen=data["price_fen"],
            proposal=data["proposal"],
            team=data["team"],
            declarations=dict(data["declarations"]),
            attachments=list(data["attachments"]),
        )


# --- questions, objections, delivery reports (organisations) ----------------------------------
class QuestionInputSerializer(_OrganizationInput):
    text = serializers.CharField(max_length=2000, allow_blank=True, help_text="问题")


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    text = serializers.CharField()
    asked_at = serializers.DateTimeField()
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class ObjectionInputSerializer(_OrganizationInput):
    text = serializers.CharField(max_length=5000, allow_blank=True, help_text="质疑内容")


class ObjectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    organization = serializers.IntegerField(source="organization_id")
    text = serializers.CharField()
    status = serializers.CharField(help_text="open、upheld 或 dismissed")
    status_label = serializers.CharField(source="get_status_display")
    submitted_at = serializers.DateTimeField()
    response = serializers.CharField()


class MilestoneReportInputSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=5000, allow_blank=True, help_text="履约报告")
    evidence = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="佐证材料:PDF、JPG 或 PNG,每个不超过 10 MB,最多 10 个",
    )


class MilestoneReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    milestone = serializers.IntegerField(source="milestone_id")
    content = serializers.CharField()
    evidence_file_count = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField()

    def get_evidence_file_count(self, report) -> int:
        return len(report.evidence_file_ids)


# --- projects (street officials) --------------------------------------------------------------
class CriterionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True)
    weight = serializers.IntegerField(help_text="权重,各项之和为100")
    is_price = serializers.BooleanField(required=False, default=False, help_text="价格分(有且只有一项)")
    guidance = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ProjectTermsInputSerializer(serializers.Serializer):
    """A project's terms: creating a draft and changing it while it is a draft."""

    title = serializers.CharField(max_length=150, allow_blank=True)
    category = serializers.ChoiceField(choices=ServiceCategory.choices, help_text="服务类别")
    description = serializers.CharField(max_length=20000, allow_blank=True)
    service_targets = serializers.CharField(max_length=5000, allow_blank=True)
    performance_goals = serializers.CharField(max_length=5000, allow_blank=True)
    budget_ceiling_fen = _fen_field(help_text="预算上限(分)")
    funding_source = serializers.ChoiceField(choices=FundingSource.choices, help_text="资金来源")
    bid_open_at = serializers.DateTimeField()
    bid_close_at = serializers.DateTimeField()
    service_start = serializers.DateField()
    service_end = serializers.DateField()
    criteria = CriterionInputSerializer(many=True, help_text="评分项:权重之和为100,其中一项为价格")
    community = _id_field(required=False, allow_null=True, default=None, help_text="服务社区(全街道留空)")
    # Plain strings checked by the service: as enums they would repeat the organisations' grade
    # and category enums under other names in the schema.
    min_grade = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default="", help_text="最低评估等级:1A至5A,不限则留空"
    )
    required_categories = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        default=list,
        max_length=len(ServiceCategory.choices),
        help_text="限定投标组织的服务类别(daily_life、charity、mutual_aid、specific_groups;不限则留空)",
    )
    min_valid_bids = serializers.IntegerField(required=False, default=3, help_text="最少有效投标数")
    publicity_working_days = serializers.IntegerField(required=False, default=5, help_text="公示期(工作日)")

    def validate_community(self, value):
        return None if value is None else _resolve(Community, value, _("所选社区不存在。"))

    def to_terms(self):
        data = dict(self.validated_data)
        data.pop("street", None)
        data["criteria"] = [CriterionData(**c) for c in data["criteria"]]
        data["required_categories"] = list(data["required_categories"])
        return ProjectTerms(**data)


class ProjectCreateSerializer(ProjectTermsInputSerializer):
    street = _id_field(help_text="采购街道编号(须是您任职的街道)")

    def validate_street(self, value):
        return _resolve(Street, value, _("所选街道不存在。"))


class ManagedCriterionSerializer(CriterionSerializer):
    id = serializers.IntegerField()
    guidance = serializers.CharField()


class MoveSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class OpenedBidSerializer(serializers.Serializer):
    """An opened bid as the street and the evaluators list it; its price is in the clear from
    the opening on, its other contents are read through the bid's own endpoint."""

    id = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    price_fen = serializers.IntegerField(allow_null=True)
    rank = serializers.SerializerMethodField(help_text="评审完成后的排名")
    total_score_milli = serializers.SerializerMethodField(help_text="评审完成后的总分(千分之一分)")

    def get_rank(self, bid) -> int | None:
        result = getattr(bid, "result", None)
        return result.rank if result is not None else None

    def get_total_score_milli(self, bid) -> int | None:
        result = getattr(bid, "result", None)
        return result.total_score_milli if result is not None else None


class EvaluatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField(source="display_label")


class PaymentSerializer(serializers.Serializer):
    amount_fen = serializers.IntegerField()
    source = serializers.CharField(help_text="fiscal 或 fund")
    fund_disbursement_ref = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class MilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField()
    title = serializers.CharField()
    percent = serializers.IntegerField()
    amount_fen = serializers.IntegerField()
    due_on = serializers.DateField()
    deliverables = serializers.CharField()
    status = serializers.CharField(help_text="pending、submitted、returned、accepted 或 paid")
    status_label = serializers.CharField(source="get_status_display")
    payment = serializers.SerializerMethodField()

    @extend_schema_field(PaymentSerializer(allow_null=True))
    def get_payment(self, milestone):
        payment = getattr(milestone, "payment", None)  # the reverse one-to-one may be missing
        return PaymentSerializer(payment).data if payment is not None else None


class RatingSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    comment = serializers.CharField()
    rated_at = serializers.DateTimeField()


class ContractSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    amount_fen = serializers.IntegerField()
    terms = serializers.CharField()
    signed_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    milestones = MilestoneSerializer(many=True, source="milestones.all")
    rating = serializers.SerializerMethodField()

    @extend_schema_field(RatingSerializer(allow_null=True))
    def get_rating(self, contract):
        rating = getattr(contract, "rating", None)
        return RatingSerializer(rating).data if rating is not None else None


class ManagedProjectDetailSerializer(ProjectListSerializer):
    """A project as its street (and the district, and its evaluators) manage it. Before the
    opening no bid is listed, only their number."""

    description = serializers.CharField()
    service_targets = serializers.CharField()
    performance_goals = serializers.CharField()
    min_grade = serializers.CharField()
    required_categories = serializers.ListField(child=serializers.CharField())
    min_valid_bids = serializers.IntegerField()
    publicity_working_days = serializers.IntegerField()
    terms_version = serializers.IntegerField()
    cancel_reason = serializers.CharField()
    evaluation_report = serializers.CharField()
    publicity_ends_at = serializers.DateTimeField(allow_null=True)
    awarded_bid = serializers.IntegerField(source="awarded_bid_id", allow_null=True)
    criteria = ManagedCriterionSerializer(many=True, source="criteria.all")
    questions = QuestionSerializer(many=True, source="questions.all")
    moves = serializers.SerializerMethodField(help_text="您现在可以执行的状态变更")
    bids = serializers.SerializerMethodField(help_text="开标后的投标(开标前为空,只公布数量)")
    evaluators = serializers.SerializerMethodField()
    objections = ObjectionSerializer(many=True, source="objections.all")
    contract = serializers.SerializerMethodField()

    @extend_schema_field(MoveSerializer(many=True))
    def get_moves(self, project) -> list:
        user = self.context["request"].user
        return [{"code": t.code, "label": str(t.label)} for t in transitions.PROJECT.available(project, user)]

    @extend_schema_field(OpenedBidSerializer(many=True))
    def get_bids(self, project) -> list:
        if project.status not in selectors.OPENED_STATUSES:
            return []
        bids = (
            project.bids.filter(status__in=selectors.OPENED_BID_STATUSES)
            .select_related("organization", "result")
            .order_by("pk")
        )
        return OpenedBidSerializer(bids, many=True).data

    @extend_schema_field(EvaluatorSerializer(many=True))
    def get_evaluators(self, project) -> list:
        return EvaluatorSerializer(selectors.project_evaluators(project), many=True).data

    @extend_schema_field(ContractSerializer(allow_null=True))
    def get_contract(self, project):
        contract = selectors.contract_for_project(project)
        return ContractSerializer(contract).data if contract is not None else None


# --- moves and the evaluation (street officials, evaluators) -----------------------------------
# The moves POST /manage/projects/{id}/moves/ makes: those that need nothing but, for some, a
# reason. Moves with more input (the evaluation, the award, the contract) have their own endpoints.
PROJECT_MOVE_CODES = (
    "submit",
    "approve",
    "return",
    "publish",
    "close_bidding",
    "open_bids",
    "fail",
    "cancel",
    "start_publicity",
    "confirm_award",
    "start_delivery",
    "complete",
)


class ProjectMoveInputSerializer(serializers.Serializer):
    move = serializers.ChoiceField(
        choices=[(code, transitions.PROJECT.get(code).label) for code in PROJECT_MOVE_CODES],
        help_text="状态变更代码",
    )
    reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="原因(退回、流标、取消时必填)",
    )


class AnswerInputSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=5000, allow_blank=True, help_text="答复(对所有投标人公开)")


class EvaluatorAppointInputSerializer(serializers.Serializer):
    user = _id_field(help_text="被指派为评审专家的用户编号")

    def validate_user(self, value):
        return _resolve(User, value, _("该用户不存在或已停用。"), is_active=True)


class EvaluatorAppointedSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    user = serializers.IntegerField()
    display_name = serializers.CharField()


class DeclarationInputSerializer(serializers.Serializer):
    statement = serializers.CharField(max_length=2000, allow_blank=True, help_text="无利害关系声明")


class DeclarationSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project_id")
    evaluator = serializers.IntegerField(source="evaluator_id")
    statement = serializers.CharField()
    declared_at = serializers.DateTimeField()


class ScoreInputSerializer(serializers.Serializer):
    criterion = _id_field(help_text="评分项编号(非价格项)")
    value = serializers.IntegerField(help_text="得分,0到100的整数")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate_criterion(self, value):
        return _resolve(EvaluationCriterion, value, _("评分项不属于本项目。"))


class ScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    bid = serializers.IntegerField(source="bid_id")
    criterion = serializers.IntegerField(source="criterion_id")
    value = serializers.IntegerField()
    comment = serializers.CharField()
    scored_at = serializers.DateTimeField()


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, allow_blank=True, help_text="原因")


class EvaluationCompleteInputSerializer(serializers.Serializer):
    report = serializers.CharField(max_length=20000, allow_blank=True, help_text="评审报告(评审委员会意见)")


class AwardProposeInputSerializer(serializers.Serializer):
    bid = _id_field(help_text="拟中标的投标编号")
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="推荐非第一名时必填"
    )

    def validate_bid(self, value):
        return _resolve(Bid, value, _("只能推荐本项目参与排名的有效投标。"))


class ObjectionResolveInputSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(help_text="质疑是否成立")
    response = serializers.CharField(max_length=5000, allow_blank=True, help_text="答复")


# --- contract and delivery (street officials) --------------------------------------------------
class MilestoneTermsInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=150, allow_blank=True)
    percent = serializers.IntegerField(help_text="付款比例,各节点之和为100")
    due_on = serializers.DateField()
    deliverables = serializers.CharField(max_length=5000, allow_blank=True)


class ContractSignInputSerializer(serializers.Serializer):
    amount_fen = _fen_field(
        required=False, allow_null=True, default=None, help_text="合同金额(分),默认中标价"
    )
    terms = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    milestones = MilestoneTermsInputSerializer(many=True, help_text="付款节点,按到期日先后排列")

    def to_milestones(self):
        return [
            MilestoneTerms(m["title"], m["percent"], m["due_on"], m["deliverables"])
            for m in self.validated_data["milestones"]
        ]


class MilestoneAcceptInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(
        choices=PaymentSource.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="付款来源;项目资金来源为两者时必填",
    )


class RatingInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(help_text="评分,1到5")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
