"""The staff dashboard's "待我处理" panel in the Wagtail admin.

The panel reads ``core.selectors.waiting_for_me`` (every lifecycle's moves the user may make now)
and the evaluator's own list, and features the moves that are someone's task, each with a link to
the admin list where it is done. Which moves are tasks is a matter of presentation: the
discretionary ones (cancel, suspend, correct...) and the scheduler's would only be noise here.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from frontend.page_cache import mark_public
from marketplace.core.selectors import waiting_count
from marketplace.procurement.choices import ProjectStatus
from marketplace.procurement.selectors import evaluator_projects


@dataclass(frozen=True)
class Task:
    group: str
    label: str
    lifecycle: str
    codes: tuple[str, ...]
    url_name: str


SCORING = "procurement.scoring"

# In the order a busy official reads them. A row from which several of a task's moves start is
# counted once.
TASKS = (
    Task(
        _("政府购买服务"),
        _("待审批的服务项目"),
        "procurement.project",
        ("approve",),
        "procurement_project:index",
    ),
    Task(
        _("政府购买服务"),
        _("待发布的服务项目"),
        "procurement.project",
        ("publish",),
        "procurement_project:index",
    ),
    Task(
        _("政府购买服务"),
        _("待开标的服务项目"),
        "procurement.project",
        ("open_bids",),
        "procurement_project:index",
    ),
    Task(
        _("政府购买服务"),
        _("待完成评审的项目"),
        "procurement.project",
        ("evaluate",),
        "procurement_project:index",
    ),
    Task(
        _("政府购买服务"),
        _("待确定中标的项目"),
        "procurement.project",
        ("propose_award", "confirm_award"),
        "procurement_project:index",
    ),
    Task(
        _("政府购买服务"),
        _("待签订合同的项目"),
        "procurement.project",
        ("sign_contract",),
        "procurement_project:index",
    ),
    # Scoring is not a lifecycle move: the projects the user evaluates that are open for scores.
    Task(_("政府购买服务"), _("待评分的项目(评审专家)"), SCORING, (), "procurement_evaluation:index"),
    Task(
        _("政府购买服务"),
        _("待答复的质疑"),
        "procurement.objection",
        ("uphold", "dismiss"),
        "procurement_project:index",
    ),
    Task(
        _("政府购买服务"),
        _("待验收的履约节点"),
        "procurement.milestone",
        ("accept",),
        "procurement_project:index",
    ),
    Task(
        _("志愿服务"), _("待确认的服务时长"), "volunteers.record", ("confirm",), "volunteers_activity:index"
    ),
    Task(
        _("志愿服务"),
        _("待确认的党员报到"),
        "volunteers.party_report",
        ("confirm",),
        "volunteers_party_report:index",
    ),
    Task(
        _("专项基金"),
        _("待审批的基金拨付"),
        "fund.disbursement",
        ("approve", "first_approve", "second_approve"),
        "fund_disbursement:index",
    ),
    Task(
        _("社会组织"),
        _("待认证的社会组织"),
        "organizations.organization",
        ("verify",),
        "organizations_org:index",
    ),
    Task(
        _("社会组织"),
        _("待审核的入孵申请"),
        "organizations.application",
        ("admit",),
        "organizations_cohort:index",
    ),
    Task(
        _("社会组织"),
        _("待中期评估的孵化"),
        "organizations.incubation",
        ("midterm",),
        "organizations_cohort:index",
    ),
    Task(
        _("社会组织"),
        _("待审阅的定期报告"),
        "organizations.report",
        ("accept",),
        "organizations_cohort:index",
    ),
)


@dataclass(frozen=True)
class Row:
    group: str
    label: str
    count: int
    url: str | None


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def waiting_rows(user) -> list[Row]:
    """The dashboard's rows for ``user``: one per task with something waiting."""
    rows = []
    for task in TASKS:
        if task.lifecycle == SCORING:
            count = evaluator_projects(user).filter(status=ProjectStatus.OPENED).count()
        else:
            count = waiting_count(user, task.lifecycle, task.codes)
        if count:
            rows.append(Row(str(task.group), str(task.label), count, _url(task.url_name)))
    return rows


class WaitingForMePanel(Component):
    name = "waiting_for_me"
    template_name = "wagtailadmin/panels/waiting_for_me.html"
    # Above Wagtail's own moderation panels (order 210 and up).
    order = 50

    def get_context_data(self, parent_context=None):
        request = parent_context["request"]
        rows = waiting_rows(request.user)
        groups: dict[str, list[Row]] = {}
        for row in rows:
            groups.setdefault(row.group, []).append(row)
        return {"groups": groups, "total": sum(r.count for r in rows)}

    def render_html(self, parent_context=None):
        user = parent_context["request"].user
        # The admin is already closed to everyone else; say it here too, so the panel never
        # shows a non-staff user anything if it is ever rendered elsewhere.
        if not user.has_perm("wagtailadmin.access_admin"):
            return ""
        return super().render_html(parent_context)


@hooks.register("construct_homepage_panels")
def add_waiting_for_me_panel(request, panels):
    panels.append(WaitingForMePanel())


@hooks.register("before_serve_page")
def cache_public_pages(page, request, serve_args, serve_kwargs):
    """A live page without view restrictions is the same for every anonymous visitor: the page
    cache may keep it (previews never come through here). Its site's settings and root are read
    from Wagtail's own cache on most requests, so the page depends on that table explicitly."""
    if not page.get_view_restrictions().exists():
        mark_public(request, depends_on=["wagtailcore_site"])
