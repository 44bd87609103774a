"""Shapes of the procurement API. The OCDS release package is built by ``ocds.py``; these
serializers only describe it in the OpenAPI schema (the OCDS schema itself is the contract)."""

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
