from django.conf import settings
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config.api import api_urlpatterns
from config.health import healthz
from marketplace.core.api import not_found
from marketplace.fund.webhooks import stripe_webhook

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/.*/\Z", not_found),
    # Without a CSRF token, so that cached anonymous pages carry none: switching the display
    # language is harmless, and the view only follows a same-site "next".
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("documents/", include(wagtaildocs_urls)),
    path("organizations/", include("frontend.organization_urls")),
    path("projects/", include("frontend.procurement_urls")),
    path("volunteers/", include("frontend.volunteer_urls")),
    path("certificates/", include("frontend.volunteer_certificate_urls")),
    path("fund/stripe/webhook/", stripe_webhook, name="fund-stripe-webhook"),
    path("fund/", include("frontend.fund_urls")),
    path("search/", include("frontend.search_urls")),
    path("", include("frontend.urls")),
    # Wagtail's page serving comes last: it matches every remaining path.
    path("", include(wagtail_urls)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns

handler404 = "frontend.views.page_not_found"
handler500 = "frontend.views.server_error"
