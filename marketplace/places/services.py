"""Writes on places and party organisations. Each checks the actor's role over the parent
(for a create) or the object (for a change) and leaves an audit record."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from marketplace.core import audit
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.permissions import require

from .choices import PartyOrgKind
from .models import Community, District, Grid, PartyOrganization, Street, code_validator

_EDITABLE = ("code", "name", "sort_order")


def _clean_common(*, code: str, name: str) -> tuple[str, str]:
    code = (code or "").strip()
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("请填写名称。"), field="name")
    try:
        code_validator(code)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages[0], field="code") from exc
    return code, name


def _save_new(obj, *, actor, action: str):
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationFailed(_("编码或名称与已有记录重复。"), code="duplicate") from exc
    audit.record(actor=actor, action=action, obj=obj, changes={"code": obj.code, "name": obj.name})
    return obj


def _snapshot(obj, names) -> dict:
    return {n: getattr(obj, n) for n in names}


@transaction.atomic
def street_create(*, actor, district: District, code: str, name: str, sort_order: int = 0) -> Street:
    require(actor, "places.street.create", district)
    code, name = _clean_common(code=code, name=name)
    street = Street(district=district, code=code, name=name, sort_order=sort_order)
    return _save_new(street, actor=actor, action="places.street.create")


@transaction.atomic
def community_create(*, actor, street: Street, code: str, name: str, sort_order: int = 0) -> Community:
    require(actor, "places.community.create", street)
    code, name = _clean_common(code=code, name=name)
    community = Community(
        district_id=street.district_id, street=street, code=code, name=name, sort_order=sort_order
    )
    return _save_new(community, actor=actor, action="places.community.create")


@transaction.atomic
def grid_create(*, actor, community: Community, code: str, name: str, sort_order: int = 0) -> Grid:
    require(actor, "places.grid.create", community)
    code, name = _clean_common(code=code, name=name)
    grid = Grid(
        district_id=community.district_id,
        street_id=community.street_id,
        community=community,
        code=code,
        name=name,
        sort_order=sort_order,
    )
    return _save_new(grid, actor=actor, action="places.grid.create")


@transaction.atomic
def place_update(*, actor, place, code: str, name: str, sort_order: int = 0):
    """Rename or renumber a street, community or grid (moving one is not offered)."""
    action = f"places.{place._meta.model_name}.change"
    require(actor, action, place)
    code, name = _clean_common(code=code, name=name)
    before = _snapshot(place, _EDITABLE)
    place.code, place.name, place.sort_order = code, name, sort_order
    try:
        with transaction.atomic():
            place.save(update_fields=list(_EDITABLE))
    except IntegrityError as exc:
        raise ValidationFailed(_("编码或名称与已有记录重复。"), code="duplicate") from exc
    audit.record(
        actor=actor, action=action, obj=place, changes=audit.diff(before, _snapshot(place, _EDITABLE))
    )
    return place


def _party_org_place(kind: str, *, district, street, community, grid):
    """Check that the organisation sits at the level its kind requires and fill the levels above."""
    if kind == PartyOrgKind.STREET_COMMITTEE:
        if street is None:
            raise ValidationFailed(_("街道党工委必须属于一个街道。"), field="street")
        return street.district, street, None, None, street
    if kind == PartyOrgKind.COMMUNITY_COMMITTEE:
        if community is None:
            raise ValidationFailed(_("社区党委必须属于一个社区。"), field="community")
        return community.district, community.street, community, None, community
    if kind == PartyOrgKind.GRID_BRANCH:
        if grid is None:
            raise ValidationFailed(_("网格党支部必须属于一个网格。"), field="grid")
        return grid.district, grid.street, grid.community, grid, grid
    if kind == PartyOrgKind.WORKPLACE_BRANCH:
        # A workplace branch is registered by the district; it need not lie in a street.
        if district is None:
            raise ValidationFailed(_("请指定所属区。"), field="district")
        return district, None, None, None, district
    raise ValidationFailed(_("党组织类型无效。"), field="kind")


@transaction.atomic
def party_org_create(
    *,
    actor,
    kind: str,
    name: str,
    code: str,
    district: District | None = None,
    street: Street | None = None,
    community: Community | None = None,
    grid: Grid | None = None,
    workplace: str = "",
    secretary_name: str = "",
) -> PartyOrganization:
    code, name = _clean_common(code=code, name=name)
    district, street, community, grid, parent = _party_org_place(
        kind, district=district, street=street, community=community, grid=grid
    )
    require(actor, "places.partyorg.create", parent)
    if kind == PartyOrgKind.WORKPLACE_BRANCH and not workplace.strip():
        raise ValidationFailed(_("请填写在职党员所在单位。"), field="workplace")
    org = PartyOrganization(
        kind=kind,
        name=name,
        code=code,
        district=district,
        street=street,
        community=community,
        grid=grid,
        workplace=workplace.strip(),
        secretary_name=secretary_name.strip(),
    )
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as exc:
        raise ValidationFailed(_("编码重复,或该层级已有同类党组织。"), code="duplicate") from exc
    audit.record(actor=actor, action="places.partyorg.create", obj=org, changes={"kind": kind, "name": name})
    return org


_PARTY_ORG_EDITABLE = ("code", "name", "workplace", "secretary_name")


@transaction.atomic
def party_org_update(
    *, actor, org: PartyOrganization, code: str, name: str, workplace: str = "", secretary_name: str = ""
) -> PartyOrganization:
    """Rename or renumber a party organisation and keep its secretary and workplace current
    (its kind and level are fixed at creation)."""
    require(actor, "places.partyorg.change", org)
    code, name = _clean_common(code=code, name=name)
    workplace, secretary_name = (workplace or "").strip(), (secretary_name or "").strip()
    if org.kind == PartyOrgKind.WORKPLACE_BRANCH and not workplace:
        raise ValidationFailed(_("请填写在职党员所在单位。"), field="workplace")
    before = _snapshot(org, _PARTY_ORG_EDITABLE)
    org.code, org.name, org.workplace, org.secretary_name = code, name, workplace, secretary_name
    try:
        with transaction.atomic():
            org.save(update_fields=list(_PARTY_ORG_EDITABLE))
    except IntegrityError as exc:
        raise ValidationFailed(_("编码重复,或该层级已有同类党组织。"), code="duplicate") from exc
    audit.record(
        actor=actor,
        action="places.partyorg.change",
        obj=org,
        changes=audit.diff(before, _snapshot(org, _PARTY_ORG_EDITABLE)),
    )
    return org
