"""What every generator reads: the clock, the random streams, the places and the staff.

The places are the demo's (its first four steps run first; they create nothing when the demo is
loaded already). The staff — district admins, two officials per street, a worker per community —
are the people the services would name as actors: who approved a project, confirmed an hour,
paid a milestone.
"""

import random
from dataclasses import dataclass, field

from django.contrib.auth.models import Group

from cms.demo import DemoContext
from cms.demo import places as demo_places
from cms.demo import users as demo_users
from marketplace.accounts.models import RoleAssignment, User
from marketplace.accounts.services import staff_group
from marketplace.core.roles import Role
from marketplace.places.choices import PartyOrgKind
from marketplace.places.models import Community, Grid, PartyOrganization, Street

from . import people
from .copy import NULL, Copier, ts
from .errors import Refused

DAY = 86400
YEAR = 365 * DAY

USER_COLUMNS = [
    "id",
    "password",
    "last_login",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "phone",
    "phone_verified",
    "display_name",
]
ROLE_COLUMNS = [
    "id",
    "role",
    "scope_kind",
    "scope_id",
    "scope_label",
    "created_at",
    "revoked_at",
    "granted_by_id",
    "user_id",
]


@dataclass
class Person:
    user_id: int
    name: str
    phone: str


@dataclass
class Place:
    id: int
    name: str
    street: int  # index into World.streets
    community_id: int | None = None
    community_name: str = ""


@dataclass
class World:
    seed: int
    now: int  # unix seconds, on the hour: "now" for every date the data holds
    copier: Copier
    district_id: int = 0
    district_name: str = ""
    streets: list[Place] = field(default_factory=list)
    communities: list[Place] = field(default_factory=list)
    grids: list[Place] = field(default_factory=list)
    community_committee: dict[int, int] = field(default_factory=dict)
    grid_branch: dict[int, int] = field(default_factory=dict)
    workplace_branches: list[tuple[int, str, str]] = field(default_factory=list)
    skills: list[tuple[int, str]] = field(default_factory=list)
    tags: dict[str, int] = field(default_factory=dict)
    admins: list[Person] = field(default_factory=list)
    officials: dict[int, list[Person]] = field(default_factory=dict)  # street index → two
    workers: dict[int, Person] = field(default_factory=dict)  # community id → one
    existing_phones: set[str] = field(default_factory=set)
    phone_counter: int = 0

    # --- randomness and people ---------------------------------------------------------------
    def rng(self, name: str) -> random.Random:
        """An independent stream per generator, so one generator's draws never shift another's."""
        return random.Random(f"{self.seed}:{name}")

    def new_phone(self) -> str:
        while True:
            number = people.phone(self.phone_counter)
            self.phone_counter += 1
            if number not in self.existing_phones:
                return number

    @property
    def users(self):
        return self.copier.table(User, USER_COLUMNS)

    @property
    def roles(self):
        return self.copier.table(RoleAssignment, ROLE_COLUMNS)

    def user_row(self, rng, *, username: str, name: str, phone: str | None, joined: int) -> int:
        """A person's account: no usable password (no hashing cost), a verified phone."""
        pk = self.users.take()
        password = f"!{rng.getrandbits(160):040x}"
        self.users.line(
            f"{pk}\t{password}\t\\N\tf\t{username}\t\t\t\tf\tt\t{ts(joined)}\t"
            f"{phone or NULL}\t{'t' if phone else 'f'}\t{name}\n"
        )
        return pk

    def role_row(self, *, user_id: int, role: str, kind: str, scope_id: int, label: str, at: int, by) -> None:
        self.roles.row(self.roles.take(), role, kind, scope_id, label[:150], ts(at), None, by, user_id)


def load(world: World) -> None:
    """The demo's district and places (created by the demo's own steps when missing), the
    skills and tags, and the phones already taken."""
    from marketplace.organizations.models import ServiceTag
    from marketplace.volunteers.models import Skill

    ctx = DemoContext()
    for step in (
        demo_places.ensure_district,
        demo_users.seed_admin,
        demo_places.seed_places,
        demo_places.seed_party_organizations,
    ):
        step(ctx)
    district = ctx.district
    world.district_id, world.district_name = district.pk, district.name
    street_index = {}
    for i, s in enumerate(Street.objects.filter(district=district).order_by("sort_order", "code")):
        street_index[s.pk] = i
        world.streets.append(Place(s.pk, s.name, i))
    for c in Community.objects.filter(district=district).order_by("street__sort_order", "sort_order", "code"):
        world.communities.append(Place(c.pk, c.name, street_index[c.street_id], c.pk, c.name))
    names = {c.id: c.name for c in world.communities}
    for g in Grid.objects.filter(district=district).order_by("community_id", "sort_order", "code"):
        world.grids.append(
            Place(g.pk, g.name, street_index[g.street_id], g.community_id, names[g.community_id])
        )
    if not world.grids:
        raise Refused(f"{district.name}还没有网格:请先在后台为社区划分网格,或运行 seed_demo。")
    for org in PartyOrganization.objects.filter(district=district):
        if org.kind == PartyOrgKind.COMMUNITY_COMMITTEE:
            world.community_committee[org.community_id] = org.pk
        elif org.kind == PartyOrgKind.GRID_BRANCH:
            world.grid_branch[org.grid_id] = org.pk
        elif org.kind == PartyOrgKind.WORKPLACE_BRANCH and org.workplace:
            world.workplace_branches.append((org.pk, org.name, org.workplace))
    world.workplace_branches.sort()
    world.skills = list(Skill.objects.order_by("sort_order", "pk").values_list("pk", "slug"))
    world.tags = dict(ServiceTag.objects.values_list("slug", "pk"))
    world.existing_phones = set(User.objects.exclude(phone=None).values_list("phone", flat=True))


def seed_staff(world: World) -> None:
    """Three district admins, two officials per street, a worker per community: accounts
    without passwords, their roles, and the staff group that opens the admin to them."""
    rng = world.rng("staff")
    group: Group = staff_group()
    groups = world.copier.table(User.groups.through, ["id", "user_id", "group_id"])
    joined = world.now - 5 * YEAR
    n = 0

    def person(role: str, kind: str, scope_id: int, label: str, granted_by) -> Person:
        nonlocal n
        n += 1
        name = people.person_name(rng, rng.choice("MF"), rng.randrange(1965, 1995))
        phone = world.new_phone()
        pk = world.user_row(rng, username=f"scale-staff-{n:04d}", name=name, phone=phone, joined=joined)
        world.role_row(
            user_id=pk, role=role, kind=kind, scope_id=scope_id, label=label, at=joined, by=granted_by
        )
        groups.row(groups.take(), pk, group.pk)
        return Person(pk, name, phone)

    for _ in range(3):
        granted_by = world.admins[0].user_id if world.admins else None
        world.admins.append(
            person(Role.DISTRICT_ADMIN, "district", world.district_id, world.district_name, granted_by)
        )
    by = world.admins[0].user_id
    for street in world.streets:
        world.officials[street.street] = [
            person(Role.STREET_OFFICIAL, "street", street.id, street.name, by) for _ in range(2)
        ]
    for community in world.communities:
        world.workers[community.id] = person(
            Role.COMMUNITY_WORKER, "community", community.id, community.name, by
        )
