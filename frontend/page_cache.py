"""The anonymous page cache.

A public page (a view decorated with ``public_page``, or a public Wagtail page) asked for by a
visitor without a session is stored whole, with the tokens of every table it read
(``marketplace.core.table_versions``) and a tag of its URL path that Wagtail's frontend-cache
purging replaces (``PageCacheBackend``). The next such request is answered from the cache while
those tokens are unchanged: a new bid, a credited donation or a published page changes a table
the page read, and the next request renders it afresh.

Nothing personal can be stored: a request with a session (or flash messages) is neither served
from nor stored in the cache; a response is stored only if it set no cookie (a page that used
a CSRF token sets one), was not rendered for a signed-in user, and is not private. Each hit gets
a fresh Content-Security-Policy nonce, in the page and in the header alike.

``PAGE_CACHE_SECONDS`` bounds how stale a page may be for what changes with the clock alone
(a bid window closing, "upcoming" activities becoming past), which no write announces.
"""

import hashlib
import logging
from functools import lru_cache, wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import translation
from django.utils.csp import generate_nonce
from django.utils.http import split_header_value
from wagtail.contrib.frontend_cache.backends.base import BaseBackend
from wagtail.views import serve as wagtail_serve

from marketplace.core import table_versions
from search.tasks import PAGE_CACHE_TAG

logger = logging.getLogger(__name__)

_PUBLIC = "_page_cache_public"
# The only Vary values a stored page may carry: the language is part of the key and nothing of
# the cookies a cacheable request may send changes the page.
_ALLOWED_VARY = frozenset({"accept-language", "cookie"})
_NOT_STORED_HEADERS = frozenset({"content-length", "x-page-cache"})
# Changes of the search index, which lives outside the database with Elasticsearch.
SEARCH_INDEX = PAGE_CACHE_TAG


def url_tag(path: str) -> str:
    """The version-store name purged for a URL path (all its query strings)."""
    return "url:" + hashlib.sha1(path.encode(), usedforsecurity=False).hexdigest()


def mark_public(request, *, depends_on=()) -> None:
    """This request's response may be stored for anonymous visitors. ``depends_on``: more names
    (tables or tags) it depends on beyond the tables it reads."""
    setattr(request, _PUBLIC, True)
    table_versions.depend(depends_on)


def public_page(view=None, *, depends_on=()):
    """A view decorator: the page is the same for every anonymous visitor of its URL."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            mark_public(request, depends_on=depends_on)
            return view(request, *args, **kwargs)

        wrapped.page_cache_public = True
        return wrapped

    return decorator(view) if view is not None else decorator


def _eligible(request) -> bool:
    if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE_ENABLED:
        return False
    cookies = request.COOKIES
    return not (
        settings.SESSION_COOKIE_NAME in cookies
        or CookieStorage.cookie_name in cookies
        or "HTTP_AUTHORIZATION" in request.META
        # Wagtail's preview renders a draft through the middleware under the page's own URL.
        or getattr(request, "is_dummy", False)
    )


@lru_cache(maxsize=4096)
def _may_be_public(urlconf: str, path: str) -> bool:
    """Whether the view of this path may store its page. Other views (the API, the admin, the
    account pages) are served without a cache look-up and without recording what they read."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False
    return getattr(match.func, "page_cache_public", False) or match.func is wagtail_serve


def _key(request) -> str:
    language = translation.get_language_from_request(request)
    raw = f"{request.scheme}://{request.get_host()}{request.get_full_path()}\n{language}"
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def _storable(request, response) -> bool:
    if not getattr(request, _PUBLIC, False) or response.status_code != 200 or response.streaming:
        return False
    if response.cookies or _signed_in(request):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if "private" in cache_control or "no-store" in cache_control or "no-cache" in cache_control:
        return False
    vary = {v.lower() for v in split_header_value(response.get("Vary", ""))}
    return vary <= _ALLOWED_VARY


def _entry(request, response, recorded: dict) -> tuple:
    nonce = getattr(request, "_csp_nonce", None)
    # A LazyNonce is true only once something (a template, the CSP header) has used it.
    nonce = str(nonce) if nonce else ""
    headers = [(name, value) for name, value in response.items() if name.lower() not in _NOT_STORED_HEADERS]
    return (response.status_code, headers, response.content, nonce, dict(recorded))


def _replay(entry) -> HttpResponse:
    status, headers, body, nonce, _recorded = entry
    if nonce:
        # Nonces must never repeat across responses: one that did would let a script injected
        # into any page run in all of them.
        fresh = generate_nonce()
        body = body.replace(nonce.encode(), fresh.encode())
        headers = [(name, value.replace(nonce, fresh)) for name, value in headers]
    response = HttpResponse(body, status=status, headers=dict(headers))
    response["Content-Length"] = str(len(body))
    response["X-Page-Cache"] = "hit"
    return response


class PageCacheMiddleware:
    """Placed right after WhiteNoise: a hit skips sessions, authentication and the view. Only
    requests for views that may store their page (``public_page``, Wagtail's pages) are looked
    up and have their reads recorded."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _eligible(request) or not _may_be_public(
            get_urlconf(settings.ROOT_URLCONF), request.path_info
        ):
            return self.get_response(request)
        try:
            key = _key(request)
        except DisallowedHost:
            return self.get_response(request)
        try:
            store = caches[settings.PAGE_CACHE_ALIAS]
            entry = store.get(key)
            if entry is not None and table_versions.is_current(entry[4]):
                return _replay(entry)
        except Exception:
            logger.exception("the page cache is unreachable")
            return self.get_response(request)
        with table_versions.track_reads(depends_on=[url_tag(request.path)]) as recorded:
            response = self.get_response(request)
        if _storable(request, response):
            try:
                store.set(key, _entry(request, response, recorded), settings.PAGE_CACHE_SECONDS)
            except Exception:
                logger.exception("could not store a page in the page cache")
        response["X-Page-Cache"] = "miss"
        return response


class PageCacheBackend(BaseBackend):
    """Wagtail's frontend-cache purging (``WAGTAILFRONTENDCACHE``) for this cache: purging a
    URL replaces its path's tag, which every stored page of that path depends on."""

    def purge(self, url) -> None:
        self.purge_batch([url])

    def purge_batch(self, urls) -> None:
        table_versions.bump({url_tag(urlsplit(url).path or "/") for url in urls})


def search_index_changed(sender, task_result, **kwargs) -> None:
    """A search task finished: pages showing search results may have changed (with
    Elasticsearch the index is not a table a page's reads would record)."""
    if task_result.task.module_path.startswith("search.tasks."):
        table_versions.bump([SEARCH_INDEX])
