"""Reads on places. Places and party organisations are public information."""

from django.db.models import Count, QuerySet

from .models import Community, District, Grid, PartyOrganization, Street


def district_default() -> District | None:
    return District.objects.order_by("sort_order", "id").first()


def street_list() -> QuerySet[Street]:
    return Street.objects.annotate(community_count=Count("communities")).order_by("sort_order", "code")


def community_list(*, street_id: int | None = None) -> QuerySet[Community]:
    qs = Community.objects.select_related("street").annotate(grid_count=Count("grids"))
    if street_id:
        qs = qs.filter(street_id=street_id)
    return qs.order_by("street__sort_order", "sort_order", "code")


def grid_list(*, community_id: int | None = None, street_id: int | None = None) -> QuerySet[Grid]:
    qs = Grid.objects.select_related("community", "street")
    if community_id:
        qs = qs.filter(community_id=community_id)
    if street_id:
        qs = qs.filter(street_id=street_id)
    return qs.order_by("community__sort_order", "sort_order", "code")


def party_org_list(*, kind: str | None = None, street_id: int | None = None) -> QuerySet[PartyOrganization]:
    qs = PartyOrganization.objects.select_related("street", "community", "grid")
    if kind:
        qs = qs.filter(kind=kind)
    if street_id:
        qs = qs.filter(street_id=street_id)
    return qs.order_by("kind", "code")
