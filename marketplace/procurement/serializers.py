"""Shapes of the procurement API. The OCDS release package is built by ``ocds.py``; these
serializers only describe it in the OpenAPI schema (the OCDS schema itself is the contract)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


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


# --- projects (read-only; writes are the street's, in the back office) ------------------------
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
        from . import selectors

        return ProjectResultSerializer(selectors.project_result_public(project)).data
