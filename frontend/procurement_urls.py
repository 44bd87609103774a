from django.urls import path

from . import procurement_views as views

app_name = "procurement"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("<int:project_id>/", views.project_detail, name="detail"),
    path("<int:project_id>/bid/<int:org_id>/", views.bid_form, name="bid"),
    path("<int:project_id>/ask/<int:org_id>/", views.question_ask, name="ask"),
    path("bids/<int:bid_id>/", views.receipt, name="receipt"),
    path("bids/<int:bid_id>/withdraw/", views.bid_withdraw, name="withdraw"),
    path("bids/<int:bid_id>/objection/", views.objection_raise, name="objection"),
    path("contracts/<int:contract_id>/", views.delivery, name="delivery"),
    path(
        "contracts/<int:contract_id>/milestones/<int:milestone_id>/report/",
        views.milestone_report,
        name="milestone_report",
    ),
]
