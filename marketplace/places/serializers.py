"""Shapes of places in the API. Reading is public; communities and grids can also be created
and renamed by the staff whose scope covers them (the services check that)."""

from rest_framework import serializers

from .models import Community, Grid, PartyOrganization, Street


class StreetSerializer(serializers.ModelSerializer):
    community_count = serializers.IntegerField(read_only=True, help_text="社区数")

    class Meta:
        model = Street
        fields = ["id", "code", "name", "community_count"]
        read_only_fields = fields


class CommunitySerializer(serializers.ModelSerializer):
    street_name = serializers.CharField(source="street.name", read_only=True)
    grid_count = serializers.IntegerField(read_only=True, help_text="网格数")

    class Meta:
        model = Community
        fields = ["id", "code", "name", "street", "street_name", "grid_count"]
        read_only_fields = fields


class GridSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Grid
        fields = ["id", "code", "name", "community", "community_name", "street"]
        read_only_fields = fields


class PartyOrganizationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = PartyOrganization
        fields = ["id", "code", "name", "kind", "kind_label", "street", "community", "grid", "workplace"]
        read_only_fields = fields


class PlaceWriteSerializer(serializers.Serializer):
    """Input for renaming or renumbering a place."""

    code = serializers.CharField(max_length=32, help_text="编码")
    name = serializers.CharField(max_length=100, help_text="名称")
    sort_order = serializers.IntegerField(min_value=0, max_value=100000, default=0, help_text="排序")


class GridCreateSerializer(PlaceWriteSerializer):
    community = serializers.IntegerField(min_value=1, max_value=2**62, help_text="所属社区编号")


class CommunityCreateSerializer(PlaceWriteSerializer):
    street = serializers.IntegerField(min_value=1, max_value=2**62, help_text="所属街道编号")
