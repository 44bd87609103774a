"""The Wagtail admin under the portal's Content-Security-Policy.

The portal sends a strict policy (``SECURE_CSP``): scripts and styles only from our origin or
with the request's nonce. Wagtail 8's admin does not fully live with it, in three ways:

1. Date/time pickers and inline panels print their initialiser as an inline ``<script>`` from a
   template. The portal's template overrides (``frontend/templates/wagtailadmin/``) print it as
   data (``<span hidden data-portal-init=...>``) and ``portal/wagtail-admin-csp.js`` runs it.
2. Chooser widgets (page, image, document, snippet, task) print their initialiser from Python
   (``BaseChooser.render``): ``<script>new ImageChooser("id_image", {...});</script>``, also
   inside the ``<template>`` that inline panels clone for a new row. This middleware rewrites
   exactly those scripts in admin pages into the same kind of data, after checking that each
   is nothing but a call of a known chooser constructor with an id and one JSON object. Any
   other inline script, injected or not, is left alone and stays blocked by the browser.
3. The rich-text editor (Draftail, a React app) renders ``<style>`` elements at run time that
   React gives no nonce. Under the admin's prefix styles therefore also allow
   ``'unsafe-inline'``; the nonce has to leave ``style-src`` there, because browsers ignore
   ``'unsafe-inline'`` next to a nonce. Injected CSS can restyle an admin page but not run
   code, and the admin is reached only by staff who passed two-factor authentication. Image
   uploads preview the chosen files from ``blob:`` URLs, so ``img-src`` allows those too.
   Scripts keep the public site's policy.
"""

import json
import re

from django.conf import settings
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html

# The exact shapes of BaseChooser.render_js_init and AdminTaskChooser.render_js_init.
_INLINE_SCRIPT = re.compile(r"<script>(?P<body>[^<]*)</script>")
_CHOOSER_INIT = re.compile(
    r"new (?P<constructor>Chooser|PageChooser|ImageChooser|DocumentChooser|SnippetChooser)"
    r"\(\"(?P<id>[A-Za-z0-9_-]+)\", (?P<options>\{.*\})\);",
    re.DOTALL,
)
_TASK_CHOOSER_INIT = re.compile(r"createTaskChooser\(\"(?P<id>[A-Za-z0-9_-]+)\"\);")


def chooser_initialiser_as_data(body: str) -> str | None:
    """The data element that replaces the inline script ``body``, or None if ``body`` is
    anything but one of Wagtail's chooser initialisers."""
    if match := _TASK_CHOOSER_INIT.fullmatch(body):
        return format_html(
            '<span hidden data-portal-init="task-chooser" data-target="{}"></span>', match["id"]
        )
    match = _CHOOSER_INIT.fullmatch(body)
    if match is None:
        return None
    try:
        options = json.loads(match["options"])
    except ValueError:
        # Not one JSON object: something else hides between the braces.
        return None
    if not isinstance(options, dict):
        return None
    return format_html(
        '<span hidden data-portal-init="chooser" data-widget="{}" data-target="{}" data-config="{}"></span>',
        match["constructor"],
        match["id"],
        json.dumps(options),
    )


def rewrite_chooser_scripts(html: str) -> tuple[str, int]:
    count = 0

    def replace(match):
        nonlocal count
        data = chooser_initialiser_as_data(match["body"])
        if data is None:
            return match[0]
        count += 1
        return data

    return _INLINE_SCRIPT.sub(replace, html), count


def admin_policy() -> dict:
    policy = {directive: list(values) for directive, values in settings.SECURE_CSP.items()}
    policy["style-src"] = [CSP.SELF, CSP.UNSAFE_INLINE]
    policy["img-src"] = [*policy.get("img-src", [CSP.SELF]), "blob:"]
    return policy


class AdminContentSecurityPolicyMiddleware:
    """Under the Wagtail admin's URL prefix: the admin policy, and chooser scripts as data.

    Sits below ``django.middleware.csp.ContentSecurityPolicyMiddleware`` in ``MIDDLEWARE`` so
    that it marks the response before Django's middleware writes the header from it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = SimpleLazyObject(lambda: reverse("wagtailadmin_home"))

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(str(self.admin_prefix)):
            return response
        if not response.streaming and response.get("Content-Type", "").startswith("text/html"):
            charset = response.charset or "utf-8"
            try:
                html, count = rewrite_chooser_scripts(response.content.decode(charset))
            except UnicodeDecodeError:
                html, count = "", 0
            if count:
                response.content = html.encode(charset)
                if response.has_header("Content-Length"):
                    response["Content-Length"] = str(len(response.content))
        if not hasattr(response, "_csp_config"):
            response._csp_config = admin_policy()
        return response


def policy_with_sources(extra: dict[str, list[str]]) -> dict:
    """The portal's policy with ``extra`` sources added to some directives. A directive the
    portal leaves to ``default-src`` starts from ``default-src``'s sources, so adding to it never
    takes away what it allowed before."""
    policy = {directive: list(values) for directive, values in settings.SECURE_CSP.items()}
    default = policy.get("default-src", [CSP.SELF])
    for directive, sources in extra.items():
        values = policy.setdefault(directive, list(default))
        values.extend(s for s in sources if s not in values)
    return policy


def csp_allow(extra: dict[str, list[str]]):
    """A view decorator: this view's pages (and only these) also allow ``extra``, e.g. a payment
    provider's script and frames on the donation page. Django's CSP middleware reads the policy
    from the response (``_csp_config``) when it writes the header; the policy is built from the
    settings per response, so it follows the settings in force."""
    from functools import wraps

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response._csp_config = policy_with_sources(extra)
            return response

        return wrapped

    return decorator
