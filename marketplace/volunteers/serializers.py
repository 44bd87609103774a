"""Shapes of the volunteers API. Output serializers read what the selectors annotate; input
serializers only check types, every rule (deadlines, capacity, party-only shifts, the QR
window, certificate periods) is the services'.

Privacy: a volunteer sees their own data; the public sees activities and, of a certificate,
masked data only (``selectors.certificate_public``)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import certificates
from .choices import StarLevel


# --- activities (public) --------------------------------------------------------------------
class SkillSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ShiftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(help_text="名额")
    taken = serializers.IntegerField(help_text="已占名额(已报名、已签到、已签退)")
    waiting = serializers.IntegerField(help_text="候补人数")


class ActivityListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    place = serializers.CharField()
    street = serializers.IntegerField(source="street_id")
    street_name = serializers.CharField(source="street.name")
    community = serializers.IntegerField(source="community_id", allow_null=True)
    community_name = serializers.CharField(source="community.name", allow_null=True, default=None)
    grid = serializers.IntegerField(source="grid_id", allow_null=True)
    grid_name = serializers.CharField(source="grid.name", allow_null=True, default=None)
    organizer_kind = serializers.CharField(help_text="发布方类型:community、grid、street、organization")
    organization_name = serializers.CharField(source="organization.name", allow_null=True, default=None)
    party_only = serializers.BooleanField(help_text="仅限党员")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    signup_deadline = serializers.DateTimeField()
    required_skills = SkillSerializer(many=True)
    total_capacity = serializers.IntegerField(help_text="未取消班次的名额合计")
    places_taken = serializers.IntegerField(help_text="已占名额合计")
    first_shift_at = serializers.DateTimeField(allow_null=True, help_text="最早班次的开始时间")
    shifts = ShiftSerializer(many=True, help_text="未取消的班次,按开始时间排列")


class ActivityDetailSerializer(ActivityListSerializer):
    description = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = serializers.SerializerMethodField(
        help_text="联系电话:已报名该活动的志愿者与组织者可见完整号码,其他人看到脱敏号码"
    )
    published_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field({"type": "string"})
    def get_contact_phone(self, obj):
        return self.context["contact_phone"]


# --- sign-ups -------------------------------------------------------------------------------
class SignupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    activity = serializers.IntegerField(source="activity_id")
    activity_title = serializers.CharField(source="activity.title")
    shift = serializers.IntegerField(source="shift_id")
    starts_at = serializers.DateTimeField(source="shift.starts_at")
    ends_at = serializers.DateTimeField(source="shift.ends_at")
    status = serializers.CharField(
        help_text="confirmed 已报名、waiting 候补中、cancelled 已取消、checked_in 已签到、"
        "checked_out 已签退、no_show 未到岗"
    )
    status_label = serializers.CharField(source="get_status_display")
    waiting_position = serializers.SerializerMethodField(help_text="候补顺位(1 为下一位);不在候补时为空")
    created_at = serializers.DateTimeField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    checked_out_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_waiting_position(self, obj):
        return getattr(obj, "waiting_position", None)


class RecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    served_on = serializers.DateField()
    minutes = serializers.IntegerField(help_text="服务时长(分钟)")
    status = serializers.CharField(help_text="pending 待确认、confirmed 已确认 等")


class CheckinInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000, help_text="现场二维码中的签到码")
    action = serializers.ChoiceField(choices=[("in", "签到"), ("out", "签退")], help_text="in 签到,out 签退")


class CheckinResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    signup = SignupSerializer()
    record = RecordSerializer(allow_null=True, help_text="签退后生成的待确认服务时长记录;签到时为空")


# --- my volunteer profile -------------------------------------------------------------------
class MyVolunteerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="identity.real_name")
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community.name")
    grid = serializers.IntegerField(source="grid_id")
    grid_name = serializers.CharField(source="grid.name")
    political_status = serializers.CharField()
    political_status_label = serializers.CharField(source="get_political_status_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    registered_at = serializers.DateTimeField()
    total_minutes = serializers.SerializerMethodField(help_text="经确认的累计服务时长(分钟)")
    total_hours = serializers.SerializerMethodField(help_text="经确认的累计服务时长(小时,一位小数)")
    record_count = serializers.SerializerMethodField(help_text="经确认的服务记录数")
    star_level = serializers.SerializerMethodField(help_text="星级:0 未评星,1–5 一星至五星")
    star_label = serializers.SerializerMethodField()
    next_star_level = serializers.SerializerMethodField(help_text="下一星级;已是五星时为空")
    minutes_to_next_star = serializers.SerializerMethodField(help_text="距下一星级还差的分钟数")
    upcoming_signups = serializers.SerializerMethodField(help_text="尚未结束的班次的报名(含候补)")

    def _totals(self):
        return self.context["totals"]

    @extend_schema_field({"type": "integer"})
    def get_total_minutes(self, obj):
        return self._totals().minutes

    @extend_schema_field({"type": "number"})
    def get_total_hours(self, obj):
        return self._totals().hours

    @extend_schema_field({"type": "integer"})
    def get_record_count(self, obj):
        return self._totals().record_count

    @extend_schema_field({"type": "integer", "minimum": 0, "maximum": 5})
    def get_star_level(self, obj):
        return int(self._totals().star.level)

    @extend_schema_field({"type": "string"})
    def get_star_label(self, obj):
        return str(StarLevel(self._totals().star.level).label)

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_next_star_level(self, obj):
        following = self._totals().star.next_level
        return None if following is None else int(following)

    @extend_schema_field({"type": "integer"})
    def get_minutes_to_next_star(self, obj):
        return self._totals().star.minutes_to_next

    @extend_schema_field(SignupSerializer(many=True))
    def get_upcoming_signups(self, obj):
        return SignupSerializer(self.context["signups"], many=True).data


# --- certificates ---------------------------------------------------------------------------
class CertificateInputSerializer(serializers.Serializer):
    period_start = serializers.DateField(help_text="服务期间起(含)")
    period_end = serializers.DateField(help_text="服务期间止(含),不晚于今天")


class CertificateSerializer(serializers.Serializer):
    """The owner's own certificate."""

    number = serializers.CharField(help_text="证明编号,如 TH-2026-000123")
    holder_name = serializers.CharField()
    id_number_masked = serializers.CharField(help_text="身份证号码(脱敏)")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    minutes = serializers.IntegerField(help_text="期间内经确认的服务时长(分钟)")
    hours = serializers.FloatField()
    record_count = serializers.IntegerField()
    issuer_name = serializers.CharField(help_text="出具单位")
    issued_on = serializers.DateField()
    issued_at = serializers.DateTimeField()
    check_url = serializers.SerializerMethodField(help_text="公开核验页")
    pdf_url = serializers.SerializerMethodField(help_text="PDF 下载地址(仅本人,需登录)")

    @extend_schema_field({"type": "string"})
    def get_check_url(self, obj):
        return certificates.check_url(obj.number)

    @extend_schema_field({"type": "string"})
    def get_pdf_url(self, obj):
        return reverse("certificates:download", kwargs={"number": obj.number})


class PublicCertificateSerializer(serializers.Serializer):
    """What anyone may check: masked data only."""

    number = serializers.CharField()
    masked_name = serializers.CharField(help_text="姓名(脱敏,只显示姓)")
    id_number_masked = serializers.CharField(help_text="身份证号码(脱敏)")
    minutes = serializers.IntegerField()
    hours = serializers.FloatField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    issuer_name = serializers.CharField()
    issued_on = serializers.DateField()
