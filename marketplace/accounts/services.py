from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core import audit, crypto
from marketplace.core.exceptions import NotFound, ValidationFailed
from marketplace.core.masking import mask_phone, mask_resident_id
from marketplace.core.permissions import forget_assignments, require, scope_object
from marketplace.core.roles import ROLE_SCOPE, STAFF_ROLES, Role
from marketplace.core.validators import resident_id_birth_date, resident_id_gender, validate_resident_id

from .models import RealNameIdentity, RoleAssignment, User

STAFF_GROUP = "平台工作人员"


def staff_group() -> Group:
    group, created = Group.objects.get_or_create(name=STAFF_GROUP)
    if created:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
    return group


def _sync_staff_access(user: User) -> None:
    """Staff roles open the Wagtail admin; losing the last one closes it."""
    has_staff_role = RoleAssignment.objects.active().filter(user=user, role__in=STAFF_ROLES).exists()
    group = staff_group()
    if has_staff_role:
        user.groups.add(group)
    else:
        user.groups.remove(group)


@transaction.atomic
def role_assign(*, actor, user: User, role: str, scope) -> RoleAssignment:
    """Grant ``role`` over ``scope`` (a district, street, community, grid, project or
    organisation instance: the first entry of its scope chain names it)."""
    if role not in Role.values:
        raise ValidationFailed(_("角色无效。"), field="role")
    kind, scope_id = scope.scope_chain()[0]
    if ROLE_SCOPE[Role(role)] != kind:
        raise ValidationFailed(
            _("「%(role)s」只能授予在「%(kind)s」范围内。")
            % {"role": Role(role).label, "kind": ROLE_SCOPE[Role(role)].label},
            field="scope",
        )
    require(actor, f"accounts.role.assign.{role}", scope)
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user,
                role=role,
                scope_kind=kind,
                scope_id=scope_id,
                scope_label=str(scope)[:150],
                granted_by=actor,
            )
    except IntegrityError as exc:
        raise ValidationFailed(_("该用户已拥有此角色。"), code="duplicate") from exc
    _sync_staff_access(user)
    forget_assignments(user)
    audit.record(
        actor=actor,
        action="accounts.role.assign",
        obj=assignment,
        changes={"user": user.pk, "role": role, "scope": f"{kind}:{scope_id}"},
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment, reason: str = "") -> RoleAssignment:
    assignment = (
        RoleAssignment.objects.select_for_update().filter(pk=assignment.pk, revoked_at__isnull=True).first()
    )
    if assignment is None:
        raise NotFound(_("该角色授权不存在或已撤销。"))
    # Revoking needs the same right as granting, over the same scope.
    scope = scope_object(assignment.scope_kind, assignment.scope_id)
    if scope is None:
        raise NotFound(_("授权范围不存在。"))
    require(actor, f"accounts.role.assign.{assignment.role}", scope)
    assignment.revoked_at = timezone.now()
    assignment.save(update_fields=["revoked_at"])
    _sync_staff_access(assignment.user)
    forget_assignments(assignment.user)
    audit.record(actor=actor, action="accounts.role.revoke", obj=assignment, reason=reason)
    return assignment


@transaction.atomic
def user_set_phone(*, user: User, phone: str, verified: bool, actor=None) -> User:
    """Store a phone (already normalised to E.164 by the form) and its verified flag."""
    before = mask_phone(user.phone)
    holders = User.objects.select_for_update().filter(phone=phone).exclude(pk=user.pk)
    for holder in holders:
        if holder.phone_verified:
            raise ValidationFailed(_("该手机号已被其他账户使用。"), code="duplicate_phone", field="phone")
        # An unverified number was never proven to belong to that account, so a new claimant
        # takes it; whoever verifies it (with the code sent to it) first keeps it for good.
        holder.phone = None
        holder.save(update_fields=["phone"])
        audit.record(
            actor=actor or user,
            action="accounts.user.phone_released",
            obj=holder,
            changes={"phone": [mask_phone(phone), None]},
            reason="号码被完成验证的新账户使用",
        )
    user.phone = phone
    user.phone_verified = verified
    if user.pk:
        user.save(update_fields=["phone", "phone_verified"])
        audit.record(
            actor=actor or user,
            action="accounts.user.phone_set",
            obj=user,
            changes={"phone": [before, mask_phone(phone)], "verified": verified},
        )
    return user


