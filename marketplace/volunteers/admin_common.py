"""What the back office's volunteer screens find for their viewer: an activity, a shift, a
sign-up, a record, a volunteer or a party report among those the viewer's staff roles cover,
else None (which the views turn into a 404). Shared by ``admin_activities``, ``admin_registry``
and ``viewsets`` so that none of them imports another's views.

The admin's own actions (who sees each menu item) are registered here: the registered domain
actions they stand for also name the owner (a volunteer reading their own entry), who has no
business in the staff back office.
"""

from marketplace.core.exceptions import NotFound
from marketplace.core.permissions import scope_queryset
from marketplace.core.roles import Role

from . import policies, selectors
from .models import PartyReport, ServiceRecord, Shift, Signup, Volunteer

ACTIVITY_NS = "volunteers_activity"
VOLUNTEER_NS = "volunteers_volunteer"
PARTY_REPORT_NS = "volunteers_party_report"

A, S, C, G = Role.DISTRICT_ADMIN, Role.STREET_OFFICIAL, Role.COMMUNITY_WORKER, Role.GRID_WORKER
ADMIN_ACTIVITIES = policies.ADMIN_ACTIVITIES
ADMIN_REGISTRY = policies.ADMIN_REGISTRY
ADMIN_PARTY_REPORTS = policies.ADMIN_PARTY_REPORTS

OVERSEE = "volunteers.activity.oversee"
MANAGE = "volunteers.activity.manage"


def activity_for_staff(user, pk):
    try:
        return selectors.activity_for_organiser(viewer=user, activity_id=pk)
    except NotFound:
        return None


def shift_for_staff(user, pk):
    shifts = Shift.objects.select_related("activity__street", "activity__community", "activity__grid")
    return scope_queryset(user, shifts, OVERSEE).filter(pk=pk).first()


def signup_for_staff(user, pk):
    signups = Signup.objects.select_related("shift", "activity", "volunteer__identity", "user")
    return scope_queryset(user, signups, OVERSEE).filter(pk=pk).first()


def record_for_staff(user, pk):
    records = ServiceRecord.objects.select_related(
        "shift", "activity", "volunteer__identity", "volunteer__user"
    )
    return scope_queryset(user, records, OVERSEE).filter(pk=pk).first()


def volunteer_list_for_staff(user):
    return scope_queryset(user, selectors.volunteer_list(viewer=user), ADMIN_REGISTRY).select_related(
        "party_organization", "street"
    )


def volunteer_for_staff(user, pk):
    return volunteer_list_for_staff(user).filter(pk=pk).first()


def party_report_for_staff(user, pk):
    reports = PartyReport.objects.select_related("volunteer__identity", "volunteer__user", "community")
    return scope_queryset(user, reports, ADMIN_PARTY_REPORTS).filter(pk=pk).first()


def volunteer_label(volunteer: Volunteer) -> str:
    """Name and masked phone: what staff lists show of a person."""
    found = selectors.contact(volunteer)
    return f"{found.name}({found.masked_phone})" if found.masked_phone else found.name
