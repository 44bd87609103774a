"""The home page's hero text and the portal's contact details for the default site."""

from wagtail.models import Site

from marketplace.core import audit
from marketplace.places.models import Community, Grid, Street

from ..models import HomePage, PortalSettings
from .base import DEMO_REASON, DemoContext

HERO_TITLE = "党建引领 共治共享"
CONTACT = {
    "contact_phone": "12345(政务服务便民热线)",
    "contact_address": "太和区人民路1号 中共太和区委社会工作部",
    "footer_note": "本站为演示环境,所列单位、人员与数据均为虚构。",
    "service_hours": "工作日 9:00–12:00,13:30–17:30",
    "contact_email": "shgb@taihe.example.cn",
    "icp_record": "演示ICP备00000000号",
}
# The home page's highlights: (title, text, link on this site).
HIGHLIGHTS = [
    ("数据公开", "专项基金收支、志愿服务时长、项目进展一图看懂", "/stats/"),
    ("政府购买服务", "街道发布项目,社会组织公开竞标", "/projects/"),
    ("我要当志愿者", "实名注册,就近报名网格志愿活动", "/volunteers/register/"),
    ("证书查验", "输入证书编号,核验志愿服务证明", "/certificates/"),
]


def _hero_intro() -> str:
    return (
        f"<p>太和区 {Street.objects.count()} 个街道、{Community.objects.count()} 个社区、"
        f"{Grid.objects.count()} 个网格,支部建在网格里。</p>"
        "<p>街道购买社会组织服务、社区社会组织孵化培育、党员志愿服务、基层治理专项基金,"
        "一站办理,全程公开。</p>"
    )


def seed_home_page(ctx: DemoContext) -> None:
    """Publish the demo hero text as a revision, so it shows in the page's history. A home page
    that already has a revision (a previous run, or an editor's work) is left alone."""
    home = HomePage.objects.first()
    if home is None or home.revisions.exists():
        return
    home.hero_title = HERO_TITLE
    home.hero_intro = _hero_intro()
    home.highlights = [("highlight", {"title": t, "text": text, "url": url}) for t, text, url in HIGHLIGHTS]
    # Published as the system, not as the district admin: page rights are Wagtail's own
    # permissions, which a portal role does not grant, and the history should not claim an
    # edit that person could not have made.
    revision = home.save_revision(user=None, log_action=True)
    revision.publish(user=None)
    ctx.count("页面修订")


def seed_portal_settings(ctx: DemoContext) -> None:
    """Fill the contact details the default site lacks; never overwrite what an editor set."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return
    portal = PortalSettings.for_site(site)
    changes = {}
    for name, value in [("district_name", ctx.district.name), *CONTACT.items()]:
        if not getattr(portal, name):
            changes[name] = [getattr(portal, name), value]
            setattr(portal, name, value)
    if not changes:
        return
    portal.save(update_fields=list(changes))
    audit.record(
        actor=ctx.admin, action="cms.portalsettings.change", obj=portal, changes=changes, reason=DEMO_REASON
    )
    ctx.count("门户设置")
