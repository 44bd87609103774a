"""The REST API at /api/v1/: each app contributes its viewsets here."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from marketplace.accounts.api import MeTokenView, MeView, NotificationPreferenceView, NotificationViewSet
from marketplace.core.api import not_found
from marketplace.organizations.api import (
    CohortScorecardExportView,
    CohortViewSet,
    OrganizationDirectoryExportView,
    OrganizationViewSet,
)
from marketplace.places.api import CommunityViewSet, GridViewSet, PartyOrganizationViewSet, StreetViewSet
from marketplace.procurement.api import BidViewSet, MilestoneViewSet, ProjectOcdsView, ProjectViewSet
from marketplace.procurement.api_manage import (
    ManageBidViewSet,
    ManageContractViewSet,
    ManageMilestoneViewSet,
    ManageObjectionViewSet,
    ManageProjectViewSet,
    ManageQuestionViewSet,
)
from marketplace.volunteers.api import (
    ActivityViewSet,
    CertificateVerifyView,
    CertificateViewSet,
    CheckinView,
    MyVolunteerView,
    ShiftViewSet,
    SignupViewSet,
)
from search.api import SearchView, SuggestView

router = DefaultRouter()
router.register("streets", StreetViewSet, basename="street")
router.register("communities", CommunityViewSet, basename="community")
router.register("grids", GridViewSet, basename="grid")
router.register("party-organizations", PartyOrganizationViewSet, basename="party-organization")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("cohorts", CohortViewSet, basename="cohort")
router.register("projects", ProjectViewSet, basename="project")
router.register("bids", BidViewSet, basename="bid")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("manage/projects", ManageProjectViewSet, basename="manage-project")
router.register("manage/questions", ManageQuestionViewSet, basename="manage-question")
router.register("manage/bids", ManageBidViewSet, basename="manage-bid")
router.register("manage/objections", ManageObjectionViewSet, basename="manage-objection")
router.register("manage/milestones", ManageMilestoneViewSet, basename="manage-milestone")
router.register("manage/contracts", ManageContractViewSet, basename="manage-contract")
router.register("activities", ActivityViewSet, basename="activity")
router.register("shifts", ShiftViewSet, basename="shift")
router.register("signups", SignupViewSet, basename="signup")
router.register("certificates", CertificateViewSet, basename="certificate")

api_urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path(
        "me/notification-preferences/",
        NotificationPreferenceView.as_view(),
        name="api-notification-preferences",
    ),
    path("me/token/", MeTokenView.as_view(), name="api-me-token"),
    path("me/volunteer/", MyVolunteerView.as_view(), name="api-me-volunteer"),
    path("checkin/", CheckinView.as_view(), name="api-checkin"),
    re_path(
        r"^certificates/(?P<id>[^/]+)/verify/$",
        CertificateVerifyView.as_view(),
        name="api-certificate-verify",
    ),
    # Before the router, whose "{pk}.{format}" route would take "export" for an id.
    path(
        "organizations/export.xlsx",
        OrganizationDirectoryExportView.as_view(),
        name="api-organizations-export",
    ),
    re_path(
        r"^cohorts/(?P<id>[^/]+)/scorecards\.xlsx$",
        CohortScorecardExportView.as_view(),
        name="api-cohort-scorecards-export",
    ),
    re_path(r"^projects/(?P<id>[^/]+)/ocds/$", ProjectOcdsView.as_view(), name="api-project-ocds"),
    path("search/", SearchView.as_view(), name="api-search"),
    path("search/suggest/", SuggestView.as_view(), name="api-search-suggest"),
    path("", include(router.urls)),
    # Last: an unknown path (or an id the router refuses, such as "1.5") is a JSON 404. Only
    # paths ending in a slash, so that APPEND_SLASH still redirects "streets" to "streets/".
    re_path(r"^.*/\Z", not_found),
]
