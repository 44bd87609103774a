"""``{% publiccache "name" vary1 vary2 [when=condition] %}...{% endpubliccache %}``: a fragment
that is the same for every visitor, cached for signed-in pages too.

The fragment is keyed by its name, the vary values and the active language, and it is current
exactly while the tables read to render it are unchanged (``marketplace.core.table_versions``).
Wrap only what holds nothing personal: public lists and tables, never a form, a name of the
visitor or anything that depends on their roles. What the fragment shows must be read inside
it (pass lazy querysets or ``SimpleLazyObject``), or a hit saves nothing. With ``when=`` false
(e.g. results filtered for the visitor) the fragment is rendered and not cached. A fragment
that contains a CSRF token or the response's CSP nonce is never stored.

A hit inside a page being cached whole adds the fragment's tables to the page's dependencies.
"""

import logging

from django import template
from django.conf import settings
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.utils import translation
from django.utils.safestring import mark_safe

from marketplace.core import table_versions

logger = logging.getLogger(__name__)
register = template.Library()


class PublicCacheNode(template.Node):
    def __init__(self, nodelist, name, vary_on, when):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on
        self.when = when

    def render(self, context):
        if not settings.PAGE_CACHE_ENABLED or (self.when is not None and not self.when.resolve(context)):
            return self.nodelist.render(context)
        vary = [v.resolve(context) for v in self.vary_on]
        name = self.name.resolve(context)
        key = make_template_fragment_key(f"public:{name}", [*vary, translation.get_language()])
        try:
            store = caches[settings.PAGE_CACHE_ALIAS]
            entry = store.get(key)
            if entry is not None and table_versions.is_current(entry[1]):
                table_versions.record(entry[1])
                return mark_safe(entry[0])
        except Exception:
            logger.exception("the fragment cache is unreachable")
            return self.nodelist.render(context)
        with table_versions.track_reads() as recorded:
            html = self.nodelist.render(context)
        if _shareable(html, context):
            try:
                store.set(key, (str(html), dict(recorded)), settings.PAGE_CACHE_SECONDS)
            except Exception:
                logger.exception("could not store a fragment")
        return html


def _shareable(html: str, context) -> bool:
    if "csrfmiddlewaretoken" in html:
        return False
    request = context.get("request")
    nonce = getattr(request, "_csp_nonce", None)
    return not (nonce and str(nonce) in html)


@register.tag("publiccache")
def do_publiccache(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' needs a fragment name.")
    nodelist = parser.parse(("endpubliccache",))
    parser.delete_first_token()
    vary_on, when = [], None
    for bit in bits[2:]:
        if bit.startswith("when="):
            when = parser.compile_filter(bit.removeprefix("when="))
        else:
            vary_on.append(parser.compile_filter(bit))
    return PublicCacheNode(nodelist, parser.compile_filter(bits[1]), vary_on, when)
