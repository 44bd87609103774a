"""What search indexes, read from the domain: one ``SearchDocument`` per public project,
verified organisation, public volunteer activity and live, public page.

The domain's selectors decide what is public and hand over plain records (dicts) that never hold
a sealed bid, a contact, a credit code or a person's name; this module only shapes them into
documents. Each ``<kind>_documents(ids)`` takes a constant number of queries whatever the number
of ids, and an id with no document (a draft, a suspended organisation, an unpublished page) is
simply absent from the answer, which is how the indexing tasks know to remove it.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from html import unescape
from types import SimpleNamespace

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags

from .types import KINDS, SearchDocument

BATCH_SIZE = 500


def _in_site_language(fn):
    """Documents are indexed in the site's language (Chinese) whoever triggered the indexing."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return fn(*args, **kwargs)

    return wrapper


def _join(*parts) -> str:
    return "\n".join(str(p).strip() for p in parts if p and str(p).strip())


def _as_datetime(value) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        return value
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))


def _ids(ids) -> list[int] | None:
    return None if ids is None else sorted({int(i) for i in ids})


# --- projects ---------------------------------------------------------------------------------
@_in_site_language
def project_documents(ids=None) -> list[SearchDocument]:
    from marketplace.procurement.selectors import project_search_documents

    return [
        SearchDocument(
            kind="project",
            object_id=row["id"],
            title=row["title"],
            body=row["body"],
            url=reverse("procurement:detail", args=[row["id"]]),
            street_id=row["street_id"],
            street=row["street"],
            community_id=row["community_id"],
            community=row["community"],
            category=row["category"],
            status=row["status"],
            open=bool(row["open"]),
            date=row["published_at"],
        )
        for row in project_search_documents(_ids(ids))
        # A project cancelled before it was ever published was never public.
        if row["published_at"] is not None
    ]


# --- organisations ----------------------------------------------------------------------------
@_in_site_language
def organization_documents(ids=None) -> list[SearchDocument]:
    from marketplace.organizations.selectors import organization_search_documents

    return [
        SearchDocument(
            kind="organization",
            object_id=row["id"],
            title=row["name"],
            body=_join(row["description"], " ".join(row["tags"])),
            url=reverse("organizations:profile", args=[row["id"]]),
            street_id=row["street_id"],
            street=row["street"],
            community_id=row["community_id"],
            community=row["community"],
            category=row["category"],
            status=row["status"],
            date=row["verified_at"],
        )
        for row in organization_search_documents(_ids(ids))
    ]


# --- volunteer activities ---------------------------------------------------------------------
@_in_site_language
def activity_documents(ids=None) -> list[SearchDocument]:
    from marketplace.volunteers.selectors import activity_search_documents

    return [
        SearchDocument(
            kind="activity",
            object_id=row["id"],
            title=row["title"],
            body=_join(row["description"], row["place"], row["organizer"], " ".join(row["skills"])),
            url=reverse("volunteers:activity", args=[row["id"]]),
            street_id=row["street_id"],
            street=row["street"],
            community_id=row["community_id"],
            community=row["community"],
            status=row["status"],
            open=bool(row["open"]),
            date=row["first_shift_at"] or row["published_at"],
        )
        for row in activity_search_documents(_ids(ids))
    ]


# --- pages ------------------------------------------------------------------------------------
def page_categories() -> dict:
    """The page types search covers, each with its category (the facet value)."""
    from cms.models import (
        CommunityPage,
        NoticePage,
        PartyNewsPage,
        PolicyDocumentPage,
        StandardPage,
        StreetPage,
    )

    return {
        NoticePage: "notice",
        PolicyDocumentPage: "policy",
        PartyNewsPage: "party_news",
        StandardPage: "standard",
        StreetPage: "street",
        CommunityPage: "community",
    }


def _html_text(html) -> str:
    return unescape(strip_tags(str(html or ""))).strip()


def stream_text(stream) -> str:
    """The words of a StreamField as a reader sees them: paragraphs without their tags, quotes,
    image captions and the names given to documents. Read from the stored data, so no chooser
    block costs a query; live lists are left out (they are the other documents' business)."""
    parts = []
    for block in stream.raw_data if stream is not None else ():
        kind, value = block.get("type"), block.get("value")
        if kind == "paragraph":
            parts.append(_html_text(value))
        elif kind == "quote" and isinstance(value, dict):
            parts += [value.get("text", ""), value.get("attribution", "")]
        elif kind in ("image", "document") and isinstance(value, dict):
            parts.append(value.get("caption") or value.get("title") or "")
    return _join(*parts)


