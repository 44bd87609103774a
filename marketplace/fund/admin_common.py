"""What the back office's fund screens find for their viewer: a fund, a donation, a disbursement,
a disclosure or a fund's journal among those the viewer's staff roles cover (the district admins
of the fund's district), else None (which the views turn into a 404). Every list is built here
with the joins its columns need, so that its query count does not grow with its rows.

Shared by ``viewsets`` and the ``admin_*`` modules, so that none of them imports another's views.
Who may read what is ``policies``'s: "fund.fund.oversee" reads the books and the donor list.
"""

from django.db.models import Prefetch

from marketplace.core.permissions import scope_queryset

from .models import Disbursement, Disclosure, Donation, Fund, JournalEntry, Posting

FUND_NS = "fund_fund"
DONATION_NS = "fund_donation"
DISBURSEMENT_NS = "fund_disbursement"
DISCLOSURE_NS = "fund_disclosure"

OVERSEE = "fund.fund.oversee"
MANAGE = "fund.fund.manage"


def fund_list_for_staff(user):
    return scope_queryset(user, Fund.objects.select_related("district"), OVERSEE).order_by("code")


def fund_for_staff(user, pk):
    return fund_list_for_staff(user).filter(pk=pk).first()


def donation_list_for_staff(user):
    return (
        scope_queryset(user, Donation.objects.select_related("fund", "subfund", "evidence"), OVERSEE)
        .defer("contact")
        .order_by("-created_at", "-id")
    )


def donation_for_staff(user, pk):
    # The receipt contact is loaded here only: the inspect page shows it to the district.
    found = scope_queryset(
        user, Donation.objects.select_related("fund", "subfund", "evidence", "recorded_by"), OVERSEE
    )
    return found.filter(pk=pk).first()


def disbursement_list_for_staff(user):
    return scope_queryset(
        user,
        Disbursement.objects.select_related(
            "fund",
            "subfund",
            "milestone__contract__project",
            "incubation__organization",
            "proposed_by",
            "approved_by",
            "second_approved_by",
        ),
        OVERSEE,
    ).order_by("-proposed_at", "-id")


def disbursement_for_staff(user, pk):
    return disbursement_list_for_staff(user).select_related("rejected_by").filter(pk=pk).first()


def disclosure_list_for_staff(user):
    return scope_queryset(user, Disclosure.objects.select_related("fund", "published_by"), OVERSEE).order_by(
        "due_on", "id"
    )


def disclosure_for_staff(user, pk):
    return disclosure_list_for_staff(user).filter(pk=pk).first()


def journal_for_staff(fund):
    """The fund's entries, oldest first, each with its postings and their accounts (three queries
    per page whatever the number of entries)."""
    postings = Posting.objects.select_related("account__subfund").order_by("id")
    return (
        JournalEntry.objects.filter(fund=fund)
        .prefetch_related(Prefetch("postings", queryset=postings))
        .order_by("created_at", "id")
    )
