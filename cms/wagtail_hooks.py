"""Keep the editorial set-up in step with the page tree: a new street page gets its editors'
group, a new notice or policy column its moderation workflow."""

from wagtail import hooks

from . import services
from .models import NoticeIndexPage, PolicyIndexPage, StreetPage


@hooks.register("after_create_page")
def set_up_new_section(request, page):
    page = page.specific
    if isinstance(page, StreetPage):
        services.street_section_setup(actor=None, street_page=page)
    elif isinstance(page, NoticeIndexPage | PolicyIndexPage):
        services.moderation_workflow_assign(page=page)
