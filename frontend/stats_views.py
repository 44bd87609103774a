"""数据公开: the public statistics page, charts drawn on the server (frontend.charts)."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from marketplace.core.money import format_yuan

from . import stats_selectors
from .charts import Chart, Series, bar_chart, line_chart
from .page_cache import public_page


def _hours(value) -> str:
    return _("%(n)s 小时") % {"n": f"{value:g}"}


def _count(value) -> str:
    return _("%(n)s 个") % {"n": f"{value:g}"}


@public_page
def stats(request):
    fund = stats_selectors.fund_monthly()
    hours = stats_selectors.hours_by_street()
    statuses = stats_selectors.projects_by_status()
    charts = [
        line_chart(
            Chart(
                chart_id="chart-fund",
                title=_("基金筹款与拨付(按月)"),
                description=_("近12个月每月捐赠到账金额与拨付金额,单位:元。"),
                categories=[f"{m.month:%Y-%m}" for m in fund],
                series=[
                    Series(_("筹款"), [m.raised_fen for m in fund]),
                    Series(_("拨付"), [m.disbursed_fen for m in fund]),
                ],
                x_label=_("月份"),
                y_label=_("金额(元)"),
                fmt=format_yuan,
            )
        ),
        bar_chart(
            Chart(
                chart_id="chart-hours",
                title=_("各街道志愿服务时长"),
                description=_("已确认的志愿服务时长,按活动所在街道统计,单位:小时。"),
                categories=[h.name for h in hours],
                series=[Series(_("服务时长"), [h.hours for h in hours])],
                x_label=_("街道"),
                y_label=_("时长(小时)"),
                fmt=_hours,
            )
        ),
        bar_chart(
            Chart(
                chart_id="chart-projects",
                title=_("服务项目状态分布"),
                description=_("已发布的政府购买服务项目按当前状态统计的数量。"),
                categories=[s.label for s in statuses],
                series=[Series(_("项目数"), [s.count for s in statuses])],
                x_label=_("项目状态"),
                y_label=_("项目数(个)"),
                fmt=_count,
            )
        ),
    ]
    return render(request, "frontend/stats.html", {"charts": charts})
