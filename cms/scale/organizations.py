"""Social organisations as ``organizations.services`` leaves them: registered by a person who
becomes the org admin (an account and a role), verified (or pending, rejected, suspended), with
their tags, a valid credit code when registered, and a grade with its expiry."""

import datetime
from dataclasses import dataclass, field

from marketplace.core.roles import Role
from marketplace.core.validators import uscc_check_char
from marketplace.organizations.choices import REGISTERED_FORMS, Grade, LegalForm, OrgStatus
from marketplace.organizations.models import Organization

from . import people, vocab
from .copy import day, local_day, ts
from .world import DAY, YEAR, World

ORG_COLUMNS = [
    "id",
    "name",
    "legal_form",
    "uscc",
    "uscc_check_failed",
    "uscc_override_reason",
    "legal_representative",
    "contact_phone",
    "address",
    "category",
    "founded_on",
    "grade",
    "grade_expires_on",
    "description",
    "status",
    "verified_at",
    "created_at",
    "community_id",
    "district_id",
    "registered_by_id",
    "street_id",
]
FORMS = [
    (LegalForm.COMMUNITY_FILED, 45),
    (LegalForm.SOCIAL_SERVICE, 30),
    (LegalForm.SOCIAL_GROUP, 20),
    (LegalForm.FOUNDATION, 5),
]
STATUSES = [
    (OrgStatus.VERIFIED, 85),
    (OrgStatus.PENDING, 7),
    (OrgStatus.REJECTED, 3),
    (OrgStatus.SUSPENDED, 5),
]
GRADES = [(Grade.A1, 5), (Grade.A2, 15), (Grade.A3, 45), (Grade.A4, 25), (Grade.A5, 10)]
GRADE_ORDER = {g: i for i, g in enumerate(Grade.values)}
USCC_KIND = {LegalForm.SOCIAL_GROUP: "1", LegalForm.SOCIAL_SERVICE: "2", LegalForm.FOUNDATION: "3"}


@dataclass
class Orgs:
    """What later generators need of each organisation, by index."""

    ids: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    grade: list[str] = field(default_factory=list)
    grade_valid: list[bool] = field(default_factory=list)
    street: list[int] = field(default_factory=list)
    community: list[int | None] = field(default_factory=list)
    admin: list[int] = field(default_factory=list)
    admin_name: list[str] = field(default_factory=list)
    admin_phone: list[str] = field(default_factory=list)

    def can_bid(self, i: int) -> bool:
        """Verified once (a suspended one was, and its past bids stand)."""
        return self.status[i] in (OrgStatus.VERIFIED, OrgStatus.SUSPENDED)


def _pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def uscc(legal_form: str, serial: int) -> str:
    """A registered organisation's code: 5 (civil affairs), its kind, the district's division
    code, and a serial; the 18th character is the GB 32100 check (the demo uses another
    division code, so the two never collide)."""
    first17 = f"5{USCC_KIND[legal_form]}210711MA{serial:07d}"
    return first17 + uscc_check_char(first17)


