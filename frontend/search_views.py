"""The search page and the completions its box asks for. Thin: the form reads the parameters,
the search service answers, and this module only turns the answer into links (each facet value
and suggestion as the address that applies it)."""

from dataclasses import dataclass, replace

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from search import service
from search.backends.base import SearchUnavailable
from search.serializers import hit_fields
from search.types import FACETS, MAX_PAGE

from .page_cache import SEARCH_INDEX, public_page
from .search_forms import SearchForm

FACET_TITLES = {
    "kind": _("类型"),
    "street": _("街道"),
    "community": _("社区"),
    "category": _("类别"),
    "status": _("状态"),
}


@dataclass(frozen=True)
class ResultPage:
    """The page numbers of a result list, for the pager."""

    number: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages


def _href(params: dict[str, str], **changes) -> str:
    """The search page's address for ``params`` with ``changes`` (None removes a parameter)."""
    merged = {**params, **changes}
    merged = {name: value for name, value in merged.items() if value not in (None, "")}
    query = urlencode(merged)
    return f"{reverse('search:results')}?{query}" if query else reverse("search:results")


def _facets(results, params: dict[str, str]) -> list[dict]:
    facets = []
    for name in FACETS:
        selected = params.get(name, "")
        values = []
        for value in results.facets.get(name, []):
            is_selected = str(value.value) == selected
            values.append(
                {
                    "label": value.label,
                    "count": value.count,
                    "selected": is_selected,
                    # A picked value's link takes the filter off again.
                    "href": _href(params, **{name: None if is_selected else str(value.value)}),
                }
            )
        if values or selected:
            facets.append(
                {
                    "name": name,
                    "title": FACET_TITLES[name],
                    "values": values,
                    "selected": selected,
                    "clear_href": _href(params, **{name: None}) if selected else "",
                }
            )
    return facets


@require_safe
@public_page(depends_on=[SEARCH_INDEX])
def search_results(request):
    form = SearchForm(request.GET)
    text = form.text
    filters = form.filters()
    query = form.search_query()
    try:
        results = service.search(query)
    except SearchUnavailable as exc:
        return render(
            request,
            "search/results.html",
            {"form": form, "text": text, "filters": filters, "unavailable": exc.message},
            status=exc.status_code,
        )
    if query.page > 1 and not results.hits and results.total:
        # A link to a page that no longer exists (the index shrank): show the last one instead.
        results = service.search(replace(query, page=min(results.pages, MAX_PAGE)))
    params = {"q": text, **filters}
    pages = min(results.pages, MAX_PAGE)
    page = ResultPage(number=results.query.page, num_pages=pages)
    return render(
        request,
        "search/results.html",
        {
            "form": form,
            "text": text,
            "filters": filters,
            "problems": form.problems(),
            "results": results,
            "hits": [hit_fields(hit) for hit in results.hits],
            "facets": _facets(results, params),
            "suggestions": [{"word": word, "href": _href(params, q=word)} for word in results.suggestions],
            "page": page,
            "previous_href": _href(params, page=page.number - 1 if page.number > 2 else None)
            if page.has_previous
            else "",
            "next_href": _href(params, page=page.number + 1) if page.has_next else "",
            "clear_filters_href": _href({"q": text}) if filters else "",
        },
    )


@require_safe
def search_suggest(request):
    """Completions for the search box (the page works without them)."""
    # The page's own checks: too long a text (or one holding a NUL) completes to nothing.
    text = SearchForm(request.GET).text
    try:
        suggestions = service.suggest(text)
    except SearchUnavailable:
        suggestions = []  # the box simply offers nothing; the search itself says what happened
    return JsonResponse({"suggestions": suggestions}, json_dumps_params={"ensure_ascii": False})
