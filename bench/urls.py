"""The portal's URLs plus the ceiling: a Django view that returns a constant page.

It goes through the same server, workers and middleware as every page, so its throughput is
the most any page can reach on the machine; the read benchmark reports each page against it.
"""

from django.http import HttpResponse
from django.urls import path

from config.urls import handler404, handler500  # noqa: F401
from config.urls import urlpatterns as portal_urlpatterns

_CEILING_BODY = b"<!doctype html><html lang=zh-hans><title>ceiling</title><p>ok</p></html>"


def ceiling(request):
    return HttpResponse(_CEILING_BODY)


urlpatterns = [path("bench/ceiling/", ceiling), *portal_urlpatterns]
