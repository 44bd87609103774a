"""Volunteer service certificates: the public check page and the owner's PDF (mounted at
/certificates/)."""

from django.urls import path

from . import volunteer_certificate_views as views

app_name = "certificates"

urlpatterns = [
    path("", views.certificate_lookup, name="lookup"),
    path("mine/", views.certificate_mine, name="mine"),
    path("<str:number>/", views.certificate_check, name="check"),
    path("<str:number>/download/", views.certificate_download, name="download"),
]
