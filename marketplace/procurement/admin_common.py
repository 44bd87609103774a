"""What the back office's procurement screens find for their viewer: a project, a bid, an
objection or a milestone among those the viewer's staff roles cover (the buying street's
officials, the district), else None (which the views turn into a 404). The evaluators' own
screens find their projects through ``selectors.evaluator_projects`` instead.

Shared by ``viewsets``, ``admin_evaluation``, ``admin_delivery`` and ``exports``, so that none of
them imports another's views.
"""

from django.db.models import Count, F, Q

from marketplace.core.permissions import can, scope_queryset

from .choices import BidStatus
from .models import Bid, Milestone, Objection, Project, Question

PROJECT_NS = "procurement_project"
EVALUATION_NS = "procurement_evaluation"
CHANGE = "procurement.project.change"
VIEW = "procurement.project.view"


def _current_bid_count():
    return Count("bids", filter=Q(bids__status=BidStatus.SUBMITTED, bids__terms_version=F("terms_version")))


def project_list_for_staff(user):
    return (
        scope_queryset(user, Project.objects.select_related("street", "community"), VIEW)
        .annotate(current_bid_count=_current_bid_count())
        .order_by("-created_at", "-id")
    )


def project_for_staff(user, project_id):
    return project_list_for_staff(user).filter(pk=project_id).first()


def question_for_staff(user, question_id):
    question = Question.objects.select_related("project").filter(pk=question_id).first()
    if question is None or not can(user, CHANGE, question.project):
        return None
    return question


def bid_for_staff(user, bid_id):
    bid = Bid.objects.select_related("project", "organization").filter(pk=bid_id).first()
    if bid is None or not can(user, VIEW, bid.project):
        return None
    return bid


def objection_for_staff(user, objection_id):
    objection = Objection.objects.select_related("project", "organization").filter(pk=objection_id).first()
    if objection is None or not can(user, VIEW, objection.project):
        return None
    return objection


def milestone_for_staff(user, milestone_id):
    return (
        scope_queryset(
            user,
            Milestone.objects.select_related(
                "contract__project__street", "contract__organization", "payment"
            ),
            VIEW,
        )
        .filter(pk=milestone_id)
        .first()
    )
