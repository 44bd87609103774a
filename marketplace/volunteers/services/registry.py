"""Writes on the volunteer registry and on in-service party members' reports to their community.

Each checks the actor's role over the object, validates with a Chinese message, changes nothing
on error, and leaves an audit record. A volunteer builds on the person's real-name identity: a
registration without one records it first (``accounts.services.identity_register``), in the same
transaction, so a refused profile leaves no identity behind either.
"""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.accounts import services as account_services
from marketplace.accounts.models import RealNameIdentity
from marketplace.core import audit
from marketplace.core.exceptions import PermissionDenied, ValidationFailed
from marketplace.core.permissions import require

from .. import transitions
from ..choices import (
    OPEN_REPORT_STATUSES,
    PARTY_STATUSES,
    Availability,
    PoliticalStatus,
    ResidentRole,
    VolunteerStatus,
)
from ..models import PartyReport, Skill, Volunteer
from ._common import clean_text, community_workers, tell

__all__ = [
    "IdentityData",
    "PersonalData",
    "VolunteerData",
    "party_report_confirm",
    "party_report_decline",
    "party_report_end",
    "party_report_submit",
    "party_report_withdraw",
    "volunteer_personal_data",
    "volunteer_register",
    "volunteer_reinstate",
    "volunteer_rejoin",
    "volunteer_suspend",
    "volunteer_update",
    "volunteer_withdraw",
]


# --- registration ---------------------------------------------------------------------------
@dataclass
class IdentityData:
    """The real name and ID number, for a person who has no real-name identity yet."""

    real_name: str
    id_number: str
    consent: bool


@dataclass
class VolunteerData:
    """What a resident (or the community worker keeping the profile) types in."""

    community: object
    grid: object
    political_status: str
    party_organization: object | None = None
    in_service: bool = False
    workplace: str = ""
    workplace_party_branch: str = ""
    skill_slugs: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)
    availability_note: str = ""
    resident_roles: list[str] = field(default_factory=list)


def _codes(values, allowed, *, field_name: str, message) -> list[str]:
    values = [str(v) for v in (values or [])]
    if set(values) - set(allowed):
        raise ValidationFailed(message, field=field_name)
    return sorted(set(values))


def _clean_profile(data: VolunteerData, *, skills_by_slug: dict[str, Skill] | None = None) -> dict:
    """``skills_by_slug``: every skill, when the caller has read them already (a bulk import)."""
    community, grid = data.community, data.grid
    if community is None:
        raise ValidationFailed(_("请选择居住社区。"), field="community")
    if grid is None:
        raise ValidationFailed(_("请选择所在网格。"), field="grid")
    if grid.community_id != community.pk:
        raise ValidationFailed(_("所选网格不属于所选社区。"), code="grid_not_in_community", field="grid")
    status = data.political_status
    if status not in PoliticalStatus.values:
        raise ValidationFailed(_("请选择政治面貌。"), field="political_status")
    party = status in PARTY_STATUSES
    party_org = data.party_organization
    if party:
        if party_org is None:
            raise ValidationFailed(
                _("党员请选择所在党组织。"), code="party_org_required", field="party_organization"
            )
        if party_org.district_id != community.district_id:
            raise ValidationFailed(_("所选党组织不在本区。"), field="party_organization")
    else:
        if party_org is not None:
            raise ValidationFailed(_("只有党员需要选择所在党组织。"), field="party_organization")
        if data.in_service:
            raise ValidationFailed(
                _("只有党员可以登记为在职党员。"), code="not_party_member", field="in_service"
            )
    in_service = bool(data.in_service)
    workplace = clean_text(
        data.workplace, field="workplace", label=_("工作单位"), max_length=150, required=in_service
    )
    branch = clean_text(
        data.workplace_party_branch,
        field="workplace_party_branch",
        label=_("单位党支部"),
        max_length=150,
        required=in_service,
    )
    if not in_service and branch:
        raise ValidationFailed(_("只有在职党员需要填写单位党支部。"), field="workplace_party_branch")
    slugs = sorted(set(data.skill_slugs or []))
    if skills_by_slug is None:
        skills = list(Skill.objects.filter(slug__in=slugs))
    else:
        skills = [skills_by_slug[slug] for slug in slugs if slug in skills_by_slug]
    if len(skills) != len(slugs):
        raise ValidationFailed(_("技能特长无效。"), field="skills")
    return {
        "district_id": community.district_id,
        "street_id": community.street_id,
        "community": community,
        "grid": grid,
        "political_status": status,
        "party_organization": party_org if party else None,
        "in_service": in_service,
        "workplace": workplace,
        "workplace_party_branch": branch,
        "availability": _codes(
            data.availability, Availability.values, field_name="availability", message=_("可服务时间无效。")
        ),
        "availability_note": clean_text(
            data.availability_note,
            field="availability_note",
            label=_("服务时间说明"),
            max_length=200,
            required=False,
        ),
        "resident_roles": _codes(
            data.resident_roles, ResidentRole.values, field_name="resident_roles", message=_("居民身份无效。")
        ),
        "_skills": skills,
    }


