"""A community's volunteer roster imported from a spreadsheet (花名册导入).

A community worker sends the rows of a roster; each row is validated on its own, so that a
refused row leaves nothing behind (no user, no identity, no volunteer) and never stops the other
rows. The answer is a report of every row: created, updated or refused, with the reason in
Chinese.

Rows go in chunks of ``CHUNK_ROWS``, one transaction each: the chunk's lookups are made at once,
every row is checked before anything is written, and the new people of the chunk are written
with one insert per table. Should an insert fail (someone registered the same number or phone in
between), the chunk's new people are written again one by one, each in its own savepoint, and
only the row that clashed is refused. A roster of 100,000 rows thus takes minutes, not hours.

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
from django.db.models.functions import Lower
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from marketplace.accounts import services as account_services
from marketplace.accounts.models import RealNameIdentity
from marketplace.core import audit, crypto
from marketplace.core.exceptions import DomainError, ValidationFailed
from marketplace.core.masking import mask_name
from marketplace.core.models import AuditEntry
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

MAX_ROSTER_ROWS = 100_000
# Rows per transaction: a long import holds its locks only briefly, and a crash loses at most the
# chunk in progress.
CHUNK_ROWS = 500

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


# Slots: a roster of 100,000 rows is held in memory twice over (the rows and the report).
@dataclass(slots=True)
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


@dataclass(slots=True)
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


def _label_map(choices) -> dict[str, str]:
    return {str(lbl): code for code, lbl in choices.choices}


def _labels(value, choices, *, by_label: dict[str, str], field_name: str, label) -> list[str]:
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


@dataclass
class _Lookups:
    """What the rows of one import look up, read once: the community's grids, the platform's
    skills (a short list) and each party organisation named in the file."""

    community: object
    grids: list[Grid]
    skills_by_name: dict[str, Skill]
    skills_by_slug: dict[str, Skill]
    # Choice labels as typed in the sheet (the active language's), worked out once per import.
    availability_labels: dict[str, str]
    resident_role_labels: dict[str, str]
    party_orgs: dict[str, PartyOrganization | None] = field(default_factory=dict)

    @classmethod
    def read(cls, community) -> "_Lookups":
        skills = list(Skill.objects.all())
        return cls(
            community=community,
            grids=list(Grid.objects.filter(community_id=community.pk)),
            skills_by_name={s.name: s for s in skills},
            skills_by_slug={s.slug: s for s in skills},
            availability_labels=_label_map(Availability),
            resident_role_labels=_label_map(ResidentRole),
        )

    def party_org(self, text: str) -> PartyOrganization | None:
        if text not in self.party_orgs:
            in_district = PartyOrganization.objects.filter(district_id=self.community.district_id)
            self.party_orgs[text] = (
                in_district.filter(code=text).first() or in_district.filter(name=text).order_by("id").first()
            )
        return self.party_orgs[text]


def _profile(row: RosterRow, lookups: _Lookups) -> VolunteerData:
    """The row's profile as the registry's services take it; the rules are theirs."""
    community, grids = lookups.community, lookups.grids
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
        party_org = lookups.party_org(org_text)
        if party_org is None:
            raise ValidationFailed(
                _("党组织“%(o)s”不存在,请填写本区党组织的全称或编码。") % {"o": org_text},
                field="party_organization",
            )
    skill_names = _split(row.skills)
    skills = lookups.skills_by_name
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
        skill_slugs=[skills[name].slug for name in skill_names],
        availability=_labels(
            row.availability,
            Availability,
            by_label=lookups.availability_labels,
            field_name="availability",
            label=_("可服务时间"),
        ),
        resident_roles=_labels(
            row.resident_roles,
            ResidentRole,
            by_label=lookups.resident_role_labels,
            field_name="resident_roles",
            label=_("居民身份"),
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


# --- one chunk of rows -----------------------------------------------------------------------
@dataclass
class _Checked:
    """A row that passed the checks needing no database: its number, the number's lookup hash,
    its phone (normalised) and its profile."""

    row: RosterRow
    masked: str
    id_number: str
    digest: str
    phone: str
    profile: VolunteerData


@dataclass
class _NewPerson:
    checked: _Checked
    values: dict
    skills: list[Skill]


def _refused(row: RosterRow, masked: str, message) -> RosterRowResult:
    return RosterRowResult(row.line, REFUSED, masked, str(message))


def _check(row: RosterRow, masked: str, lookups: _Lookups) -> _Checked:
    name = _text(row.real_name)
    if not name or len(name) > 50:
        raise ValidationFailed(_("请填写真实姓名(不超过50字)。"), field="real_name")
    id_number = _id_number(row)
    phone = _phone(row)
    profile = _profile(row, lookups)
    return _Checked(row, masked, id_number, crypto.lookup_hash(id_number), phone, profile)


def _new_person(checked: _Checked, *, lookups: _Lookups, phones_taken: set[str]) -> _NewPerson:
    row = checked.row
    if checked.phone in phones_taken:
        raise ValidationFailed(_("该手机号已被平台其他账户使用。"), code="duplicate_phone", field="phone")
    consent = _yes(row.consent, field_name="consent", label=_("已签署身份证号处理同意书"))
    if not consent:
        raise ValidationFailed(
            _("本人未签署身份证号处理同意书,不能代为登记。"), code="consent_required", field="consent"
        )
    values = _clean_profile(checked.profile, skills_by_slug=lookups.skills_by_slug)
    skills = values.pop("_skills")
    return _NewPerson(checked, values, skills)


def _new_usernames(count: int) -> list[str]:
    """``count`` random usernames no account has, whatever the letter case."""
    users = get_user_model().objects
    names: set[str] = set()
    while len(names) < count:
        fresh = {
            "u" + get_random_string(11, allowed_chars="abcdefghijkmnpqrstuvwxyz23456789")
            for _i in range(count - len(names))
        }
        taken = (
            users.annotate(lower=Lower("username")).filter(lower__in=fresh).values_list("lower", flat=True)
        )
        names |= fresh - set(taken)
    return sorted(names)


def _write_people(*, actor, community, people: list[_NewPerson]) -> dict[int, RosterRowResult]:
    """Users, identities, volunteers, their skills and the audit entries of ``people``: one insert
    per table. Raises IntegrityError when a number or phone was registered meanwhile."""
    User = get_user_model()
    users = []
    for person, username in zip(people, _new_usernames(len(people)), strict=True):
        # What ``create_user`` makes: the person sets a password, or signs in by SMS code.
        user = User(username=username, email="", phone=person.checked.phone, phone_verified=False)
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    identities = RealNameIdentity.objects.bulk_create(
        account_services.identity_build(
            user=user,
            district=community.district,
            real_name=_text(person.checked.row.real_name),
            id_number=person.checked.id_number,
        )
        for user, person in zip(users, people, strict=True)
    )
    volunteers = Volunteer.objects.bulk_create(
        Volunteer(user=user, identity=identity, **person.values)
        for user, identity, person in zip(users, identities, people, strict=True)
    )
    through = Volunteer.skills.through
    through.objects.bulk_create(
        through(volunteer_id=volunteer.pk, skill_id=skill.pk)
        for volunteer, person in zip(volunteers, people, strict=True)
        for skill in person.skills
    )
    entries = []
    for user, identity, volunteer, person in zip(users, identities, volunteers, people, strict=True):
        entries.append(audit.build(**account_services.identity_audit(identity)))
        entries.append(
            audit.build(
                actor=actor,
                action="volunteers.roster.create",
                obj=volunteer,
                changes={
                    **_summary({**person.values, "_skills": person.skills}),
                    "user": user.pk,
                    "line": person.checked.row.line,
                },
            )
        )
    AuditEntry.objects.bulk_create(entries)
    return {
        person.checked.row.line: RosterRowResult(
            person.checked.row.line, CREATED, person.checked.masked, "", v.pk
        )
        for person, v in zip(people, volunteers, strict=True)
    }


def _create(*, actor, community, people: list[_NewPerson]) -> dict[int, RosterRowResult]:
    if not people:
        return {}
    try:
        with transaction.atomic():
            return _write_people(actor=actor, community=community, people=people)
    except IntegrityError:
        if len(people) == 1:
            # Someone registered the same number or phone in between: the row is left for a retry.
            checked = people[0].checked
            return {
                checked.row.line: _refused(
                    checked.row, checked.masked, _("该身份证号或手机号刚被登记,请核对后重新导入。")
                )
            }
    # One at a time, so that only the row that clashed is refused.
    results: dict[int, RosterRowResult] = {}
    for person in people:
        results.update(_create(actor=actor, community=community, people=[person]))
    return results


def _update(*, actor, community, checked: _Checked, identity) -> RosterRowResult:
    """A person already registered: a volunteer of this community has their profile updated."""
    row = checked.row
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.filter(identity=identity).select_related("user").first()
            if volunteer is None:
                raise ValidationFailed(
                    _("该身份证号已在平台实名登记,但本人尚未注册志愿者:请本人登录平台注册。"),
                    code="identity_exists",
                    field="id_number",
                )
            if volunteer.community_id != community.pk:
                raise ValidationFailed(
                    _("该身份证号已登记为其他社区的志愿者,不能重复登记。"),
                    code="other_community",
                    field="id_number",
                )
            if identity.real_name != _text(row.real_name):
                raise ValidationFailed(
                    _("姓名与已登记的实名信息不一致。"), code="name_mismatch", field="real_name"
                )
            volunteer_update(actor=actor, volunteer=volunteer, data=checked.profile)
    except DomainError as exc:
        return _refused(row, checked.masked, exc.message)
    except IntegrityError:
        return _refused(row, checked.masked, _("该身份证号或手机号刚被登记,请核对后重新导入。"))
    note = ""
    if volunteer.user.phone != checked.phone:
        note = str(_("手机号以本人验证的为准,未更改。"))
    return RosterRowResult(row.line, UPDATED, checked.masked, note, volunteer.pk)


@transaction.atomic
def _import_chunk(*, actor, lookups: _Lookups, rows: list[RosterRow], duplicates: dict[int, str]):
    results: dict[int, RosterRowResult] = {}
    checked: list[_Checked] = []
    for row in rows:
        masked = mask_name(_text(row.real_name))
        if row.line in duplicates:
            results[row.line] = _refused(row, masked, duplicates[row.line])
            continue
        try:
            checked.append(_check(row, masked, lookups))
        except DomainError as exc:
            results[row.line] = _refused(row, masked, exc.message)
    known = {
        identity.id_number_hash: identity
        for identity in RealNameIdentity.objects.filter(id_number_hash__in=[c.digest for c in checked])
    }
    newcomers = [c for c in checked if c.digest not in known]
    phones_taken = set(
        get_user_model()
        .objects.filter(phone__in=[c.phone for c in newcomers])
        .values_list("phone", flat=True)
    )
    people = []
    for item in checked:
        identity = known.get(item.digest)
        if identity is not None:
            results[item.row.line] = _update(
                actor=actor, community=lookups.community, checked=item, identity=identity
            )
            continue
        try:
            people.append(_new_person(item, lookups=lookups, phones_taken=phones_taken))
        except DomainError as exc:
            results[item.row.line] = _refused(item.row, item.masked, exc.message)
    results.update(_create(actor=actor, community=lookups.community, people=people))
    return [results[row.line] for row in rows]


def roster_import(*, actor, community, rows: list[RosterRow]) -> RosterReport:
    """Import the rows into ``community``'s registry; every row is reported."""
    require(actor, "volunteers.roster.import", community)
    if not rows:
        raise ValidationFailed(_("文件中没有志愿者数据。"), code="empty", field="file")
    if len(rows) > MAX_ROSTER_ROWS:
        raise ValidationFailed(
            _("一次最多导入%(n)s行,请分批导入。") % {"n": MAX_ROSTER_ROWS}, code="too_many", field="file"
        )
    lookups = _Lookups.read(community)
    duplicates = _duplicates(rows)
    report = RosterReport()
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        report.rows.extend(_import_chunk(actor=actor, lookups=lookups, rows=chunk, duplicates=duplicates))
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