def seed_organizations(world: World, count: int, existing_names: set[str]) -> Orgs:
    rng = world.rng("organizations")
    orgs = Orgs()
    table = world.copier.table(Organization, ORG_COLUMNS)
    tags = world.copier.table(Organization.tags.through, ["id", "organization_id", "servicetag_id"])
    today = local_day(world.now)
    names = set(existing_names)
    communities_by_street: dict[int, list] = {}
    for c in world.communities:
        communities_by_street.setdefault(c.street, []).append(c)
    for i in range(count):
        form = _pick(rng, FORMS)
        theme, category, slugs = rng.choice(vocab.ORG_THEMES)
        street = rng.choice(world.streets)
        community = None
        if form == LegalForm.COMMUNITY_FILED or rng.random() < 0.55:
            community = rng.choice(communities_by_street.get(street.street) or [None])
        name = _name(rng, names, form, theme, street, community)
        status = _pick(rng, STATUSES)
        created = world.now - rng.randrange(30 * DAY, 8 * YEAR)
        founded = local_day(created) - rng.randrange(0, 10 * 365)
        founded = max(founded, (datetime.date(2000, 1, 1) - datetime.date(1970, 1, 1)).days)
        verified = None
        if status in (OrgStatus.VERIFIED, OrgStatus.SUSPENDED):
            verified = min(created + rng.randrange(3 * DAY, 30 * DAY), world.now - DAY)
        grade, expires, valid = "", None, False
        if form in REGISTERED_FORMS and verified is not None and rng.random() < 0.45:
            grade = _pick(rng, GRADES)
            if rng.random() < 0.85:
                expires = today + rng.randrange(30, 1500)
                valid = True
            else:
                expires = today - rng.randrange(1, 700)
        representative = people.person_name(rng, rng.choice("MF"), rng.randrange(1955, 1995))
        phone = world.new_phone()
        admin = world.user_row(
            rng, username=f"scale-org-{i + 1:06d}", name=representative, phone=phone, joined=created - DAY
        )
        pk = table.take()
        place = community.name if community else street.name
        description = rng.choice(vocab.ORG_DESCRIPTIONS[category]).format(
            place=place, who=rng.choice(vocab.WHO), what=rng.choice(vocab.WHAT)
        )
        address = f"{world.district_name}{place}{rng.choice(vocab.ROADS)}路{rng.randrange(1, 300)}号"
        table.row(
            pk,
            name,
            form,
            uscc(form, i + 1) if form in REGISTERED_FORMS else None,
            False,
            "",
            representative,
            phone,
            address,
            category,
            day(founded),
            grade,
            day(expires) if expires is not None else None,
            description,
            status,
            ts(verified) if verified else None,
            ts(created),
            community.id if community else None,
            world.district_id,
            admin,
            street.id,
        )
        chosen = list(slugs) + (
            ["volunteering"] if rng.random() < 0.2 and "volunteering" not in slugs else []
        )
        for slug in chosen:
            if slug in world.tags:
                tags.row(tags.take(), pk, world.tags[slug])
        world.role_row(
            user_id=admin,
            role=Role.ORG_ADMIN,
            kind="organization",
            scope_id=pk,
            label=name,
            at=created,
            by=admin,
        )
        orgs.ids.append(pk)
        orgs.names.append(name)
        orgs.status.append(status)
        orgs.category.append(category)
        orgs.grade.append(grade)
        orgs.grade_valid.append(valid)
        orgs.street.append(street.street)
        orgs.community.append(community.id if community else None)
        orgs.admin.append(admin)
        orgs.admin_name.append(representative)
        orgs.admin_phone.append(phone)
    return orgs


def _name(rng, taken: set[str], form: str, theme: str, street, community) -> str:
    """Typical names: 幸福里社区邻里互助会, 城关阳光助残服务中心, 太和区启明社会工作服务中心."""
    district_prefix = "太和区"
    for _attempt in range(40):
        if community is not None and (form == LegalForm.COMMUNITY_FILED or rng.random() < 0.6):
            prefix = community.name if rng.random() < 0.6 else community.name.removesuffix("社区")
        elif rng.random() < 0.8:
            prefix = street.name.removesuffix("街道") if rng.random() < 0.7 else street.name
        else:
            prefix = district_prefix
        brand = rng.choice(vocab.BRANDS) if rng.random() < 0.55 else ""
        name = f"{prefix}{brand}{theme}{rng.choice(vocab.SUFFIXES[form])}"
        if name not in taken and len(name) <= 100:
            taken.add(name)
            return name
    # Only at sizes far beyond a district's: number the name.
    n = len(taken)
    while (name := f"{district_prefix}{theme}{vocab.SUFFIXES[form][0]}{n}") in taken:
        n += 1
    taken.add(name)
    return name
