"""StreamField blocks of the portal's pages: rich text, image, document, quote, and a live list
of projects, activities or organisations read from the domain when the page is served."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from marketplace.organizations.choices import ServiceCategory

from . import selectors


def street_choices():
    """Callable, so the choices are read when the editor opens the form, not at import (and
    no migration follows a new street)."""
    from marketplace.places.selectors import street_list

    return [(str(s.pk), s.name) for s in street_list()]


def community_choices():
    from marketplace.places.selectors import community_list

    return [(str(c.pk), f"{c.street.name} · {c.name}") for c in community_list()]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    caption = blocks.CharBlock(label=_("图片说明"), required=False, max_length=200)
    alt = blocks.CharBlock(
        label=_("替代文字"),
        required=False,
        max_length=200,
        help_text=_("供读屏软件朗读;留空则使用图片标题。"),
    )

    class Meta:
        icon = "image"
        label = _("图片")
        template = "cms/blocks/image_block.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("文档"))
    title = blocks.CharBlock(label=_("显示名称"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("文档")
        template = "cms/blocks/document_block.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("引文"))
    attribution = blocks.CharBlock(label=_("出处"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        label = _("引用")
        template = "cms/blocks/quote_block.html"


class LiveListBlock(blocks.StructBlock):
    """A list read from the domain each time the page is served: open projects, upcoming
    activities or public organisations, filtered by street, community or category."""

    title = blocks.CharBlock(label=_("标题"), required=False, max_length=100)
    kind = blocks.ChoiceBlock(label=_("内容"), choices=selectors.LIVE_LIST_KINDS, default="projects")
    street = blocks.ChoiceBlock(label=_("街道"), choices=street_choices, required=False)
    community = blocks.ChoiceBlock(label=_("社区"), choices=community_choices, required=False)
    category = blocks.ChoiceBlock(
        label=_("服务类别"),
        choices=ServiceCategory.choices,
        required=False,
        help_text=_("只对服务项目和社会组织有效。"),
    )
    limit = blocks.IntegerBlock(label=_("显示条数"), default=5, min_value=1, max_value=12)

    class Meta:
        icon = "list-ul"
        label = _("实时列表")
        template = "cms/blocks/live_list_block.html"

    def clean(self, value):
        value = super().clean(value)
        if value.get("kind") == "activities" and value.get("category"):
            raise StructBlockValidationError(
                block_errors={"category": ValidationError(_("志愿活动不按服务类别筛选,请留空。"))}
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["live"] = selectors.live_list(
            kind=value["kind"],
            street_id=int(value["street"]) if value.get("street") else None,
            community_id=int(value["community"]) if value.get("community") else None,
            category=value.get("category") or None,
            limit=value.get("limit") or 5,
        )
        return context


# A path on this site or a web address: "javascript:" and other schemes are refused.
LINK_VALIDATOR = RegexValidator(
    r"^(/(?!/)|https?://)\S*$", _("请填写本站路径(以 / 开头)或以 http:// 或 https:// 开头的网址。")
)


class HighlightBlock(blocks.StructBlock):
    """One of the home page's highlights: a short headline and sentence, linking to a page of
    the portal or to another address."""

    title = blocks.CharBlock(label=_("标题"), max_length=40)
    text = blocks.TextBlock(label=_("说明"), required=False, max_length=120)
    page = blocks.PageChooserBlock(label=_("链接页面"), required=False)
    url = blocks.CharBlock(
        label=_("或链接地址"),
        required=False,
        max_length=300,
        validators=[LINK_VALIDATOR],
        help_text=_("本站路径(如 /stats/)或以 http:// 或 https:// 开头的网址。"),
    )

    class Meta:
        icon = "pick"
        label = _("重点推荐")
        template = "cms/blocks/highlight_block.html"

    def clean(self, value):
        value = super().clean(value)
        if value.get("page") and value.get("url"):
            raise StructBlockValidationError(
                block_errors={"url": ValidationError(_("请只选择链接页面或填写链接地址其中之一。"))}
            )
        return value


class HighlightsBlock(blocks.StreamBlock):
    highlight = HighlightBlock()

    class Meta:
        max_num = 6


class BodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        label=_("正文"),
        features=["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link", "hr"],
        template="cms/blocks/paragraph_block.html",
    )
    image = ImageBlock()
    document = DocumentBlock()
    quote = QuoteBlock()
    live_list = LiveListBlock()


class AttachmentsBlock(blocks.StreamBlock):
    document = DocumentBlock()
