"""One demo account per role: the district admin, a street official, a community worker, a grid
worker and a plain resident. Staff log in with e-mail and password (and enrol TOTP on their first
visit to the admin); the resident logs in with a mobile phone and password.

Evaluator and organisation roles are held over projects and organisations; the capabilities that
bring those add their own demo step."""

from allauth.account.models import EmailAddress

from marketplace.accounts.models import RoleAssignment, User
from marketplace.accounts.services import role_assign, staff_group
from marketplace.core import audit
from marketplace.core.permissions import forget_assignments
from marketplace.core.roles import Role
from marketplace.places.models import Community, Grid, Street

from .base import DEMO_PASSWORD, DEMO_REASON, DemoContext, DemoLogin
from .places import STREETS, grid_code, grid_name

# Staff have a verified mobile as well as an e-mail address: with the phone required at sign-up
# (ACCOUNT_SIGNUP_FIELDS "phone*"), allauth turns away a login by an account that has no phone.
ADMIN = {
    "key": "district_admin",
    "username": "demo-admin",
    "email": "admin@taihe.example",
    "phone": "+8613800000010",
    "name": "王建国",
}
# The staff below work in the first street, its first community and that community's first grid.
STAFF = [
    {
        "key": "street_official",
        "username": "demo-street",
        "email": "street@taihe.example",
        "phone": "+8613800000011",
        "name": "李秀英",
        "role": Role.STREET_OFFICIAL,
        "scope": (Street, STREETS[0][0], STREETS[0][1]),
    },
    {
        "key": "community_worker",
        "username": "demo-community",
        "email": "community@taihe.example",
        "phone": "+8613800000012",
        "name": "张丽",
        "role": Role.COMMUNITY_WORKER,
        "scope": (Community, STREETS[0][2][0][0], STREETS[0][2][0][1]),
    },
    {
        "key": "grid_worker",
        "username": "demo-grid",
        "email": "grid@taihe.example",
        "phone": "+8613800000013",
        "name": "刘洋",
        "role": Role.GRID_WORKER,
        "scope": (Grid, grid_code(STREETS[0][2][0][0], 1), grid_name(STREETS[0][2][0][1], 1)),
    },
]
RESIDENT = {"key": "resident", "username": "demo-resident", "phone": "+8613800000001", "name": "赵敏"}

# Service purchase needs two officials in every street: a project drafted by one is approved by
# the other (双人把关). The first street's drafter is the demo street official above; its approver
# logs in too, so the demo can show an approval. The other streets' officials get no password
# (hashing eight would slow the demo for nothing). Keys: "official:<street code>:1|2".
STREET_OFFICIALS = [
    # (street index, n, username, e-mail (login) or "", phone, name)
    (0, 2, "demo-street-2", "street2@taihe.example", "+8613800000017", "周明"),
    (1, 1, "demo-official-th02-1", "", "+8613800000021", "陈志刚"),
    (1, 2, "demo-official-th02-2", "", "+8613800000022", "林海燕"),
    (2, 1, "demo-official-th03-1", "", "+8613800000023", "黄伟"),
    (2, 2, "demo-official-th03-2", "", "+8613800000024", "何静"),
    (3, 1, "demo-official-th04-1", "", "+8613800000025", "郭强"),
    (3, 2, "demo-official-th04-2", "", "+8613800000026", "马丽娟"),
    (4, 1, "demo-official-th05-1", "", "+8613800000027", "罗斌"),
    (4, 2, "demo-official-th05-2", "", "+8613800000028", "梁晓红"),
]
# A pool of evaluators (评审专家): they hold no role until a street appoints them over one
# project (the procurement step does). The first logs in, to score the demo's opened project.
EVALUATORS = [
    ("demo-expert", "expert@taihe.example", "+8613800000031", "张建华"),
    ("demo-expert-2", "", "+8613800000032", "王敏"),
    ("demo-expert-3", "", "+8613800000033", "刘德胜"),
    ("demo-expert-4", "", "+8613800000034", "陈晓雯"),
    ("demo-expert-5", "", "+8613800000035", "杨帆"),
]


