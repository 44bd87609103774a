"""Funds and their sub-funds, the fund's books (journal entries with their postings, balances per
pot) and scheduled disclosures in the district's back office.

Every write is one service call (``fund_create``, ``subfund_create``, ``disclosure_schedule``,
``disclosure_publish``); a service's Chinese refusal (an invalid credit code, a street of another
district, a disclosure already published) shows on the form and changes nothing. Balances come
from ``selectors.fund_balances``: sums of postings, never a stored figure.
"""

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from marketplace.core.admin_views import (
    ANY_PERMISSION,
    InspectableViewSet,
    ObjectFormView,
    ScopedInspectView,
    local_display,
)
from marketplace.core.money import format_yuan
from marketplace.core.permissions import can
from marketplace.core.viewsets import ServiceCreateView

from . import forms, selectors, services
from .admin_common import (
    DISCLOSURE_NS,
    DONATION_NS,
    FUND_NS,
    MANAGE,
    disclosure_for_staff,
    disclosure_list_for_staff,
    fund_for_staff,
    fund_list_for_staff,
    journal_for_staff,
)
from .choices import AccountKind
from .models import Disclosure, Fund

JOURNAL_PER_PAGE = 50


def pot_rows(fund) -> list[dict]:
    """The fund's pots with their figures in yuan, general pot first, and the fund's total."""
    balances = selectors.fund_balances(fund)

    def row(name, kind, pots):
        def total(attr):
            return sum(getattr(p, attr) for p in pots)

        return {
            "name": name,
            "kind": kind,
            "raised": format_yuan(total("raised_fen")),
            "refunded": format_yuan(total("refunded_fen")),
            "disbursed": format_yuan(total("disbursed_fen")),
            "committed": format_yuan(total("committed_fen")),
            "balance": format_yuan(total("balance_fen")),
            "available": format_yuan(total("available_fen")),
            "donations": total("donation_count"),
        }

    rows = [row(_("基金统筹部分"), "", [balances.general])]
    rows += [row(p.name, p.subfund.get_kind_display(), [p]) for p in balances.subfunds]
    rows.append(row(_("合计"), "", balances.pots))
    return rows


# --- funds ------------------------------------------------------------------------------------
class FundIndexView(generic.IndexView):
    def get_base_queryset(self):
        return fund_list_for_staff(self.request.user).annotate(subfund_count=Count("subfunds"))


class FundCreateView(ServiceCreateView):
    def call_service(self, data):
        return services.fund_create(actor=self.request.user, **data)

    def get_success_url(self):
        return reverse(f"{FUND_NS}:inspect", args=[self.object.pk])

    def get_success_buttons(self):
        return []


class SubFundCreateView(ObjectFormView):
    form_class = forms.SubFundForm
    page_title = _("新建专项")
    intro = _("专项资金只能用于该专项的指定用途:街道专项支付该街道的项目,项目专项只支付该项目。")
    submit_label = _("新建专项")
    success_message = _("专项已设立。")

    def call_service(self, form):
        services.subfund_create(actor=self.request.user, fund=self.object, **form.cleaned_data)


