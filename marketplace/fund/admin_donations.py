"""Donations in the district's back office: every donation (online and offline) with its donor,
receipt contact (for the district only, never public), status and refunds; recording an offline
gift with the bank's evidence (``donation_record_offline``, credited at once); asking for a
refund (``donation_refund_request``: an online donation is refunded through the payment provider
and the ledger moves when its refund event arrives; an offline one is reversed at once)."""

from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import HeaderButton

from marketplace.core.admin_views import (
    InspectableViewSet,
    ObjectFormView,
    ScopedInspectView,
    history_rows,
    local_display,
)
from marketplace.core.exceptions import DomainError
from marketplace.core.masking import mask_email, mask_phone
from marketplace.core.money import format_yuan
from marketplace.core.permissions import can
from marketplace.core.viewsets import ServiceCreateView

from . import forms, services, transitions
from .admin_common import DONATION_NS, donation_for_staff, donation_list_for_staff
from .choices import DonationChannel, DonationStatus
from .models import Donation

REFUND = "fund.donation.refund"
REFUNDABLE = (DonationStatus.SUCCEEDED, DonationStatus.PARTIALLY_REFUNDED)


class _FieldMapMixin:
    """Puts a service error naming ``amount_fen`` (or the stored file) on the form's own field."""

    def _mapped(self, form, call):
        try:
            return call()
        except DomainError as exc:
            exc.field = getattr(form, "field_map", {}).get(exc.field, exc.field)
            raise


def _donor(d) -> str:
    # Staff see the name; the anonymous flag says how the public sees it.
    name = d.donor_name or "—"
    return f"{name}({_('匿名公示')})" if d.anonymous else name


class DonationIndexView(generic.IndexView):
    def get_base_queryset(self):
        return donation_list_for_staff(self.request.user)


class OfflineDonationCreateView(_FieldMapMixin, ServiceCreateView):
    def call_service(self, data):
        return self._mapped(
            self.form,
            lambda: services.donation_record_offline(
                actor=self.request.user,
                fund=data["fund"],
                subfund=data["subfund"],
                amount_fen=data["amount"],
                donor_name=data["donor_name"],
                anonymous=data["anonymous"],
                contact=data["contact"],
                evidence_upload=data["evidence"],
                received_on=data["received_on"],
            ),
        )

    def get_page_subtitle(self):
        return str(_("线下捐赠"))

    def get_success_url(self):
        return reverse(f"{DONATION_NS}:inspect", args=[self.object.pk])

    def get_success_message(self, instance=None):
        return str(_("线下捐赠已登记入账:%(amount)s") % {"amount": format_yuan(self.object.amount_fen)})

    def get_success_buttons(self):
        return []


class RefundView(_FieldMapMixin, ObjectFormView):
    form_class = forms.RefundForm
    page_title = _("退款")
    submit_label = _("确认退款")

    @property
    def intro(self):
        if self.object.channel == DonationChannel.ONLINE:
            return _("在线捐赠将经支付平台原路退回;支付平台确认退款后,账本自动冲减。已拨付的款项不能退回。")
        return _("线下捐赠退款须已线下退回捐赠人;确认后账本立即冲减。已拨付的款项不能退回。")

    def call_service(self, form):
        self._mapped(
            form,
            lambda: services.donation_refund_request(
                actor=self.request.user, donation=self.object, amount_fen=form.cleaned_data["amount"]
            ),
        )

    def get_success_message(self):
        if self.object.channel == DonationChannel.ONLINE:
            return str(_("退款申请已提交支付平台,平台确认后账本自动冲减。"))
        return str(_("已退款,账本已冲减。"))


class DonationInspectView(ScopedInspectView):
    template_name = "fund/admin/object_inspect.html"
    finder = staticmethod(donation_for_staff)

    def get_amount_fen_display_value(self):
        return format_yuan(self.object.amount_fen)

    def get_refunded_fen_display_value(self):
        return format_yuan(self.object.refunded_fen)

    def get_donor_name_display_value(self):
        return _donor(self.object)

    def get_contact_display_value(self):
        # Masked like every contact on staff pages: the receipt goes out through the donor's own
        # page; nobody here needs the whole value.
        contact = self.object.contact
        if not contact:
            return "—"
        return mask_email(contact) if "@" in contact else mask_phone(contact)

    def get_subfund_display_value(self):
        return self.object.subfund.name if self.object.subfund_id else _("不指定(基金统筹使用)")

    def get_recorded_by_display_value(self):
        return self.object.recorded_by.display_label if self.object.recorded_by_id else "—"

    def get_evidence_display_value(self):
        return self.object.evidence.original_name if self.object.evidence_id else "—"

    @cached_property
    def header_buttons(self):
        d = self.object
        if d.status in REFUNDABLE and can(self.request.user, REFUND, d):
            return [
                HeaderButton(_("退款"), url=reverse(f"{DONATION_NS}:refund", args=[d.pk]), icon_name="undo")
            ]
        return []

    def get_context_data(self, **kwargs):
        d = self.object
        links = []
        if d.evidence_id:
            links.append(
                {
                    "label": _("下载到账凭证:%(name)s") % {"name": d.evidence.original_name},
                    "url": reverse("frontend:private_file", args=[d.evidence_id]),
                }
            )
        return super().get_context_data(
            links=links, history=history_rows(transitions.DONATION, d), show_history=True, **kwargs
        )


class DonationViewSet(InspectableViewSet):
    model = Donation
    name = DONATION_NS
    url_prefix = "fund/donations"
    icon = "pick"
    menu_label = _("捐赠")
    index_view_class = DonationIndexView
    add_view_class = OfflineDonationCreateView
    create_form_class = forms.OfflineDonationForm
    inspect_view_class = DonationInspectView
    url_names = ("index", "index_results", "add", "inspect")
    list_filter = ["status", "channel", "fund"]
    list_display = [
        Column("id", label=_("编号")),
        Column("donor", label=_("捐赠人"), accessor=_donor),
        Column("amount", label=_("金额"), accessor=lambda d: format_yuan(d.amount_fen)),
        Column(
            "refunded",
            label=_("已退款"),
            accessor=lambda d: format_yuan(d.refunded_fen) if d.refunded_fen else "",
        ),
        Column(
            "pot",
            label=_("基金 / 专项"),
            accessor=lambda d: f"{d.fund.name} / {d.subfund.name if d.subfund_id else '—'}",
        ),
        Column("channel", label=_("方式"), accessor="get_channel_display", sort_key="channel"),
        Column("status", label=_("状态"), accessor="get_status_display", sort_key="status"),
        Column("credited_at", label=_("到账时间"), accessor=lambda d: local_display(d.credited_at)),
    ]
    inspect_view_fields = [
        "fund",
        "subfund",
        "amount_fen",
        "refunded_fen",
        "donor_name",
        "contact",
        "channel",
        "status",
        "provider_payment_id",
        "receipt_number",
        "received_on",
        "evidence",
        "recorded_by",
        "created_at",
        "credited_at",
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "refund/<int:pk>/",
                self.construct_view(
                    RefundView, finder=donation_for_staff, return_url_name=self.get_url_name("inspect")
                ),
                name="refund",
            ),
        ]
