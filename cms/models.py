from django.core.paginator import Paginator
from django.db import models
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import AttachmentsBlock, BodyBlock, HighlightsBlock

# Children per page of an index page.
INDEX_PAGE_SIZE = 10

STREET_SECTION_TYPES = [
    "cms.CommunityPage",
    "cms.NoticeIndexPage",
    "cms.PartyNewsIndexPage",
    "cms.StandardPage",
]


class HomePage(Page):
    hero_title = models.CharField(_("主标题"), max_length=120, default="党建引领 共治共享")
    hero_intro = RichTextField(_("导语"), blank=True)
    highlights = StreamField(
        HighlightsBlock(),
        verbose_name=_("重点推荐"),
        blank=True,
        help_text=_("首页导语下方的重点推荐,最多 6 条。"),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("hero_title"),
        FieldPanel("hero_intro"),
        FieldPanel("highlights"),
    ]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.StreetIndexPage",
        "cms.NoticeIndexPage",
        "cms.PolicyIndexPage",
        "cms.PartyNewsIndexPage",
        "cms.StandardPage",
    ]

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        from .selectors import home_overview

        context = super().get_context(request, *args, **kwargs)
        # Read on first use, inside the template's cached fragment: a hit reads none of it.
        context["overview"] = SimpleLazyObject(home_overview)
        return context


