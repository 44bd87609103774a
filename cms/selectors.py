"""Reads the portal's pages show about the domain: what a street or community page lists and
what a "live list" block embeds. Each function composes the domain apps' public selectors, so
what is public stays decided there; the number of queries does not depend on the data."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from marketplace.core.money import format_yuan
from marketplace.organizations import selectors as organizations
from marketplace.places import selectors as places
from marketplace.places.choices import PartyOrgKind
from marketplace.procurement import selectors as procurement
from marketplace.procurement.choices import ProjectStatus
from marketplace.volunteers import selectors as volunteers

# How many rows of each kind a street or community page shows before "see all".
PLACE_LIST_SIZE = 6

LIVE_LIST_KINDS = [
    ("projects", _("服务项目")),
    ("activities", _("志愿活动")),
    ("organizations", _("社会组织")),
]


@dataclass
class LiveList:
    kind: str
    total: int
    rows: list = field(default_factory=list)


def _open_projects(*, street_id=None, community_id=None, category=None):
    return procurement.project_list_public(
        street_id=street_id, community_id=community_id, category=category, status=ProjectStatus.PUBLISHED
    )


def _upcoming_activities(*, street_id=None, community_id=None):
    return volunteers.activity_list_public(street_id=street_id, community_id=community_id, upcoming_only=True)


def _organizations(*, street_id=None, community_id=None, category=None):
    return organizations.organization_directory(
        street_id=street_id, community_id=community_id, category=category
    )


def live_list(*, kind: str, street_id=None, community_id=None, category=None, limit: int = 5) -> LiveList:
    """Open projects, upcoming activities or public organisations of a place or category, the
    first ``limit`` of them and how many there are. Activities have no category."""
    if kind == "projects":
        qs = _open_projects(street_id=street_id, community_id=community_id, category=category)
    elif kind == "activities":
        qs = _upcoming_activities(street_id=street_id, community_id=community_id)
    elif kind == "organizations":
        qs = _organizations(street_id=street_id, community_id=community_id, category=category)
    else:
        return LiveList(kind=kind, total=0)
    rows = list(qs[:limit])
    for row in rows:
        # What the list templates show, in the same form as the projects and activities pages.
        if kind == "projects":
            row.budget_display = format_yuan(row.budget_ceiling_fen)
        elif kind == "activities":
            row.places_left = max(row.total_capacity - row.places_taken, 0)
    return LiveList(kind=kind, total=qs.count(), rows=rows)


@dataclass
class PlaceOverview:
    projects: LiveList
    activities: LiveList
    organizations: LiveList
    committees: list
    branches: list


def place_overview(*, street_id: int | None = None, community_id: int | None = None) -> PlaceOverview:
    """What a street or community page shows about its place: open projects, upcoming
    activities, organisations, and its party organisations (committees, then grid branches)."""
    size = PLACE_LIST_SIZE
    party_orgs = places.party_org_list(street_id=street_id) if street_id else places.party_org_list()
    if community_id:
        party_orgs = party_orgs.filter(community_id=community_id)
    committees, branches = [], []
    for org in party_orgs.exclude(kind=PartyOrgKind.WORKPLACE_BRANCH):
        (branches if org.kind == PartyOrgKind.GRID_BRANCH else committees).append(org)
    # The street's working committee leads its communities' committees.
    committees.sort(key=lambda org: (org.kind != PartyOrgKind.STREET_COMMITTEE, org.code))
    return PlaceOverview(
        projects=live_list(kind="projects", street_id=street_id, community_id=community_id, limit=size),
        activities=live_list(kind="activities", street_id=street_id, community_id=community_id, limit=size),
        organizations=live_list(
            kind="organizations", street_id=street_id, community_id=community_id, limit=size
        ),
        committees=committees,
        branches=branches,
    )


# How many rows of each live block the home page shows.
HOME_LIST_SIZE = 4
HOME_NOTICE_COUNT = 5


@dataclass
class FundProgress:
    summary: object  # fund.public_selectors.FundSummary
    raised: str
    disbursed: str
    available: str
    disbursed_percent: int


@dataclass
class StreetLink:
    street: object
    page: object | None  # its live street page, if there is one


@dataclass
class HomeOverview:
    projects: LiveList
    activities: LiveList
    funds: list[FundProgress]
    notices: list
    streets: list[StreetLink]


def _fund_progress() -> list[FundProgress]:
    from marketplace.fund.public_selectors import fund_list_public

    rows = []
    for summary in fund_list_public():
        if not summary.fund.active:
            continue
        raised = summary.raised_fen - summary.refunded_fen
        rows.append(
            FundProgress(
                summary=summary,
                raised=format_yuan(raised),
                disbursed=format_yuan(summary.disbursed_fen),
                available=format_yuan(summary.available_fen),
                disbursed_percent=min(100, summary.disbursed_fen * 100 // raised) if raised > 0 else 0,
            )
        )
    return rows


def latest_notices(limit: int = HOME_NOTICE_COUNT) -> list:
    """The newest live, public notices anywhere on the site, by their date."""
    from .models import NoticePage

    return list(NoticePage.objects.live().public().order_by("-date", "-first_published_at", "-pk")[:limit])


def _street_links() -> list[StreetLink]:
    from .models import StreetPage

    pages = {page.street_id: page for page in StreetPage.objects.live().public()}
    return [StreetLink(street=street, page=pages.get(street.pk)) for street in places.street_list()]


def home_overview() -> HomeOverview:
    """The home page's live blocks: open projects, upcoming activities, each active fund's
    progress, the latest notices and the streets with their pages. Constant queries."""
    return HomeOverview(
        projects=live_list(kind="projects", limit=HOME_LIST_SIZE),
        activities=live_list(kind="activities", limit=HOME_LIST_SIZE),
        funds=_fund_progress(),
        notices=latest_notices(),
        streets=_street_links(),
    )
