from django.urls import path
from django.views.generic import RedirectView

from . import volunteer_views as views

app_name = "volunteers"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="volunteers:activities"), name="home"),
    path("register/", views.register, name="register"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<int:activity_id>/", views.activity_detail, name="activity"),
    path("shifts/<int:shift_id>/signup/", views.signup_create, name="signup"),
    path("signups/<int:signup_id>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("checkin/", views.checkin, name="checkin"),
    path("me/", views.me, name="me"),
    path("me/party-report/", views.party_report_submit, name="party_report"),
    path("rankings/", views.rankings, name="rankings"),
]
