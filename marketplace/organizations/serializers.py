"""Shapes of the organisations API: what goes out (public fields, plus masked private ones for
members and the district) and what comes in (parsed into ``services.OrganizationData``; the
rules themselves live in the service)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.core.api import MAX_ID
from marketplace.places.models import Community, Street

from .choices import Grade, LegalForm, ServiceCategory
from .models import Cohort, Organization
from .services import OrganizationData


# --- output ---------------------------------------------------------------------------------
# Output-only serializers: their fields are not marked read-only, so that a field which is
# sometimes left out (the private ones) is not declared required in the schema.
class ServiceTagSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class IncubationSummarySerializer(serializers.Serializer):
    cohort = serializers.IntegerField(source="cohort_id", help_text="孵化期次编号")
    status = serializers.CharField(help_text="incubating、midterm、graduated 或 exited")
    status_label = serializers.CharField(source="get_status_display")


class OrganizationSerializer(serializers.ModelSerializer):
    """One entry of the public directory."""

    legal_form_label = serializers.CharField(source="get_legal_form_display")
    category_label = serializers.CharField(source="get_category_display")
    # Plain strings, not enums: several models have a "status" and each has its own values.
    status = serializers.CharField(help_text="verified 或 suspended(公开目录只列这两种)")
    status_label = serializers.CharField(source="get_status_display")
    street_name = serializers.CharField(source="street.name")
    community_name = serializers.CharField(source="community.name", allow_null=True, default=None)
    tags = ServiceTagSerializer(many=True)
    incubation = serializers.SerializerMethodField(help_text="最近一次孵化(未参加孵化时为空)")

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "legal_form",
            "legal_form_label",
            "category",
            "category_label",
            "tags",
            "grade",
            "grade_expires_on",
            "street",
            "street_name",
            "community",
            "community_name",
            "status",
            "status_label",
            "incubation",
        ]

    @extend_schema_field(IncubationSummarySerializer(allow_null=True))
    def get_incubation(self, org):
        # The directory and profile selectors prefetch incubations, newest first.
        latest = next(iter(org.incubations.all()), None)
        return IncubationSummarySerializer(latest).data if latest is not None else None


class OrganizationDetailSerializer(OrganizationSerializer):
    """The profile. ``legal_representative`` and ``contact_phone_masked`` are present only for
    the organisation's members and the district (the view drops them for everyone else)."""

    PRIVATE_FIELDS = ("legal_representative", "contact_phone_masked")

    contact_phone_masked = serializers.CharField(
        source="masked_contact_phone", required=False, help_text="联系电话(脱敏;仅组织成员与区级可见)"
    )
    legal_representative = serializers.CharField(required=False, help_text="仅组织成员与区级可见")

    class Meta(OrganizationSerializer.Meta):
        fields = [
            *OrganizationSerializer.Meta.fields,
            "uscc",
            "address",
            "founded_on",
            "description",
            "verified_at",
            "legal_representative",
            "contact_phone_masked",
        ]

    def __init__(self, *args, show_private: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_private:
            for name in self.PRIVATE_FIELDS:
                self.fields.pop(name)


class CohortSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text="open、reviewing、running 或 finished")
    status_label = serializers.CharField(source="get_status_display")
    admitted_count = serializers.IntegerField(help_text="已入孵组织数")
    application_count = serializers.IntegerField(help_text="申请数")

    class Meta:
        model = Cohort
        fields = [
            "id",
            "name",
            "description",
            "applications_open_at",
            "applications_close_at",
            "starts_on",
            "ends_on",
            "capacity",
            "status",
            "status_label",
            "admitted_count",
            "application_count",
        ]


# --- input ----------------------------------------------------------------------------------
def _id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class OrganizationInputSerializer(serializers.Serializer):
    """Registration (POST) and profile changes (PATCH, partial). Types are checked here; every
    rule (credit code, duplicates, grade and expiry, community in street ...) in the service."""

    name = serializers.CharField(max_length=100, help_text="组织名称")
    legal_form = serializers.ChoiceField(choices=LegalForm.choices, help_text="组织形式")
    uscc = serializers.CharField(
        max_length=18,
        required=False,
        allow_blank=True,
        default="",
        help_text="统一社会信用代码(备案组织留空)",
    )
    uscc_check_failed = serializers.BooleanField(
        required=False, default=False, help_text="代码与证书一致但校验位不符时勾选,由区级人工核验"
    )
    legal_representative = serializers.CharField(max_length=50, help_text="法定代表人或负责人")
    contact_phone = serializers.CharField(max_length=20, help_text="联系电话(手机号)")
    address = serializers.CharField(max_length=200)
    street = _id_field(help_text="所在街道编号")
    community = _id_field(required=False, allow_null=True, default=None, help_text="所在社区编号")
    category = serializers.ChoiceField(choices=ServiceCategory.choices, help_text="服务类别")
    tags = serializers.ListField(
        child=serializers.SlugField(max_length=40), required=False, default=list, max_length=20
    )
    founded_on = serializers.DateField(help_text="成立日期")
    grade = serializers.ChoiceField(
        choices=Grade.choices, required=False, allow_blank=True, default="", help_text="评估等级"
    )
    grade_expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    def validate_street(self, value):
        street = Street.objects.filter(pk=value).first()
        if street is None:
            raise serializers.ValidationError(_("所选街道不存在。"))
        return street

    def validate_community(self, value):
        if value is None:
            return None
        community = Community.objects.filter(pk=value).first()
        if community is None:
            raise serializers.ValidationError(_("所选社区不存在。"))
        return community

    def to_data(self, instance: Organization | None = None) -> OrganizationData:
        """The typed input for the service; on a partial change, what was not sent keeps the
        organisation's current value."""
        sent = self.validated_data
        if instance is None:
            current = {}
        else:
            current = {
                "name": instance.name,
                "legal_form": instance.legal_form,
                "uscc": instance.uscc or "",
                "uscc_check_failed": instance.uscc_check_failed,
                "legal_representative": instance.legal_representative,
                "contact_phone": instance.contact_phone,
                "address": instance.address,
                "street": instance.street,
                "community": instance.community,
                "category": instance.category,
                "tags": [t.slug for t in instance.tags.all()],
                "founded_on": instance.founded_on,
                "grade": instance.grade,
                "grade_expires_on": instance.grade_expires_on,
                "description": instance.description,
            }
        # On PATCH (partial) DRF leaves out what was not sent, defaults included.
        values = {**current, **sent}
        tag_slugs = values.pop("tags", [])
        return OrganizationData(**values, tag_slugs=list(tag_slugs))