def _summary(values: dict) -> dict:
    """An audit summary: ids and codes, never personal data."""
    out = {}
    for key, value in values.items():
        if key == "_skills":
            out["skills"] = sorted(s.slug for s in value)
        elif hasattr(value, "pk"):
            out[key] = value.pk
        else:
            out[key] = value
    return out


@transaction.atomic
def volunteer_register(*, user, data: VolunteerData, identity: IdentityData | None = None) -> Volunteer:
    """Register the signed-in person as a volunteer of their home community and grid."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied()
    require(user, "accounts.user.change", user)
    if not user.phone or not user.phone_verified:
        raise ValidationFailed(
            _("请先绑定并通过短信验证手机号,再注册志愿者。"), code="phone_not_verified", field="phone"
        )
    if Volunteer.objects.filter(user=user).exists():
        raise ValidationFailed(_("您已注册为志愿者。"), code="already_registered")
    values = _clean_profile(data)
    skills = values.pop("_skills")
    real_name = RealNameIdentity.objects.filter(user=user).first()
    if real_name is None:
        if identity is None:
            raise ValidationFailed(
                _("请填写真实姓名和身份证号码。"), code="identity_required", field="id_number"
            )
        real_name = account_services.identity_register(
            user=user,
            district=data.community.district,
            real_name=identity.real_name,
            id_number=identity.id_number,
            consent=identity.consent,
        )
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(user=user, identity=real_name, **values)
    except IntegrityError as exc:  # the same person registering twice at once
        raise ValidationFailed(_("您已注册为志愿者。"), code="already_registered") from exc
    volunteer.skills.set(skills)
    audit.record(
        actor=user,
        action="volunteers.volunteer.register",
        obj=volunteer,
        changes=_summary({**values, "_skills": skills}),
    )
    return volunteer


@transaction.atomic
def volunteer_update(*, actor, volunteer: Volunteer, data: VolunteerData) -> Volunteer:
    """Change the profile (the person, or a community worker of their home community). Name, ID
    number, gender and birth date belong to the identity and are not changed here."""
    require(actor, "volunteers.volunteer.change", volunteer)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    values = _clean_profile(data)
    skills = values.pop("_skills")
    before = _summary({**{k: getattr(volunteer, k) for k in values}, "_skills": list(volunteer.skills.all())})
    for key, value in values.items():
        setattr(volunteer, key, value)
    volunteer.save()
    volunteer.skills.set(skills)
    audit.record(
        actor=actor,
        action="volunteers.volunteer.change",
        obj=volunteer,
        changes=audit.diff(before, _summary({**values, "_skills": skills})),
    )
    return volunteer


@transaction.atomic
def volunteer_suspend(*, actor, volunteer: Volunteer, reason: str) -> Volunteer:
    """A suspended volunteer keeps their records but cannot sign up."""
    volunteer = transitions.VOLUNTEER.perform(volunteer, "suspend", actor=actor, reason=reason)
    tell(volunteer.user, _("您的志愿者登记已被暂停"), reason)
    return volunteer


@transaction.atomic
def volunteer_reinstate(*, actor, volunteer: Volunteer, reason: str) -> Volunteer:
    volunteer = transitions.VOLUNTEER.perform(volunteer, "reinstate", actor=actor, reason=reason)
    tell(volunteer.user, _("您的志愿者登记已恢复"), reason)
    return volunteer


@transaction.atomic
def volunteer_withdraw(*, actor, volunteer: Volunteer) -> Volunteer:
    """The person leaves: their places on shifts not yet started are given up (and taken by the
    waiting list); their records stay."""
    from .signups import release_upcoming_signups

    volunteer = transitions.VOLUNTEER.perform(volunteer, "withdraw", actor=actor)
    release_upcoming_signups(volunteer, reason=str(_("志愿者退出")))
    return volunteer


@transaction.atomic
def volunteer_rejoin(*, actor, volunteer: Volunteer) -> Volunteer:
    return transitions.VOLUNTEER.perform(volunteer, "rejoin", actor=actor)


# --- personal data --------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonalData:
    real_name: str
    id_number: str
    phone: str
    gender: str
    birth_date: datetime.date


def volunteer_personal_data(*, actor, volunteer: Volunteer) -> PersonalData:
    """The whole personal data: for the person, the community workers of their home community and
    the district. Every view is written to the audit trail (organisers see names and masked
    phones through the selectors instead)."""
    require(actor, "volunteers.volunteer.view_personal", volunteer)
    identity = volunteer.identity
    audit.record(actor=actor, action="volunteers.volunteer.view_personal", obj=volunteer)
    return PersonalData(
        real_name=identity.real_name,
        id_number=identity.id_number,
        phone=volunteer.user.phone or "",
        gender=identity.gender,
        birth_date=identity.birth_date,
    )


# --- in-service party members report to their community (在职党员到社区报到) -------------------
@transaction.atomic
def party_report_submit(*, actor, volunteer: Volunteer, note: str = "") -> PartyReport:
    require(actor, "volunteers.volunteer.act", volunteer)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise ValidationFailed(_("您的志愿者登记已暂停或已退出,不能报到。"), code="not_active")
    if volunteer.political_status not in PARTY_STATUSES or not volunteer.in_service:
        raise ValidationFailed(
            _("只有登记为在职党员的志愿者需要到社区报到,请先在资料中填写工作单位和单位党支部。"),
            code="not_in_service_member",
        )
    if PartyReport.objects.filter(volunteer=volunteer, status__in=OPEN_REPORT_STATUSES).exists():
        raise ValidationFailed(_("您已向社区报到,或报到正在等待确认。"), code="duplicate")
    note = clean_text(note, field="note", label=_("说明"), max_length=1000, required=False)
    report = PartyReport.objects.create(
        volunteer=volunteer,
        district_id=volunteer.district_id,
        street_id=volunteer.street_id,
        community_id=volunteer.community_id,
        workplace=volunteer.workplace,
        workplace_party_branch=volunteer.workplace_party_branch,
        note=note,
    )
    audit.record(
        actor=actor,
        action="volunteers.party_report.submit",
        obj=report,
        changes={"community": volunteer.community_id},
    )
    for assignment in community_workers(volunteer.community_id):
        tell(assignment.user, _("有在职党员向社区报到,请确认"), _("报到单位:%(w)s") % {"w": report.workplace})
    return report


@transaction.atomic
def party_report_confirm(*, actor, report: PartyReport) -> PartyReport:
    report = transitions.PARTY_REPORT.perform(
        report, "confirm", actor=actor, fields={"decided_at": timezone.now(), "decided_by": actor}
    )
    tell(report.volunteer.user, _("社区已确认您的在职党员报到"))
    return report


@transaction.atomic
def party_report_decline(*, actor, report: PartyReport, reason: str) -> PartyReport:
    report = transitions.PARTY_REPORT.perform(
        report,
        "decline",
        actor=actor,
        reason=reason,
        fields={"decided_at": timezone.now(), "decided_by": actor, "decline_reason": (reason or "").strip()},
    )
    tell(report.volunteer.user, _("社区未确认您的在职党员报到"), reason)
    return report


@transaction.atomic
def party_report_withdraw(*, actor, report: PartyReport) -> PartyReport:
    return transitions.PARTY_REPORT.perform(report, "withdraw", actor=actor)


@transaction.atomic
def party_report_end(*, actor, report: PartyReport, reason: str) -> PartyReport:
    return transitions.PARTY_REPORT.perform(report, "end", actor=actor, reason=reason)
