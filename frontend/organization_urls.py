from django.urls import path

from . import organization_views as views

app_name = "organizations"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("register/", views.register, name="register"),
    path("incubator/", views.incubator, name="incubator"),
    path(
        "incubator/<int:cohort_id>/apply/<int:org_id>/",
        views.application_submit,
        name="application_submit",
    ),
    path("<int:org_id>/", views.profile, name="profile"),
    path("<int:org_id>/manage/", views.manage, name="manage"),
    path("<int:org_id>/manage/edit/", views.edit, name="edit"),
    path("<int:org_id>/manage/documents/", views.document_add, name="document_add"),
    path("<int:org_id>/manage/members/", views.member_add, name="member_add"),
    path("<int:org_id>/manage/resubmit/", views.resubmit, name="resubmit"),
    path("<int:org_id>/manage/activities/", views.activity_record, name="activity_record"),
    path("<int:org_id>/manage/reports/<int:report_id>/submit/", views.report_submit, name="report_submit"),
]