def _page_body(page) -> str:
    from cms.models import PolicyDocumentPage

    if isinstance(page, PolicyDocumentPage):
        return _join(
            page.issuing_body,
            page.document_number,
            page.summary,
            stream_text(page.body),
            stream_text(page.attachments),
        )
    intro = getattr(page, "intro", "")
    return _join(_html_text(intro), stream_text(getattr(page, "body", None)))


def _page_date(page):
    day = getattr(page, "date", None) or getattr(page, "issue_date", None)
    return _as_datetime(day) or page.first_published_at or page.last_published_at


def _page_url(page, cache) -> str | None:
    parts = page.get_url_parts(request=cache)
    if parts is None or parts[2] is None:
        return None
    _site_id, root_url, path = parts
    # One site: a path on it, as Wagtail itself links; several: the full address.
    single = len({srp.site_id for srp in cache._wagtail_cached_site_root_paths}) == 1
    return path if single else root_url + path


@_in_site_language
def page_documents(ids=None) -> list[SearchDocument]:
    from wagtail.models import Page

    from cms.models import CommunityPage, StreetPage

    categories = page_categories()
    qs = Page.objects.live().public().type(*categories).order_by("path")
    if ids is not None:
        qs = qs.filter(pk__in=_ids(ids))
    pages = list(qs.specific(defer=False))
    if not pages:
        return []
    # Street sections are few: two queries place every page under its street and community.
    streets = [
        (p.path, p.street_id, p.street.name)
        for p in StreetPage.objects.select_related("street").order_by("path")
    ]
    communities = [
        (p.path, p.community_id, p.community.name)
        for p in CommunityPage.objects.select_related("community").order_by("path")
    ]
    cache = SimpleNamespace()
    documents = []
    for page in pages:
        url = _page_url(page, cache)
        if url is None:
            continue
        street = next((s for s in streets if page.path.startswith(s[0])), (None, None, ""))
        community = next((c for c in communities if page.path.startswith(c[0])), (None, None, ""))
        documents.append(
            SearchDocument(
                kind="page",
                object_id=page.pk,
                title=page.title,
                body=_page_body(page),
                url=url,
                street_id=street[1],
                street=street[2],
                community_id=community[1],
                community=community[2],
                category=categories[type(page)],
                status="live",
                date=_page_date(page),
            )
        )
    return documents


# --- all of them ------------------------------------------------------------------------------
SOURCES: dict[str, Callable[..., list[SearchDocument]]] = {
    "project": project_documents,
    "organization": organization_documents,
    "activity": activity_documents,
    "page": page_documents,
}


def documents(kind: str, ids=None) -> list[SearchDocument]:
    try:
        source = SOURCES[kind]
    except KeyError:
        raise ValueError(f"unknown search kind {kind!r}; one of {', '.join(KINDS)}") from None
    return source(ids)


def candidate_ids(kind: str) -> list[int]:
    """Every id that could have a document of this kind, public or not (the source keeps the
    public ones): the rows to walk through when the whole kind is indexed again."""
    from wagtail.models import Page

    from marketplace.organizations.models import Organization
    from marketplace.procurement.models import Project
    from marketplace.volunteers.models import Activity

    if kind == "page":
        qs = Page.objects.type(*page_categories())
    else:
        model = {"project": Project, "organization": Organization, "activity": Activity}[kind]
        qs = model.objects.all()
    return list(qs.order_by("pk").values_list("pk", flat=True))


def batches(kind: str, batch_size: int = BATCH_SIZE) -> Iterator[tuple[list[int], list[SearchDocument]]]:
    """The kind's candidate ids in batches, each with its documents."""
    ids = candidate_ids(kind)
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        yield chunk, documents(kind, chunk)


def all_documents(kinds: Iterable[str] = KINDS, batch_size: int = BATCH_SIZE) -> Iterator[SearchDocument]:
    """Every document of every kind, read a batch at a time (for the rebuild)."""
    for kind in kinds:
        for _chunk, docs in batches(kind, batch_size):
            yield from docs
