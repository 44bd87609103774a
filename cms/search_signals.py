"""Tell search when a page of the portal is published, unpublished, moved, restricted or deleted.

Search covers live, public pages (``search.sources.page_documents``); a page's document also
carries its address and its street section, which change for a whole subtree when a page is
moved or its slug changes, and a view restriction hides a whole subtree. The re-index reads the
pages again after commit, so a page that is no longer live or public is dropped from the index.
"""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from search import indexing


def _subtree(page) -> list[int]:
    return list(Page.objects.descendant_of(page, inclusive=True).values_list("pk", flat=True))


def published(sender, instance, **kwargs):
    from .models import CommunityPage, StreetPage

    # A street or community page names the section of every page under it.
    place = isinstance(instance, StreetPage | CommunityPage)
    indexing.changed("page", _subtree(instance) if place else [instance.pk])


def unpublished(sender, instance, **kwargs):
    indexing.changed("page", [instance.pk])


def subtree_changed(sender, instance, **kwargs):
    indexing.changed("page", _subtree(instance))


def restriction_changed(sender, instance, **kwargs):
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        indexing.changed("page", _subtree(page))


def deleted(sender, instance, **kwargs):
    indexing.removed("page", [instance.pk])


def connect() -> None:
    page_published.connect(published, dispatch_uid="search.page_published")
    page_unpublished.connect(unpublished, dispatch_uid="search.page_unpublished")
    page_slug_changed.connect(subtree_changed, dispatch_uid="search.page_slug_changed")
    post_page_move.connect(subtree_changed, dispatch_uid="search.post_page_move")
    post_save.connect(
        restriction_changed, sender=PageViewRestriction, dispatch_uid="search.restriction_saved"
    )
    post_delete.connect(
        restriction_changed, sender=PageViewRestriction, dispatch_uid="search.restriction_deleted"
    )
    # Only the base row: a page's own table and its ``Page`` row are deleted together.
    post_delete.connect(deleted, sender=Page, dispatch_uid="search.page_deleted")
