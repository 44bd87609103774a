"""A community's volunteer roster imported from a spreadsheet (花名册导入).

A community worker sends the rows of a roster; each row is validated and written on its own, in
its own savepoint, so that a refused row leaves nothing behind (no user, no identity, no
volunteer) and never stops the other rows. The answer is a report of every row: created,
updated or refused, with the reason in Chinese.

- A new ID number: a user (with the roster's phone, not yet verified: the person proves it with
  the SMS code at their first sign-in), their real-name identity (the roster must state that the
  person signed the consent to processing their ID number) and the volunteer are created.
- An ID number of a volunteer of this community: their profile is updated from the row (the
  name must match the real-name record; the phone stays the one the person verified).
- Refused: an ID number or a phone that appears on more than one row of the file (every such
  row: which one is right cannot be told), an ID number already registered in another community
  or by a person who is not a volunteer, a phone held by another account, and any row the
  registry's own rules refuse.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from marketplace.accounts import services as account_services
from marketplace.accounts.models import RealNameIdentity
from marketplace.core import audit, crypto
from marketplace.core.exceptions import DomainError, ValidationFailed
from marketplace.core.masking import mask_name
from marketplace.core.permissions import require
from marketplace.core.validators import normalize_cn_mobile, validate_resident_id
from marketplace.places.models import Grid, PartyOrganization

from ..choices import Availability, PoliticalStatus, ResidentRole
from ..models import Skill, Volunteer
from .registry import VolunteerData, _clean_profile, _summary, volunteer_update

__all__ = [
    "MAX_ROSTER_ROWS",
    "RosterReport",
    "RosterRow",
    "RosterRowResult",
    "roster_import",
]

MAX_ROSTER_ROWS = 2000

CREATED, UPDATED, REFUSED = "created", "updated", "refused"
OUTCOME_LABELS = {CREATED: _("新建"), UPDATED: _("更新"), REFUSED: _("未导入")}

_YES = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
_NO = {"", "否", "无", "n", "no", "false", "0", "×"}
_POLITICAL = {
    "中共党员": PoliticalStatus.PARTY_MEMBER,
    "党员": PoliticalStatus.PARTY_MEMBER,
    "中共预备党员": PoliticalStatus.PROBATIONARY,
    "预备党员": PoliticalStatus.PROBATIONARY,
    "共青团员": PoliticalStatus.LEAGUE_MEMBER,
    "团员": PoliticalStatus.LEAGUE_MEMBER,
    "群众": PoliticalStatus.MASSES,
}


@dataclass
class RosterRow:
    """One row as typed in the sheet (text; ``line`` is its row number in the sheet)."""

    line: int
    real_name: str = ""
    id_number: str = ""
    phone: str = ""
    political_status: str = ""
    party_organization: str = ""
    in_service: str = ""
    workplace: str = ""
    workplace_party_branch: str = ""
    community: str = ""
    grid: str = ""
    skills: str = ""
    resident_roles: str = ""
    availability: str = ""
    consent: str = ""


@dataclass
class RosterRowResult:
    line: int
    outcome: str
    # The name as typed, masked (张**): the report is shown and may be kept; no ID numbers in it.
    name: str
    message: str = ""
    volunteer_id: int | None = None

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])


@dataclass
class RosterReport:
    rows: list[RosterRowResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def created(self) -> int:
        return self.count(CREATED)

    @property
    def updated(self) -> int:
        return self.count(UPDATED)

    @property
    def refused(self) -> int:
        return self.count(REFUSED)


# --- parsing one row's text -----------------------------------------------------------------
def _text(value) -> str:
    return str(value or "").strip()


def _split(value) -> list[str]:
    text = _text(value)
    for sep in ("、", ",", ",", ";", ";", "/", " "):
        text = text.replace(sep, "|")
    return [part for part in (p.strip() for p in text.split("|")) if part]


def _yes(value, *, field_name: str, label) -> bool:
    text = _text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValidationFailed(_("%(label)s请填写“是”或“否”。") % {"label": label}, field=field_name)


def _labels(value, choices, *, field_name: str, label) -> list[str]:
    by_label = {str(lbl): code for code, lbl in choices.choices}
    codes = []
    for part in _split(value):
        code = by_label.get(part) or (part if part in choices.values else None)
        if code is None:
            raise ValidationFailed(
                _("%(label)s“%(v)s”无效。") % {"label": label, "v": part}, field=field_name
            )
        codes.append(code)
    return codes


def _id_number(row: RosterRow) -> str:
    number = _text(row.id_number).upper()
    if not number:
        raise ValidationFailed(_("请填写身份证号码。"), field="id_number")
    try:
        validate_resident_id(number)
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], field="id_number") from None
    return number


def _phone(row: RosterRow) -> str:
    if not _text(row.phone):
        raise ValidationFailed(_("请填写手机号。"), field="phone")
    try:
        return normalize_cn_mobile(row.phone)
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], field="phone") from None


def _profile(row: RosterRow, community, grids: list[Grid]) -> VolunteerData:
    """The row's profile as the registry's services take it; the rules are theirs."""
    typed_community = _text(row.community)
    if typed_community and typed_community not in (community.name, community.code):
        raise ValidationFailed(
            _("社区“%(c)s”与导入的社区“%(target)s”不一致。")
            % {"c": typed_community, "target": community.name},
            field="community",
        )
    grid_text = _text(row.grid)
    if not grid_text:
        raise ValidationFailed(_("请填写所在网格。"), field="grid")
    grid = next((g for g in grids if grid_text in (g.name, g.code)), None)
    if grid is None:
        raise ValidationFailed(
            _("网格“%(g)s”不在%(c)s。") % {"g": grid_text, "c": community.name}, field="grid"
        )
    status_text = _text(row.political_status)
    status = _POLITICAL.get(status_text) or (status_text if status_text in PoliticalStatus.values else None)
    if status is None:
        raise ValidationFailed(
            _("政治面貌请填写中共党员、中共预备党员、共青团员或群众。"), field="political_status"
        )
    party_org = None
    org_text = _text(row.party_organization)
    if org_text:
        party_org = (
            PartyOrganization.objects.filter(district_id=community.district_id).filter(code=org_text).first()
            or PartyOrganization.objects.filter(district_id=community.district_id, name=org_text)
            .order_by("id")
            .first()
        )
        if party_org is None:
            raise ValidationFailed(
                _("党组织“%(o)s”不存在,请填写本区党组织的全称或编码。") % {"o": org_text},
                field="party_organization",
            )
    skill_names = _split(row.skills)
    skills = {s.name: s.slug for s in Skill.objects.filter(name__in=skill_names)}
    unknown = [name for name in skill_names if name not in skills]
    if unknown:
        raise ValidationFailed(
            _("技能特长“%(s)s”不在平台的技能列表中。") % {"s": "、".join(unknown)}, field="skills"
        )
    return VolunteerData(
        community=community,
        grid=grid,
        political_status=status,
        party_organization=party_org,
        in_service=_yes(row.in_service, field_name="in_service", label=_("在职党员")),
        workplace=_text(row.workplace),
        workplace_party_branch=_text(row.workplace_party_branch),
        skill_slugs=[skills[name] for name in skill_names],
        availability=_labels(
            row.availability, Availability, field_name="availability", label=_("可服务时间")
        ),
        resident_roles=_labels(
            row.resident_roles, ResidentRole, field_name="resident_roles", label=_("居民身份")
        ),
    )


# --- duplicates within the file -------------------------------------------------------------
def _duplicates(rows: list[RosterRow]) -> dict[int, str]:
    """Lines refused because their ID number or phone is on another line too."""
    by_id: dict[str, list[int]] = {}
    by_phone: dict[str, list[int]] = {}
    for row in rows:
        number = _text(row.id_number).upper()
        if number:
            by_id.setdefault(number, []).append(row.line)
        try:
            phone = normalize_cn_mobile(row.phone) if _text(row.phone) else ""
        except DjangoValidationError:
            phone = ""
        if phone:
            by_phone.setdefault(phone, []).append(row.line)
    refused: dict[int, str] = {}
    for lines in by_phone.values():
        if len(lines) > 1:
            for line in lines:
                refused[line] = str(
                    _("手机号在文件中重复(第%(lines)s行),请核对后重新导入。")
                    % {"lines": "、".join(str(n) for n in lines)}
                )
    for lines in by_id.values():
        if len(lines) > 1:
            for line in lines:
                refused[line] = str(
                    _("身份证号码在文件中重复(第%(lines)s行),请核对后重新导入。")
                    % {"lines": "、".join(str(n) for n in lines)}
                )
    return refused


# --- one row --------------------------------------------------------------------------------
def _new_username() -> str:
    users = get_user_model().objects
    while True:
        username = "u" + get_random_string(11, allowed_chars="abcdefghijkmnpqrstuvwxyz23456789")
        if not users.filter(username__iexact=username).exists():
            return username


def _update(*, actor, community, row: RosterRow, identity, profile: VolunteerData) -> tuple[Volunteer, str]:
    volunteer = Volunteer.objects.filter(identity=identity).select_related("user").first()
    if volunteer is None:
        raise ValidationFailed(
            _("该身份证号已在平台实名登记,但本人尚未注册志愿者:请本人登录平台注册。"),
            code="identity_exists",
            field="id_number",
        )
    if volunteer.community_id != community.pk:
        raise ValidationFailed(
            _("该身份证号已登记为其他社区的志愿者,不能重复登记。"), code="other_community", field="id_number"
        )
    if identity.real_name != _text(row.real_name):
        raise ValidationFailed(_("姓名与已登记的实名信息不一致。"), code="name_mismatch", field="real_name")
    volunteer_update(actor=actor, volunteer=volunteer, data=profile)
    note = ""
    if volunteer.user.phone != _phone(row):
        note = str(_("手机号以本人验证的为准,未更改。"))
    return volunteer, note


def _create(*, actor, community, row: RosterRow, id_number: str, profile: VolunteerData) -> Volunteer:
    phone = _phone(row)
    if get_user_model().objects.filter(phone=phone).exists():
        raise ValidationFailed(_("该手机号已被平台其他账户使用。"), code="duplicate_phone", field="phone")
    consent = _yes(row.consent, field_name="consent", label=_("已签署身份证号处理同意书"))
    if not consent:
        raise ValidationFailed(
            _("本人未签署身份证号处理同意书,不能代为登记。"), code="consent_required", field="consent"
        )
    values = _clean_profile(profile)
    skills = values.pop("_skills")
    user = get_user_model().objects.create_user(username=_new_username(), phone=phone, phone_verified=False)
    identity = account_services.identity_register(
        user=user,
        district=community.district,
        real_name=_text(row.real_name),
        id_number=id_number,
        consent=consent,
    )
    volunteer = Volunteer.objects.create(user=user, identity=identity, **values)
    volunteer.skills.set(skills)
    audit.record(
        actor=actor,
        action="volunteers.roster.create",
        obj=volunteer,
        changes={**_summary({**values, "_skills": skills}), "user": user.pk, "line": row.line},
    )
    return volunteer


def _import_row(*, actor, community, grids: list[Grid], row: RosterRow) -> RosterRowResult:
    name = _text(row.real_name)
    masked = mask_name(name)
    if not name or len(name) > 50:
        return RosterRowResult(row.line, REFUSED, masked, str(_("请填写真实姓名(不超过50字)。")))
    try:
        with transaction.atomic():
            id_number = _id_number(row)
            _phone(row)
            profile = _profile(row, community, grids)
            identity = RealNameIdentity.objects.filter(id_number_hash=crypto.lookup_hash(id_number)).first()
            if identity is not None:
                volunteer, note = _update(
                    actor=actor, community=community, row=row, identity=identity, profile=profile
                )
                return RosterRowResult(row.line, UPDATED, masked, note, volunteer.pk)
            volunteer = _create(
                actor=actor, community=community, row=row, id_number=id_number, profile=profile
            )
            return RosterRowResult(row.line, CREATED, masked, "", volunteer.pk)
    except DomainError as exc:
        return RosterRowResult(row.line, REFUSED, masked, str(exc.message))
    except IntegrityError:
        # Someone registered the same number or phone in between: the row is left for a retry.
        return RosterRowResult(
            row.line, REFUSED, masked, str(_("该身份证号或手机号刚被登记,请核对后重新导入。"))
        )


def roster_import(*, actor, community, rows: list[RosterRow]) -> RosterReport:
    """Import the rows into ``community``'s registry; every row is reported."""
    require(actor, "volunteers.roster.import", community)
    if not rows:
        raise ValidationFailed(_("文件中没有志愿者数据。"), code="empty", field="file")
    if len(rows) > MAX_ROSTER_ROWS:
        raise ValidationFailed(
            _("一次最多导入%(n)s行,请分批导入。") % {"n": MAX_ROSTER_ROWS}, code="too_many", field="file"
        )
    grids = list(Grid.objects.filter(community_id=community.pk))
    duplicates = _duplicates(rows)
    report = RosterReport()
    for row in rows:
        if row.line in duplicates:
            name = mask_name(_text(row.real_name))
            report.rows.append(RosterRowResult(row.line, REFUSED, name, duplicates[row.line]))
            continue
        report.rows.append(_import_row(actor=actor, community=community, grids=grids, row=row))
    audit.record(
        actor=actor,
        action="volunteers.roster.import",
        obj=community,
        changes={
            "rows": len(rows),
            "created": report.created,
            "updated": report.updated,
            "refused": report.refused,
        },
    )
    return report
