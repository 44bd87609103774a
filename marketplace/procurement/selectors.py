"""Reads on service projects and bids, each scoped to what its viewer may see."""

from django.db.models import Count, Q, QuerySet

from marketplace.core import audit
from marketplace.core.exceptions import NotFound
from marketplace.core.permissions import can

from . import sealing
from .choices import BidStatus, ProjectStatus
from .models import Bid, Project

# Statuses in which the bids have been opened together; before them a bid is sealed.
OPENED_STATUSES = frozenset(
    {
        ProjectStatus.OPENED,
        ProjectStatus.EVALUATED,
        ProjectStatus.AWARD_PROPOSED,
        ProjectStatus.PUBLICITY,
        ProjectStatus.AWARDED,
        ProjectStatus.CONTRACTED,
        ProjectStatus.IN_DELIVERY,
        ProjectStatus.COMPLETED,
    }
)
PUBLIC_STATUSES = frozenset(
    set(ProjectStatus.values) - {ProjectStatus.DRAFT, ProjectStatus.PENDING_APPROVAL, ProjectStatus.APPROVED}
)


def bid_contents(*, viewer, bid: Bid) -> dict:
    """A bid's sealed contents, for the only people who may read them.

    Before the project is opened: the bidding organisation's own members, nobody else — not the
    street, not the district, not a superuser. After opening: also the buying street, the
    district and the project's evaluators, each read written to the audit trail. Anyone else is
    told the bid does not exist.
    """
    own = can(viewer, "procurement.bid.read_own", bid.organization)
    project = bid.project
    if not own:
        if project.status not in OPENED_STATUSES or bid.status == BidStatus.DRAFT:
            raise NotFound()
        if not can(viewer, "procurement.bid.read_opened", project):
            raise NotFound()
        audit.record(actor=viewer, action="procurement.bid.read", obj=bid)
    if not bid.sealed_contents:
        return {}
    return sealing.unseal(project, bid.sealed_contents)


def project_list_public(*, street_id=None, category=None, status=None) -> QuerySet[Project]:
    qs = (
        Project.objects.filter(status__in=PUBLIC_STATUSES)
        .select_related("street", "community")
        .annotate(
            bid_count=Count(
                "bids",
                filter=Q(
                    bids__status__in=[
                        BidStatus.SUBMITTED,
                        BidStatus.OPENED,
                        BidStatus.WON,
                        BidStatus.LOST,
                        BidStatus.DISQUALIFIED,
                    ]
                ),
            )
        )
    )
    if street_id:
        qs = qs.filter(street_id=street_id)
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-published_at", "-id")


def public_bid_count(project: Project) -> int:
    """Before opening only the number of bids is public."""
    return project.bids.filter(status=BidStatus.SUBMITTED, terms_version=project.terms_version).count()