class IndexPage(Page):
    """A page listing its live children, newest first, ten to a page."""

    intro = RichTextField(_("导语"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    child_model: type[Page] = Page
    child_order = ["-first_published_at", "-id"]

    class Meta:
        abstract = True

    def children(self):
        return self.child_model.objects.live().public().child_of(self).order_by(*self.child_order)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["children"] = Paginator(self.children(), INDEX_PAGE_SIZE).get_page(request.GET.get("page"))
        return context


class StandardPage(Page):
    intro = models.TextField(_("摘要"), blank=True, max_length=300)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage", "cms.StreetPage", "cms.CommunityPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("普通页面")
        verbose_name_plural = _("普通页面")


# --- Streets and communities ---------------------------------------------------------------


class StreetIndexPage(IndexPage):
    child_order = ["street__sort_order", "street__code"]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.StreetPage"]
    max_count = 1

    class Meta:
        verbose_name = _("街道社区栏目")
        verbose_name_plural = _("街道社区栏目")

    @property
    def child_model(self):
        return StreetPage

    def children(self):
        return super().children().select_related("street")


class PlacePage(Page):
    intro = RichTextField(_("简介"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)

    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    class Meta:
        abstract = True


class StreetPage(PlacePage):
    """A street's section of the portal: its editors work in this page's subtree only."""

    street = models.OneToOneField(
        "places.Street", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+"
    )

    content_panels = [*Page.content_panels, FieldPanel("street"), FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["cms.StreetIndexPage"]
    subpage_types = STREET_SECTION_TYPES

    class Meta:
        verbose_name = _("街道页面")
        verbose_name_plural = _("街道页面")

    def get_context(self, request, *args, **kwargs):
        from marketplace.places.selectors import community_list

        from .selectors import place_overview

        context = super().get_context(request, *args, **kwargs)
        context["overview"] = place_overview(street_id=self.street_id)
        context["filter_query"] = urlencode({"street": self.street_id})
        pages = {
            p.community_id: p
            for p in CommunityPage.objects.live().public().child_of(self).only("id", "community")
        }
        context["communities"] = [(c, pages.get(c.pk)) for c in community_list(street_id=self.street_id)]
        context["sections"] = (
            Page.objects.live().public().child_of(self).not_type(CommunityPage).order_by("path")
        )
        return context


class CommunityPage(PlacePage):
    community = models.OneToOneField(
        "places.Community", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )

    content_panels = [*Page.content_panels, FieldPanel("community"), FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["cms.StreetPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("社区页面")
        verbose_name_plural = _("社区页面")

    def get_context(self, request, *args, **kwargs):
        from .selectors import place_overview

        context = super().get_context(request, *args, **kwargs)
        context["overview"] = place_overview(community_id=self.community_id)
        context["filter_query"] = urlencode({"community": self.community_id})
        return context


# --- Notices, policies, party news ---------------------------------------------------------


class NoticeIndexPage(IndexPage):
    child_order = ["-date", "-first_published_at", "-id"]
    parent_page_types = ["cms.HomePage", "cms.StreetPage"]
    subpage_types = ["cms.NoticePage"]

    class Meta:
        verbose_name = _("通知公告栏目")
        verbose_name_plural = _("通知公告栏目")

    @property
    def child_model(self):
        return NoticePage


class NoticePage(Page):
    date = models.DateField(_("发布日期"))
    issuer = models.CharField(_("发布单位"), max_length=100, blank=True)
    intro = models.TextField(_("摘要"), blank=True, max_length=300)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("date"), FieldPanel("issuer")], heading=_("发布信息")),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.NoticeIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")


class PolicyIndexPage(IndexPage):
    child_order = ["-issue_date", "-first_published_at", "-id"]
    parent_page_types = ["cms.HomePage", "cms.StreetPage"]
    subpage_types = ["cms.PolicyDocumentPage"]

    class Meta:
        verbose_name = _("政策文件栏目")
        verbose_name_plural = _("政策文件栏目")

    @property
    def child_model(self):
        return PolicyDocumentPage


class PolicyDocumentPage(Page):
    issuing_body = models.CharField(_("发文机关"), max_length=150)
    document_number = models.CharField(
        _("文号"), max_length=80, blank=True, help_text=_("如:太社工发〔2025〕3号")
    )
    issue_date = models.DateField(_("成文日期"))
    summary = models.TextField(_("摘要"), blank=True, max_length=500)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)
    attachments = StreamField(AttachmentsBlock(), verbose_name=_("附件"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("issuing_body"), FieldPanel("document_number"), FieldPanel("issue_date")],
            heading=_("发文信息"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("attachments"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("document_number"),
        index.SearchField("issuing_body"),
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.PolicyIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")


class PartyNewsIndexPage(IndexPage):
    child_order = ["-date", "-first_published_at", "-id"]
    parent_page_types = ["cms.HomePage", "cms.StreetPage"]
    subpage_types = ["cms.PartyNewsPage"]

    class Meta:
        verbose_name = _("党建动态栏目")
        verbose_name_plural = _("党建动态栏目")

    @property
    def child_model(self):
        return PartyNewsPage

    def children(self):
        return super().children().select_related("party_organization", "cover")


class PartyNewsPage(Page):
    date = models.DateField(_("日期"))
    party_organization = models.ForeignKey(
        "places.PartyOrganization",
        verbose_name=_("党组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("封面图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    intro = models.TextField(_("摘要"), blank=True, max_length=300)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("date"), FieldPanel("party_organization")], heading=_("发布信息")),
        FieldPanel("cover"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.PartyNewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("党建动态")
        verbose_name_plural = _("党建动态")


@register_setting(icon="site")
class PortalSettings(BaseSiteSetting):
    district_name = models.CharField(_("区名称"), max_length=50, default="太和区")
    organiser = models.CharField(_("主办单位"), max_length=100, default="中共太和区委社会工作部")
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_address = models.CharField(_("联系地址"), max_length=200, blank=True)
    footer_note = models.CharField(_("页脚说明"), max_length=200, blank=True)
    service_hours = models.CharField(
        _("服务时间"), max_length=100, blank=True, help_text=_("例如:工作日 9:00–17:00")
    )
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    icp_record = models.CharField(
        _("ICP 备案号"), max_length=50, blank=True, help_text=_("例如:某ICP备12345678号")
    )

    class Meta:
        verbose_name = _("门户设置")
