from rest_framework import serializers

from .models import Community, Grid, PartyOrganization, Street


class StreetSerializer(serializers.ModelSerializer):
    community_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Street
        fields = ["id", "code", "name", "community_count"]


class CommunitySerializer(serializers.ModelSerializer):
    street_name = serializers.CharField(source="street.name", read_only=True)
    grid_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Community
        fields = ["id", "code", "name", "street", "street_name", "grid_count"]


class GridSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Grid
        fields = ["id", "code", "name", "community", "community_name", "street"]


class PartyOrganizationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = PartyOrganization
        fields = ["id", "code", "name", "kind", "kind_label", "street", "community", "grid", "workplace"]
