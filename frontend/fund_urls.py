from django.urls import path

from . import fund_views as views

app_name = "fund"

# Fixed paths first: a fund's code is a slug, so "mine" and "receipts" are matched before it.
urlpatterns = [
    path("", views.fund_list, name="list"),
    path("mine/", views.my_donations, name="mine"),
    path("receipts/<str:number>.pdf", views.receipt_pdf, name="receipt"),
    path("<slug:code>/", views.fund_detail, name="detail"),
    path("<slug:code>/ledger.csv", views.fund_ledger_csv, name="ledger_csv"),
    path("<slug:code>/donate/", views.donate, name="donate"),
    path("<slug:code>/donate/pay/", views.donation_pay, name="pay"),
    path("<slug:code>/donate/return/", views.donation_return, name="donation_return"),
    path("<slug:code>/<slug:sub>/", views.subfund_detail, name="subfund"),
    path("<slug:code>/<slug:sub>/ledger.csv", views.subfund_ledger_csv, name="subfund_ledger_csv"),
]