class FundInspectView(ScopedInspectView):
    template_name = "fund/admin/fund_inspect.html"
    finder = staticmethod(fund_for_staff)

    def get_created_by_display_value(self):
        return self.object.created_by.display_label if self.object.created_by_id else "—"

    @cached_property
    def header_buttons(self):
        fund, buttons = self.object, []
        buttons.append(
            HeaderButton(_("账本"), url=reverse(f"{FUND_NS}:ledger", args=[fund.pk]), icon_name="list-ul")
        )
        if can(self.request.user, MANAGE, fund):
            buttons.append(
                HeaderButton(
                    _("新建专项"), url=reverse(f"{FUND_NS}:subfund", args=[fund.pk]), icon_name="plus"
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        fund = self.object
        subfunds = [
            {
                "subfund": sf,
                "target": sf.street.name
                if sf.street_id
                else (sf.project.title if sf.project_id else sf.theme or "—"),
            }
            for sf in fund.subfunds.select_related("street", "project").order_by("code")
        ]
        disclosures = [
            {
                "disclosure": d,
                "due_on": local_display(d.due_on),
                "published_at": local_display(d.published_at) if d.published_at else "",
                "overdue": d.published_at is None and d.due_on < timezone.localdate(),
                "url": reverse(f"{DISCLOSURE_NS}:inspect", args=[d.pk]),
            }
            for d in fund.disclosures.order_by("due_on", "id")
        ]
        return super().get_context_data(
            pots=pot_rows(fund),
            subfunds=subfunds,
            disclosures=disclosures,
            donations_url=reverse(f"{DONATION_NS}:index") + f"?fund={fund.pk}",
            **kwargs,
        )


class LedgerView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """The fund's books: each entry with its postings (debit positive, credit negative) and the
    balances per pot."""

    model = Fund
    any_permission_required = ANY_PERMISSION
    template_name = "fund/admin/ledger.html"
    page_title = _("基金账本")
    header_icon = "list-ul"

    @cached_property
    def fund(self):
        found = fund_for_staff(self.request.user, self.kwargs["pk"])
        if found is None:
            raise Http404
        return found

    def get_page_subtitle(self):
        return str(self.fund)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{FUND_NS}:index"), "label": Fund._meta.verbose_name_plural},
            {"url": reverse(f"{FUND_NS}:inspect", args=[self.fund.pk]), "label": str(self.fund)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        fund = self.fund
        page = Paginator(journal_for_staff(fund), JOURNAL_PER_PAGE).get_page(self.request.GET.get("p"))
        general = _("基金统筹部分")
        entries = [
            {
                "entry": e,
                "at": local_display(e.created_at),
                "postings": [
                    {
                        "account": (
                            _("基金存款")
                            if p.account.kind == AccountKind.CASH
                            else f"{_('净资产')} · {p.account.subfund.name if p.account.subfund_id else general}"
                        ),
                        "debit": format_yuan(p.amount_fen) if p.amount_fen > 0 else "",
                        "credit": format_yuan(-p.amount_fen) if p.amount_fen < 0 else "",
                    }
                    for p in e.postings.all()
                ],
            }
            for e in page.object_list
        ]
        return super().get_context_data(
            fund=fund,
            pots=pot_rows(fund),
            entries=entries,
            page=page,
            fund_url=reverse(f"{FUND_NS}:inspect", args=[fund.pk]),
            **kwargs,
        )


class FundViewSet(InspectableViewSet):
    model = Fund
    name = FUND_NS
    url_prefix = "fund/funds"
    icon = "folder-open-inverse"
    menu_label = _("基金与专项")
    index_view_class = FundIndexView
    add_view_class = FundCreateView
    create_form_class = forms.FundForm
    inspect_view_class = FundInspectView
    url_names = ("index", "index_results", "add", "inspect")
    list_display = [
        "name",
        "code",
        "host_name",
        Column("subfund_count", label=_("专项数")),
        Column("active", label=_("接受捐赠"), accessor=lambda f: _("是") if f.active else _("否")),
    ]
    inspect_view_fields = [
        "name",
        "code",
        "district",
        "host_name",
        "host_credit_code",
        "purpose",
        "active",
        "created_at",
        "created_by",
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "subfund/<int:pk>/",
                self.construct_view(
                    SubFundCreateView, finder=fund_for_staff, return_url_name=self.get_url_name("inspect")
                ),
                name="subfund",
            ),
            path("ledger/<int:pk>/", self.construct_view(LedgerView), name="ledger"),
        ]


# --- disclosures ------------------------------------------------------------------------------
def _disclosure_state(d) -> str:
    if d.published_at:
        return str(_("已公开"))
    if d.due_on < timezone.localdate():
        return str(_("已逾期"))
    return str(_("待公开"))


class DisclosureIndexView(generic.IndexView):
    def get_base_queryset(self):
        return disclosure_list_for_staff(self.request.user)


class DisclosureCreateView(ServiceCreateView):
    def call_service(self, data):
        return services.disclosure_schedule(actor=self.request.user, **data)

    def get_success_url(self):
        return reverse(f"{DISCLOSURE_NS}:inspect", args=[self.object.pk])

    def get_success_buttons(self):
        return []


class PublishView(ObjectFormView):
    form_class = forms.PublishForm
    page_title = _("公开")
    intro = _("公开后内容显示在基金的公开页面上,不能撤回。")
    submit_label = _("确认公开")
    success_message = _("信息已公开。")

    def call_service(self, form):
        services.disclosure_publish(
            actor=self.request.user, disclosure=self.object, body=form.cleaned_data["body"]
        )


class DisclosureInspectView(ScopedInspectView):
    template_name = "fund/admin/object_inspect.html"
    finder = staticmethod(disclosure_for_staff)

    def get_published_at_display_value(self):
        return (
            local_display(self.object.published_at)
            if self.object.published_at
            else _disclosure_state(self.object)
        )

    def get_published_by_display_value(self):
        return self.object.published_by.display_label if self.object.published_by_id else "—"

    @cached_property
    def header_buttons(self):
        d = self.object
        if d.published_at is None and can(self.request.user, MANAGE, d):
            return [
                HeaderButton(
                    _("公开"), url=reverse(f"{DISCLOSURE_NS}:publish", args=[d.pk]), icon_name="upload"
                )
            ]
        return []


class DisclosureViewSet(InspectableViewSet):
    model = Disclosure
    name = DISCLOSURE_NS
    url_prefix = "fund/disclosures"
    icon = "date"
    menu_label = _("信息公开")
    index_view_class = DisclosureIndexView
    add_view_class = DisclosureCreateView
    create_form_class = forms.DisclosureForm
    inspect_view_class = DisclosureInspectView
    url_names = ("index", "index_results", "add", "inspect")
    list_display = [
        "title",
        Column("fund", label=_("基金"), accessor=lambda d: d.fund.name),
        Column("due_on", label=_("应公开日期"), accessor=lambda d: local_display(d.due_on)),
        Column("state", label=_("状态"), accessor=_disclosure_state),
    ]
    inspect_view_fields = ["fund", "title", "due_on", "body", "published_at", "published_by"]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "publish/<int:pk>/",
                self.construct_view(
                    PublishView, finder=disclosure_for_staff, return_url_name=self.get_url_name("inspect")
                ),
                name="publish",
            ),
        ]