def _ensure_user(ctx: DemoContext, *, username: str, name: str, email: str = "", phone: str = "") -> User:
    """Find the demo account by its login (e-mail or phone) or username, or create it.

    An account that exists is left as it is: its owner may have changed the password or enrolled
    TOTP, and a re-run must not undo that."""
    user = None
    if email:
        user = User.objects.filter(email__iexact=email).first()
    if user is None and phone:
        user = User.objects.filter(phone=phone).first()
    if user is None:
        user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    # There is no sign-up service for staff accounts (people sign themselves up through
    # allauth); the demo makes its accounts directly and records that it did.
    user = User(username=username, email=email, display_name=name, phone=phone or None)
    user.phone_verified = bool(phone)
    user.set_password(DEMO_PASSWORD)
    user.save()
    if email:
        # Verified, so that allauth does not ask the demo user to confirm an address nobody reads.
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    audit.record(
        actor=ctx.admin,
        action="accounts.user.create",
        obj=user,
        changes={"username": username},
        reason=DEMO_REASON,
    )
    ctx.count("用户")
    return user


def _holds(user: User, role: str, scope) -> bool:
    kind, pk = scope.scope_chain()[0]
    return RoleAssignment.objects.active().filter(user=user, role=role, scope_kind=kind, scope_id=pk).exists()


def seed_admin(ctx: DemoContext) -> None:
    """The district admin, who then acts for every later audited write of the demo."""
    district = ctx.district
    admin = _ensure_user(
        ctx, username=ADMIN["username"], email=ADMIN["email"], phone=ADMIN["phone"], name=ADMIN["name"]
    )
    if not _holds(admin, Role.DISTRICT_ADMIN, district):
        granter = (
            User.objects.filter(
                role_assignments__role=Role.DISTRICT_ADMIN,
                role_assignments__scope_kind="district",
                role_assignments__scope_id=district.pk,
                role_assignments__revoked_at__isnull=True,
            )
            .order_by("pk")
            .first()
        )
        if granter is not None:
            role_assign(actor=granter, user=admin, role=Role.DISTRICT_ADMIN, scope=district)
        else:
            # Bootstrap: role_assign requires a district admin over the district to grant this
            # role, and on a fresh database there is none yet. The first one is made directly,
            # exactly once, and written to the audit trail as a system action.
            assignment = RoleAssignment.objects.create(
                user=admin,
                role=Role.DISTRICT_ADMIN,
                scope_kind="district",
                scope_id=district.pk,
                scope_label=str(district),
            )
            admin.groups.add(staff_group())
            forget_assignments(admin)
            audit.record(
                actor=None,
                action="accounts.role.assign",
                obj=assignment,
                changes={"user": admin.pk, "role": Role.DISTRICT_ADMIN, "scope": f"district:{district.pk}"},
                reason="初始化:首位区级管理员",
            )
        ctx.count("角色授权")
    ctx.admin = admin
    ctx.users[ADMIN["key"]] = admin
    ctx.logins.append(
        DemoLogin(
            role=str(Role.DISTRICT_ADMIN.label),
            scope=district.name,
            login=ADMIN["email"],
            password=DEMO_PASSWORD,
            note="首次进入 /admin/ 须绑定动态口令(TOTP)",
        )
    )


def seed_staff(ctx: DemoContext) -> None:
    """A street official, a community worker and a grid worker, granted by the district admin."""
    for row in STAFF:
        model, code, name = row["scope"]
        # By code, or by name when an administrator has renumbered the place since.
        scope = model.objects.filter(code=code).first() or model.objects.get(name=name)
        user = _ensure_user(
            ctx, username=row["username"], email=row["email"], phone=row["phone"], name=row["name"]
        )
        if not _holds(user, row["role"], scope):
            role_assign(actor=ctx.admin, user=user, role=row["role"], scope=scope)
            ctx.count("角色授权")
        ctx.users[row["key"]] = user
        ctx.logins.append(
            DemoLogin(
                role=str(row["role"].label),
                scope=scope.name,
                login=row["email"],
                password=DEMO_PASSWORD,
                note="首次进入 /admin/ 须绑定动态口令(TOTP)",
            )
        )


