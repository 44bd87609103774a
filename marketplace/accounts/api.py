from allauth.mfa.utils import is_mfa_enabled
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core import notifications
from marketplace.core.models import Notification

from . import selectors, tokens
from .middleware import SECOND_FACTORS
from .serializers import (
    ApiTokenSerializer,
    MarkReadResultSerializer,
    MarkReadSerializer,
    MeSerializer,
    NotificationPreferenceSerializer,
    NotificationSerializer,
)


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="当前用户", responses=MeSerializer)
    def get(self, request):
        user = request.user
        data = {
            "id": user.pk,
            "display_name": user.display_label,
            "phone_masked": user.masked_phone,
            "phone_verified": user.phone_verified,
            "mfa_enabled": is_mfa_enabled(user, types=SECOND_FACTORS),
            "roles": [
                {
                    "role": a.role,
                    "role_label": a.get_role_display(),
                    "scope_kind": a.scope_kind,
                    "scope_id": a.scope_id,
                    "scope_label": a.scope_label,
                }
                for a in selectors.role_assignment_list(user=user)
            ],
            "unread_notifications": notifications.unread_count(user),
        }
        return Response(MeSerializer(data).data)


class MeTokenView(APIView):
    """The user's personal API token. Only a browser session may issue or revoke one: a token
    must not be able to renew itself, and the session has already passed login (and, for staff,
    the second factor)."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="签发或更换 API 令牌",
        description="返回新令牌(仅此一次);原有令牌随即失效。请求头写作 `Authorization: Token <令牌>`。",
        request=None,
        responses={201: ApiTokenSerializer},
    )
    def post(self, request):
        token = tokens.api_token_issue(actor=request.user, user=request.user)
        response = Response(
            ApiTokenSerializer({"token": token.key, "created": token.created}).data,
            status=status.HTTP_201_CREATED,
        )
        # The key is shown once: no cache may keep a copy.
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(summary="撤销 API 令牌", request=None, responses={204: None})
    def delete(self, request):
        tokens.api_token_revoke(actor=request.user, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(summary="站内消息列表"), retrieve=extend_schema(summary="站内消息"))
class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The signed-in user's inbox, newest first."""

    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_list(user=self.request.user)

    @extend_schema(summary="标记为已读", request=MarkReadSerializer, responses=MarkReadResultSerializer)
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        payload = MarkReadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        marked = notifications.notification_mark_read(
            user=request.user, notification_ids=payload.validated_data.get("ids")
        )
        return Response({"marked": marked})


class NotificationPreferenceView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="通知偏好", responses=NotificationPreferenceSerializer(many=True))
    def get(self, request):
        return Response(
            NotificationPreferenceSerializer(
                selectors.notification_preferences(user=request.user), many=True
            ).data
        )

    @extend_schema(
        summary="设置通知偏好",
        request=NotificationPreferenceSerializer,
        responses=NotificationPreferenceSerializer(many=True),
    )
    def put(self, request):
        payload = NotificationPreferenceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        notifications.preference_set(user=request.user, **payload.validated_data)
        return Response(
            NotificationPreferenceSerializer(
                selectors.notification_preferences(user=request.user), many=True
            ).data
        )
