"""The REST API at /api/v1/: each app contributes its viewsets here."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from marketplace.accounts.api import MeView, NotificationPreferenceView, NotificationViewSet
from marketplace.places.api import CommunityViewSet, GridViewSet, PartyOrganizationViewSet, StreetViewSet

router = DefaultRouter()
router.register("streets", StreetViewSet, basename="street")
router.register("communities", CommunityViewSet, basename="community")
router.register("grids", GridViewSet, basename="grid")
router.register("party-organizations", PartyOrganizationViewSet, basename="party-organization")
router.register("notifications", NotificationViewSet, basename="notification")

api_urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path(
        "me/notification-preferences/",
        NotificationPreferenceView.as_view(),
        name="api-notification-preferences",
    ),
    path("", include(router.urls)),
]
