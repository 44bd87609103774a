"""The volunteers API. Thin: parse, call a selector or a service, answer; domain errors become
4xx through ``marketplace.core.api``.

Public: the activity list and detail, and checking a certificate by its number (masked data
only). Signed in: signing up for a shift, cancelling one's own sign-up, checking in and out with
the shift's QR code, one's own totals, star level and sign-ups, and one's own certificates.
"""

import datetime

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api import MAX_ID, ErrorSerializer, IdFilter
from marketplace.core.exceptions import NotFound

from . import selectors, services
from .models import Activity, Shift, Signup
from .serializers import (
    ActivityDetailSerializer,
    ActivityListSerializer,
    CertificateInputSerializer,
    CertificateSerializer,
    CheckinInputSerializer,
    CheckinResultSerializer,
    MyVolunteerSerializer,
    PublicCertificateSerializer,
    SignupSerializer,
)

RULE_REFUSED = OpenApiResponse(ErrorSerializer, description="输入有误或不符合业务规则")
STATE_CONFLICT = OpenApiResponse(ErrorSerializer, description="当前状态不允许此操作")
NOT_A_VOLUNTEER = OpenApiResponse(ErrorSerializer, description="尚未注册为志愿者")
# Dates a filter accepts: beyond these no activity exists, and the date arithmetic would overflow.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)


def _id_or_404(raw) -> int:
    try:
        value = int(str(raw))
    except ValueError:
        raise exceptions.NotFound() from None
    if not 1 <= value <= MAX_ID:
        raise exceptions.NotFound()
    return value


def _first_or_404(queryset, raw_id):
    obj = queryset.filter(pk=_id_or_404(raw_id)).first()
    if obj is None:
        raise exceptions.NotFound()
    return obj


def _my_volunteer(user):
    volunteer = selectors.volunteer_for_user(user)
    if volunteer is None:
        raise NotFound(_("请先注册为志愿者。"), code="not_a_volunteer")
    return volunteer


def _signup_answer(signup: Signup) -> dict:
    """The sign-up as the volunteer's own list shows it (with the waiting position)."""
    row = selectors.my_signups(volunteer=signup.volunteer).filter(pk=signup.pk).first()
    return SignupSerializer(row or signup).data


# --- activities (public) --------------------------------------------------------------------
class ActivityFilter(filters.FilterSet):
    """Parses the list's query; the selector applies it."""

    street = IdFilter(label="街道编号")
    community = IdFilter(label="社区编号")
    grid = IdFilter(label="网格编号")
    date_from = filters.DateFilter(label="班次开始日期不早于(YYYY-MM-DD)")
    date_to = filters.DateFilter(label="班次开始日期不晚于(YYYY-MM-DD)")
    skill = filters.CharFilter(label="所需技能标识(如 elderly_care)", max_length=40)
    party_only = filters.BooleanFilter(label="仅限党员的活动(true)或面向所有人的活动(false)")
    upcoming = filters.BooleanFilter(label="只看报名中、尚有未开始班次的活动")

    class Meta:
        model = Activity
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary="志愿活动列表(公开)",
        description="已发布和已结束的志愿活动,最早班次在前;可按街道、社区、网格、日期、技能和是否仅限党员筛选。",
    ),
    retrieve=extend_schema(
        summary="志愿活动详情(公开)", description="活动内容、联系人与各班次的名额;未发布的活动答复 404。"
    ),
)
class ActivityViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]
    filterset_class = ActivityFilter
    queryset = Activity.objects.none()  # gives the schema the type of {id}; the rows come below

    def get_serializer_class(self):
        return ActivityDetailSerializer if self.action == "retrieve" else ActivityListSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Activity.objects.none()
        query = ActivityFilter(self.request.query_params, queryset=Activity.objects.none())
        if not query.is_valid():
            raise translate_validation(query.errors)
        cleaned = query.form.cleaned_data
        for name in ("date_from", "date_to"):
            value = cleaned.get(name)
            if value and not EARLIEST_DATE <= value <= LATEST_DATE:
                raise exceptions.ValidationError({name: [_("日期超出范围。")]})
        return selectors.activity_list_public(
            street_id=cleaned.get("street"),
            community_id=cleaned.get("community"),
            grid_id=cleaned.get("grid"),
            date_from=cleaned.get("date_from"),
            date_to=cleaned.get("date_to"),
            skill=cleaned.get("skill") or None,
            party_only=cleaned.get("party_only"),
            upcoming_only=bool(cleaned.get("upcoming")),
        )

    def filter_queryset(self, queryset):
        # The filterset documents and parses the query; the selector has already applied it.
        return queryset

    def retrieve(self, request, *args, **kwargs):
        activity = selectors.activity_public_detail(_id_or_404(kwargs["pk"]))
        if activity is None:
            raise exceptions.NotFound()
        phone = selectors.activity_contact_phone(viewer=request.user, activity=activity)
        return Response(ActivityDetailSerializer(activity, context={"contact_phone": phone}).data)