@transaction.atomic
def user_mark_phone_verified(*, user: User, phone: str) -> User:
    if user.phone != phone:
        raise ValidationFailed(_("手机号不匹配。"), field="phone")
    user.phone_verified = True
    user.save(update_fields=["phone_verified"])
    audit.record(
        actor=user, action="accounts.user.phone_verified", obj=user, changes={"phone": mask_phone(phone)}
    )
    return user


# --- Real-name identity -----------------------------------------------------------------------
IDENTITY_CONSENT_VERSION = "2026-1"


@transaction.atomic
def identity_register(
    *, user: User, district, real_name: str, id_number: str, consent: bool
) -> RealNameIdentity:
    """Record the user's real name and resident ID number, with their explicit consent."""
    require(user, "accounts.user.change", user)
    real_name = (real_name or "").strip()
    id_number = (id_number or "").strip().upper()
    if not consent:
        raise ValidationFailed(
            _("请阅读并同意《个人信息处理说明》后再提交身份证号。"), code="consent_required", field="consent"
        )
    if not real_name or len(real_name) > 50:
        raise ValidationFailed(_("请填写真实姓名(不超过50字)。"), field="real_name")
    try:
        validate_resident_id(id_number)
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], code="invalid_resident_id", field="id_number") from exc
    if RealNameIdentity.objects.filter(user=user).exists():
        raise ValidationFailed(_("您已完成实名登记。"), code="already_registered")
    digest = crypto.lookup_hash(id_number)
    if RealNameIdentity.objects.filter(id_number_hash=digest).exists():
        raise ValidationFailed(
            _("该身份证号已被其他账户登记。"), code="duplicate_id_number", field="id_number"
        )
    identity = identity_build(user=user, district=district, real_name=real_name, id_number=id_number)
    try:
        with transaction.atomic():
            identity.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent registration of the same number
        raise ValidationFailed(
            _("该身份证号已被其他账户登记。"), code="duplicate_id_number", field="id_number"
        ) from exc
    audit.record(**identity_audit(identity))
    return identity


def identity_build(*, user: User, district, real_name: str, id_number: str) -> RealNameIdentity:
    """The identity ``identity_register`` saves, unsaved, for a number already validated and
    consented to; a bulk import (``volunteers.services.roster_import``) saves many at once."""
    return RealNameIdentity(
        user=user,
        district=district,
        real_name=real_name,
        id_number=id_number,
        id_number_hash=crypto.lookup_hash(id_number),
        id_number_masked=mask_resident_id(id_number),
        gender=resident_id_gender(id_number),
        birth_date=resident_id_birth_date(id_number),
        consent_at=timezone.now(),
        consent_version=IDENTITY_CONSENT_VERSION,
    )


def identity_audit(identity: RealNameIdentity) -> dict:
    """The arguments of the audit entry of a registration (the person registers themself)."""
    return {
        "actor": identity.user,
        "action": "accounts.identity.register",
        "obj": identity,
        "changes": {"id_number": identity.id_number_masked, "consent_version": identity.consent_version},
    }


def identity_reveal(*, actor, identity) -> str:
    """The whole ID number, for a role that needs it; every such view is audited."""
    require(actor, "accounts.identity.reveal", identity)
    audit.record(actor=actor, action="accounts.identity.reveal", obj=identity)
    return identity.id_number


@transaction.atomic
def role_grant_on_creation(*, user: User, role: str, scope, reason: str) -> RoleAssignment:
    """Give the creator of an object its owning role (the registrant of an organisation becomes
    its org admin). Only services that create the scope object call this; no one else may grant
    roles without the permission check of ``role_assign``."""
    kind, scope_id = scope.scope_chain()[0]
    if ROLE_SCOPE[Role(role)] != kind:
        raise ValueError(f"{role} cannot be held over {kind}")
    assignment, created = RoleAssignment.objects.active().get_or_create(
        user=user,
        role=role,
        scope_kind=kind,
        scope_id=scope_id,
        defaults={"scope_label": str(scope)[:150], "granted_by": user},
    )
    if created:
        _sync_staff_access(user)
        forget_assignments(user)
        audit.record(
            actor=user,
            action="accounts.role.grant_on_creation",
            obj=assignment,
            changes={"role": role, "scope": f"{kind}:{scope_id}"},
            reason=reason,
        )
    return assignment
