from rest_framework import serializers

from marketplace.core.api import MAX_ID
from marketplace.core.models import Notification, NotificationKind
from marketplace.core.roles import Role, ScopeKind


class RoleAssignmentSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField()
    scope_kind = serializers.ChoiceField(choices=ScopeKind.choices)
    scope_id = serializers.IntegerField()
    scope_label = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    phone_masked = serializers.CharField(help_text="手机号(脱敏)")
    phone_verified = serializers.BooleanField()
    mfa_enabled = serializers.BooleanField()
    roles = RoleAssignmentSerializer(many=True)
    unread_notifications = serializers.IntegerField()


class ApiTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="API 令牌,仅在签发时显示一次")
    created = serializers.DateTimeField()


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_label", "title", "body", "url", "created_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    # Without ids, every unread message is marked.
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=500
    )


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class NotificationPreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    kind_label = serializers.CharField(read_only=True)
    email = serializers.BooleanField()
    sms = serializers.BooleanField()
