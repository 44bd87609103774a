from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    hero_title = models.CharField(_("主标题"), max_length=120, default="党建引领 共治共享")
    hero_intro = RichTextField(_("导语"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("hero_title"), FieldPanel("hero_intro")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        from marketplace.places.selectors import street_list

        context = super().get_context(request, *args, **kwargs)
        context["streets"] = street_list()
        return context


@register_setting(icon="site")
class PortalSettings(BaseSiteSetting):
    district_name = models.CharField(_("区名称"), max_length=50, default="太和区")
    organiser = models.CharField(_("主办单位"), max_length=100, default="中共太和区委社会工作部")
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_address = models.CharField(_("联系地址"), max_length=200, blank=True)
    footer_note = models.CharField(_("页脚说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("门户设置")
