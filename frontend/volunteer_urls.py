from django.urls import path
from django.views.generic import RedirectView

from . import volunteer_organiser_views as organise
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
    # A verified organisation's admins organise its activities (no back office for them).
    path("organise/<int:org_id>/", organise.activity_list, name="organise"),
    path("organise/<int:org_id>/new/", organise.activity_create, name="organise_create"),
    path("organise/<int:org_id>/a/<int:activity_id>/", organise.activity_detail, name="organise_activity"),
    path("organise/<int:org_id>/a/<int:activity_id>/edit/", organise.activity_edit, name="organise_edit"),
    path(
        "organise/<int:org_id>/a/<int:activity_id>/publish/",
        organise.activity_publish,
        name="organise_publish",
    ),
    path(
        "organise/<int:org_id>/a/<int:activity_id>/finish/", organise.activity_finish, name="organise_finish"
    ),
    path(
        "organise/<int:org_id>/a/<int:activity_id>/cancel/", organise.activity_cancel, name="organise_cancel"
    ),
    path("organise/<int:org_id>/a/<int:activity_id>/shifts/", organise.shift_add, name="organise_shift_add"),
    path(
        "organise/<int:org_id>/a/<int:activity_id>/message/", organise.message_send, name="organise_message"
    ),
    path("organise/<int:org_id>/shifts/<int:shift_id>/", organise.shift_detail, name="organise_shift"),
    path(
        "organise/<int:org_id>/shifts/<int:shift_id>/cancel/",
        organise.shift_cancel,
        name="organise_shift_cancel",
    ),
    path("organise/<int:org_id>/shifts/<int:shift_id>/qr/", organise.shift_qr, name="organise_qr"),
    path(
        "organise/<int:org_id>/shifts/<int:shift_id>/confirm-all/",
        organise.confirm_all,
        name="organise_confirm_all",
    ),
    path(
        "organise/<int:org_id>/signups/<int:signup_id>/check-in/", organise.check_in, name="organise_check_in"
    ),
    path(
        "organise/<int:org_id>/signups/<int:signup_id>/check-out/",
        organise.check_out,
        name="organise_check_out",
    ),
    path(
        "organise/<int:org_id>/records/<int:record_id>/confirm/",
        organise.record_confirm,
        name="organise_confirm",
    ),
    path(
        "organise/<int:org_id>/records/<int:record_id>/reject/",
        organise.record_reject,
        name="organise_reject",
    ),
    path(
        "organise/<int:org_id>/records/<int:record_id>/correct/",
        organise.record_correct,
        name="organise_correct",
    ),
]