# --- signing up and cancelling ----------------------------------------------------------------
class ShiftViewSet(viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated]
    queryset = Shift.objects.none()  # gives the schema the type of {id}

    @extend_schema(
        summary="报名班次",
        description="以本人的志愿者身份报名:有名额即报名成功,名额已满则进入候补名单(有人取消时按顺序自动递补)。"
        "报名截止、班次开始后、时间冲突、仅限党员等情况答复 400。",
        request=None,
        responses={201: SignupSerializer, 400: RULE_REFUSED, 409: STATE_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def signup(self, request, pk=None):
        shift = _first_or_404(
            Shift.objects.filter(activity__status__in=selectors.PUBLIC_ACTIVITY_STATUSES), pk
        )
        signup = services.signup_create(actor=request.user, shift=shift)
        return Response(_signup_answer(signup), status=status.HTTP_201_CREATED)


class SignupViewSet(viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated]
    queryset = Signup.objects.none()  # gives the schema the type of {id}

    @extend_schema(
        summary="取消报名",
        description="班次开始前可取消本人的报名或退出候补;空出的名额按顺序由候补递补。",
        request=None,
        responses={200: SignupSerializer, 400: RULE_REFUSED, 409: STATE_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        signup = _first_or_404(
            Signup.objects.filter(user=request.user).select_related("shift", "activity"), pk
        )
        signup = services.signup_cancel(actor=request.user, signup=signup)
        return Response(SignupSerializer(signup).data)


class CheckinView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="扫码签到或签退",
        description="在活动现场扫描班次二维码:action 为 in 时签到,为 out 时签退(签退生成待组织者确认的服务时长)。"
        "二维码伪造、过期、不在签到时段内,或未报名该班次时答复 400。",
        request=CheckinInputSerializer,
        responses={200: CheckinResultSerializer, 400: RULE_REFUSED, 409: STATE_CONFLICT},
    )
    def post(self, request):
        payload = CheckinInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        token, what = payload.validated_data["token"], payload.validated_data["action"]
        if what == "in":
            signup = services.check_in_by_token(actor=request.user, token=token)
            record = None
        else:
            record = services.check_out_by_token(actor=request.user, token=token)
            signup = record.signup
        body = {"action": what, "signup": signup, "record": record}
        return Response(CheckinResultSerializer(body).data)


class MyVolunteerView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="我的志愿服务",
        description="本人的志愿者登记、经确认的累计服务时长与星级,以及尚未结束的班次报名。未注册为志愿者时答复 404。",
        responses={200: MyVolunteerSerializer, 404: NOT_A_VOLUNTEER},
    )
    def get(self, request):
        volunteer = _my_volunteer(request.user)
        context = {
            "totals": selectors.volunteer_totals(volunteer=volunteer),
            "signups": selectors.my_signups(volunteer=volunteer, upcoming_only=True),
        }
        return Response(MyVolunteerSerializer(volunteer, context=context).data)


# --- certificates -----------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="我的志愿服务证明", description="本人已出具的志愿服务证明,最近出具的在前。"),
    create=extend_schema(
        summary="出具志愿服务证明",
        description="按所选服务期间(含首尾两日)内经确认的服务时长出具证明,附唯一编号;期间内没有已确认时长、"
        "开始晚于结束或结束晚于今天时答复 400。PDF 见答复中的 pdf_url。",
        request=CertificateInputSerializer,
        responses={201: CertificateSerializer, 400: RULE_REFUSED, 404: NOT_A_VOLUNTEER},
    ),
)
class CertificateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = CertificateSerializer

    def get_queryset(self):
        return selectors.my_certificates(viewer=self.request.user)

    def create(self, request, *args, **kwargs):
        payload = CertificateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        certificate = services.certificate_issue(
            actor=request.user,
            volunteer=_my_volunteer(request.user),
            period_start=payload.validated_data["period_start"],
            period_end=payload.validated_data["period_end"],
        )
        return Response(CertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)


class CertificateVerifyView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="v1_certificates_verify",
        summary="核验志愿服务证明(公开)",
        description="任何人可凭证明编号核验证明:只返回脱敏信息(姓名只显示姓,身份证号码脱敏)。编号不存在时答复 404。",
        parameters=[
            OpenApiParameter(
                "id",
                {"type": "string", "maxLength": 40},
                OpenApiParameter.PATH,
                description="证明编号,如 TH-2026-000123",
            )
        ],
        responses={
            200: PublicCertificateSerializer,
            404: OpenApiResponse(ErrorSerializer, description="未找到该证明"),
        },
    )
    def get(self, request, **kwargs):
        certificate = selectors.certificate_public(kwargs["id"])
        if certificate is None:
            raise NotFound(_("未找到该证明。"))
        return Response(PublicCertificateSerializer(certificate).data)