def seed_resident(ctx: DemoContext) -> None:
    user = _ensure_user(ctx, username=RESIDENT["username"], phone=RESIDENT["phone"], name=RESIDENT["name"])
    ctx.users[RESIDENT["key"]] = user
    ctx.logins.append(
        DemoLogin(
            role="居民",
            scope="—",
            login=RESIDENT["phone"],
            password=DEMO_PASSWORD,
            note="也可用手机验证码登录(验证码打印在控制台)",
        )
    )


def _ensure_account(ctx: DemoContext, *, username: str, email: str, phone: str, name: str) -> User:
    """A login with the demo password when an e-mail is given; otherwise an account without a
    usable password, found by phone or username like the others."""
    if email:
        return _ensure_user(ctx, username=username, email=email, phone=phone, name=name)
    user = User.objects.filter(phone=phone).first() or User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User(username=username, display_name=name, phone=phone, phone_verified=True)
    user.set_unusable_password()
    user.save()
    audit.record(
        actor=ctx.admin,
        action="accounts.user.create",
        obj=user,
        changes={"username": username},
        reason=DEMO_REASON,
    )
    ctx.count("用户")
    return user


def seed_procurement_staff(ctx: DemoContext) -> None:
    """Two street officials per street and the pool of evaluators, for the service projects."""
    streets = {}
    for code, name, _communities in STREETS:
        streets[code] = Street.objects.filter(code=code).first() or Street.objects.get(name=name)
    first_code = STREETS[0][0]
    ctx.users[f"official:{first_code}:1"] = ctx.users["street_official"]
    for index, n, username, email, phone, name in STREET_OFFICIALS:
        code = STREETS[index][0]
        street = streets[code]
        user = _ensure_account(ctx, username=username, email=email, phone=phone, name=name)
        if not _holds(user, Role.STREET_OFFICIAL, street):
            role_assign(actor=ctx.admin, user=user, role=Role.STREET_OFFICIAL, scope=street)
            ctx.count("角色授权")
        ctx.users[f"official:{code}:{n}"] = user
        if email:
            ctx.logins.append(
                DemoLogin(
                    role=str(Role.STREET_OFFICIAL.label),
                    scope=street.name,
                    login=email,
                    password=DEMO_PASSWORD,
                    note="审批同事起草的服务项目;首次进入 /admin/ 须绑定动态口令(TOTP)",
                )
            )
    experts = []
    for username, email, phone, name in EVALUATORS:
        experts.append(_ensure_account(ctx, username=username, email=email, phone=phone, name=name))
        if email:
            ctx.logins.append(
                DemoLogin(
                    role=str(Role.EVALUATOR.label),
                    scope="由街道按项目指派",
                    login=email,
                    password=DEMO_PASSWORD,
                    note="已被指派评审一个已开标项目,尚待声明并评分",
                )
            )
    ctx.users["evaluators"] = experts


# The governance fund's disbursements are approved by a district admin other than the one who
# proposed them (双人审批); no other demo account is a district admin, so the fund's demo step
# makes this one through ``ensure_second_admin``.
SECOND_ADMIN = {
    "key": "district_admin_2",
    "username": "demo-admin-2",
    "email": "admin2@taihe.example",
    "phone": "+8613800000018",
    "name": "孙立新",
}


def ensure_second_admin(ctx: DemoContext) -> User:
    """A second district admin, granted by the first, who logs in to approve disbursements."""
    row = SECOND_ADMIN
    user = _ensure_user(
        ctx, username=row["username"], email=row["email"], phone=row["phone"], name=row["name"]
    )
    if not _holds(user, Role.DISTRICT_ADMIN, ctx.district):
        role_assign(actor=ctx.admin, user=user, role=Role.DISTRICT_ADMIN, scope=ctx.district)
        ctx.count("角色授权")
    if row["key"] not in ctx.users:
        ctx.logins.append(
            DemoLogin(
                role=str(Role.DISTRICT_ADMIN.label),
                scope=ctx.district.name,
                login=row["email"],
                password=DEMO_PASSWORD,
                note="审批同事提出的基金拨付;首次进入 /admin/ 须绑定动态口令(TOTP)",
            )
        )
    ctx.users[row["key"]] = user
    return user
