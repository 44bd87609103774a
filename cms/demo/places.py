"""太和区: 5 streets, 23 communities (as in the district research report), their grids and the
party organisations that run through them. Names are invented but typical of a Chinese city
district; codes are stable so that a second run finds what the first one made."""

from marketplace.places import services
from marketplace.places.choices import PartyOrgKind
from marketplace.places.models import Community, District, Grid, PartyOrganization, Street

from .base import DemoContext

DISTRICT = ("TH", "太和区")

# (street code, street name, [(community code, community name, number of grids), ...])
STREETS = [
    (
        "TH01",
        "城关街道",
        [
            ("TH0101", "幸福里社区", 5),
            ("TH0102", "和平社区", 4),
            ("TH0103", "解放路社区", 6),
            ("TH0104", "文化巷社区", 3),
            ("TH0105", "府前社区", 4),
        ],
    ),
    (
        "TH02",
        "东城街道",
        [
            ("TH0201", "东风社区", 5),
            ("TH0202", "朝阳社区", 6),
            ("TH0203", "建设路社区", 4),
            ("TH0204", "新华社区", 3),
            ("TH0205", "光明社区", 5),
        ],
    ),
    (
        "TH03",
        "西城街道",
        [
            ("TH0301", "西关社区", 4),
            ("TH0302", "民主社区", 3),
            ("TH0303", "胜利社区", 5),
            ("TH0304", "团结社区", 4),
            ("TH0305", "长青社区", 6),
        ],
    ),
    (
        "TH04",
        "南湖街道",
        [
            ("TH0401", "南湖社区", 6),
            ("TH0402", "滨湖社区", 5),
            ("TH0403", "荷花池社区", 3),
            ("TH0404", "青年路社区", 4),
        ],
    ),
    (
        "TH05",
        "北苑街道",
        [
            ("TH0501", "北苑社区", 4),
            ("TH0502", "翠园社区", 5),
            ("TH0503", "锦绣社区", 3),
            ("TH0504", "丰泽社区", 4),
        ],
    ),
]

# Branches of district bureaus, where in-service party members (在职党员) belong before they
# report to the community they live in.
WORKPLACE_BRANCHES = [
    ("TH-ZZ01", "区民政局机关党支部", "太和区民政局"),
    ("TH-ZZ02", "区教育局机关党支部", "太和区教育局"),
    ("TH-ZZ03", "区卫生健康局机关党支部", "太和区卫生健康局"),
    ("TH-ZZ04", "区住房和城乡建设局机关党支部", "太和区住房和城乡建设局"),
    ("TH-ZZ05", "区人力资源和社会保障局机关党支部", "太和区人力资源和社会保障局"),
]


def grid_code(community_code: str, n: int) -> str:
    return f"{community_code}G{n:02d}"


def grid_name(community_name: str, n: int) -> str:
    return f"{community_name}第{n}网格"


def ensure_district(ctx: DemoContext) -> District:
    """The district is the root of every scope: no role can exist before it, so no service can
    create it with a permission check. The demo makes it directly (and records that it did)."""
    from marketplace.core import audit

    code, name = DISTRICT
    district = District.objects.filter(code=code).first()
    if district is None:
        district = District.objects.create(code=code, name=name)
        audit.record(
            actor=None,
            action="places.district.create",
            obj=district,
            changes={"code": code, "name": name},
            reason="初始化:演示数据",
        )
        ctx.count("区")
    ctx.district = district
    return district


def seed_places(ctx: DemoContext) -> None:
    """Streets, communities and grids through the places services, as the district admin.

    A place is matched by its code, or failing that by its name under the same parent, so a
    place an administrator has since renumbered is not created a second time."""
    admin, district = ctx.admin, ctx.district
    streets = list(Street.objects.filter(district=district))
    communities = list(Community.objects.filter(district=district))
    grids = list(Grid.objects.filter(district=district))

    def find(rows, code, name, **parent):
        for row in rows:
            if row.code == code:
                return row
        for row in rows:
            if row.name == name and all(getattr(row, k) == v for k, v in parent.items()):
                return row
        return None

    for s_order, (s_code, s_name, community_rows) in enumerate(STREETS, start=1):
        street = find(streets, s_code, s_name)
        if street is None:
            street = services.street_create(
                actor=admin, district=district, code=s_code, name=s_name, sort_order=s_order
            )
            ctx.count("街道")
        for c_order, (c_code, c_name, grid_count) in enumerate(community_rows, start=1):
            community = find(communities, c_code, c_name, street_id=street.pk)
            if community is None:
                community = services.community_create(
                    actor=admin, street=street, code=c_code, name=c_name, sort_order=c_order
                )
                ctx.count("社区")
            for n in range(1, grid_count + 1):
                code, name = grid_code(c_code, n), grid_name(c_name, n)
                if find(grids, code, name, community_id=community.pk) is None:
                    services.grid_create(actor=admin, community=community, code=code, name=name, sort_order=n)
                    ctx.count("网格")


def seed_party_organizations(ctx: DemoContext) -> None:
    """One working committee per street, one committee per community, one branch per grid
    ("支部建在网格里"), and the workplace branches; created through the places services.

    Skipped when the code exists, or when the street, community or grid already has its
    organisation of that kind (one is all the model allows)."""
    admin, district = ctx.admin, ctx.district
    # Codes are unique across districts, so every existing code counts.
    codes = set(PartyOrganization.objects.values_list("code", flat=True))
    taken = set()
    levels = PartyOrganization.objects.filter(district=district).values_list(
        "kind", "street_id", "community_id", "grid_id"
    )
    for kind, street_id, community_id, grid_id in levels:
        if kind == PartyOrgKind.STREET_COMMITTEE:
            taken.add((kind, street_id))
        elif kind == PartyOrgKind.COMMUNITY_COMMITTEE:
            taken.add((kind, community_id))
        elif kind == PartyOrgKind.GRID_BRANCH:
            taken.add((kind, grid_id))

    def create(code: str, kind: str, level_id=None, **kwargs) -> None:
        if code in codes or (kind, level_id) in taken:
            return
        services.party_org_create(actor=admin, code=code, kind=kind, **kwargs)
        codes.add(code)
        ctx.count("党组织")

    # select_related: the service reads each parent's own parents, a query apiece otherwise.
    for street in Street.objects.filter(district=district).select_related("district").order_by("code"):
        create(
            f"{street.code}-DGW",
            PartyOrgKind.STREET_COMMITTEE,
            street.pk,
            name=f"{street.name}党工委",
            street=street,
        )
    for community in (
        Community.objects.filter(district=district).select_related("district", "street").order_by("code")
    ):
        create(
            f"{community.code}-DW",
            PartyOrgKind.COMMUNITY_COMMITTEE,
            community.pk,
            name=f"{community.name}党委",
            community=community,
        )
    for grid in (
        Grid.objects.filter(district=district)
        .select_related("district", "street", "community")
        .order_by("code")
    ):
        create(f"{grid.code}-ZB", PartyOrgKind.GRID_BRANCH, grid.pk, name=f"{grid.name}党支部", grid=grid)
    for code, name, workplace in WORKPLACE_BRANCHES:
        create(code, PartyOrgKind.WORKPLACE_BRANCH, name=name, district=district, workplace=workplace)
