"""Back-office forms for the governance fund. They only parse input (yuan into fen, the choices
the viewer may pick from); the rules — a valid credit code, the minimum donation, a refund not
above what is left, a disbursement within the pot's balance and to a milestone that waits for the
fund — are ``services``'s, whose Chinese messages the views show on the form."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput

from marketplace.core.admin_views import ConfirmForm, ReasonForm  # noqa: F401 - the moves' forms
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.money import fen_to_yuan_str, format_yuan, yuan_to_fen
from marketplace.core.permissions import scope_queryset
from marketplace.core.viewsets import ServiceForm
from marketplace.places.models import District, Street

from .admin_common import MANAGE, fund_list_for_staff
from .choices import SubFundKind
from .models import SubFund


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _yuan(form, name: str, *, required: bool = True):
    value = (form.cleaned_data.get(name) or "").strip()
    if not value:
        if required:
            raise forms.ValidationError(_("请填写金额。"))
        return None
    try:
        return yuan_to_fen(value)
    except ValidationFailed as exc:
        raise forms.ValidationError(str(exc.message)) from None


def _plain_yuan(fen: int) -> str:
    return fen_to_yuan_str(fen).replace(",", "")


def _funds(form):
    return fund_list_for_staff(form.for_user)


def _subfunds(form):
    return SubFund.objects.filter(fund__in=_funds(form)).select_related("fund").order_by("fund__code", "code")


class _SubFundChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.fund.name} · {obj.name}"


# --- funds ------------------------------------------------------------------------------------
class FundForm(ServiceForm):
    district = forms.ModelChoiceField(label=_("所属区"), queryset=District.objects.none(), empty_label=None)
    code = forms.CharField(
        label=_("基金代码"), max_length=40, help_text=_("小写字母、数字和连字符,用于网址,设立后不再修改。")
    )
    name = forms.CharField(label=_("基金名称"), max_length=150)
    host_name = forms.CharField(
        label=_("基金主管慈善组织"),
        max_length=150,
        help_text=_("具有公开募捐资格的慈善组织(如区慈善总会),基金的法律主体。"),
    )
    host_credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    purpose = forms.CharField(label=_("基金用途"), widget=_textarea(4))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = scope_queryset(self.for_user, District.objects.all(), MANAGE)


class SubFundForm(ServiceForm):
    """A sub-fund of the fund the page is about (``instance`` is the fund)."""

    code = forms.CharField(label=_("专项代码"), max_length=40, help_text=_("小写字母、数字和连字符。"))
    name = forms.CharField(label=_("专项名称"), max_length=150)
    kind = forms.ChoiceField(label=_("专项类型"), choices=SubFundKind.choices)
    street = forms.ModelChoiceField(
        label=_("街道"), queryset=Street.objects.none(), required=False, help_text=_("街道专项必选。")
    )
    project = forms.ModelChoiceField(
        label=_("服务项目"),
        queryset=None,
        required=False,
        help_text=_("项目专项必选;资金来源须含专项基金。"),
    )
    theme = forms.CharField(label=_("主题"), max_length=100, required=False, help_text=_("主题专项必填。"))
    purpose = forms.CharField(label=_("专项用途"), widget=_textarea(3))

    def __init__(self, *args, **kwargs):
        from marketplace.procurement.models import Project

        super().__init__(*args, **kwargs)
        # The page's object is the fund: none of its own fields is a sub-fund's initial value.
        self.initial = {}
        district_id = self.instance.district_id if self.instance is not None else None
        self.fields["street"].queryset = Street.objects.filter(district_id=district_id).order_by(
            "sort_order", "code"
        )
        self.fields["project"].queryset = (
            Project.objects.filter(district_id=district_id).select_related("street").order_by("-id")
        )


# --- donations --------------------------------------------------------------------------------
class OfflineDonationForm(ServiceForm):
    fund = forms.ModelChoiceField(label=_("基金"), queryset=None, empty_label=None)
    subfund = _SubFundChoice(
        label=_("专项"), queryset=None, required=False, empty_label=_("不指定(基金统筹使用)")
    )
    amount = forms.CharField(label=_("金额(元)"), max_length=20, help_text=_("最低1元,最多两位小数。"))
    donor_name = forms.CharField(label=_("捐赠人姓名或名称"), max_length=100, required=False)
    anonymous = forms.BooleanField(label=_("匿名公示"), required=False)
    contact = forms.CharField(
        label=_("收据联系方式"), max_length=200, required=False, help_text=_("仅用于寄送收据,不公开。")
    )
    received_on = forms.DateField(label=_("到账日期"), widget=AdminDateInput)
    evidence = forms.FileField(label=_("到账凭证"), help_text=_("银行回单等,PDF或图片。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = _funds(self)
        self.fields["subfund"].queryset = _subfunds(self)
        self.initial.setdefault("received_on", timezone.localdate())

    def clean_amount(self):
        return _yuan(self, "amount")

    field_map = {"amount_fen": "amount", "file": "evidence"}


class RefundForm(ServiceForm):
    """A refund of (part of) the donation the page is about."""

    amount = forms.CharField(label=_("退款金额(元)"), max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        donation = self.instance
        if donation is not None:
            left = donation.amount_fen - donation.refunded_fen
            self.initial = {"amount": _plain_yuan(left)}
            self.fields["amount"].help_text = _(
                "可退金额 %(left)s。在线捐赠经支付平台原路退回,到账以平台通知为准。"
            ) % {"left": format_yuan(left)}

    def clean_amount(self):
        return _yuan(self, "amount")

    field_map = {"amount_fen": "amount"}


# --- disbursements ----------------------------------------------------------------------------
class _MilestoneChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.contract.project.title} · {obj.title}({format_yuan(obj.payment.amount_fen)})"


class _IncubationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.organization.name} · {obj.cohort.name}"


class DisbursementForm(ServiceForm):
    fund = forms.ModelChoiceField(label=_("基金"), queryset=None, empty_label=None)
    subfund = _SubFundChoice(
        label=_("支出专项"), queryset=None, required=False, empty_label=_("基金统筹部分")
    )
    milestone = _MilestoneChoice(
        label=_("履约节点"),
        queryset=None,
        required=False,
        help_text=_("已验收、由专项基金支付、尚未拨付的服务项目节点。"),
    )
    incubation = _IncubationChoice(label=_("孵化资助"), queryset=None, required=False)
    amount = forms.CharField(
        label=_("拨付金额(元)"), max_length=20, help_text=_("拨付履约节点时须等于该节点的付款金额。")
    )
    purpose = forms.CharField(label=_("用途说明"), widget=_textarea(3))

    def __init__(self, *args, **kwargs):
        from marketplace.organizations.choices import IncubationStatus
        from marketplace.organizations.models import Incubation
        from marketplace.procurement.selectors import fund_payment_requests

        super().__init__(*args, **kwargs)
        funds = _funds(self)
        self.fields["fund"].queryset = funds
        self.fields["subfund"].queryset = _subfunds(self)
        districts = funds.values("district_id")
        self.fields["milestone"].queryset = fund_payment_requests().filter(
            contract__project__district_id__in=districts
        )
        self.fields["incubation"].queryset = (
            Incubation.objects.filter(
                cohort__district_id__in=districts,
                status__in=(IncubationStatus.INCUBATING, IncubationStatus.MIDTERM),
            )
            .select_related("organization", "cohort")
            .order_by("organization__name")
        )

    def clean_amount(self):
        return _yuan(self, "amount")

    field_map = {"amount_fen": "amount", "target": "milestone"}


# --- disclosures ------------------------------------------------------------------------------
class DisclosureForm(ServiceForm):
    fund = forms.ModelChoiceField(label=_("基金"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("标题"), max_length=200)
    due_on = forms.DateField(label=_("应公开日期"), widget=AdminDateInput)
    body = forms.CharField(
        label=_("内容"), required=False, widget=_textarea(6), help_text=_("可先留空,公开时填写。")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = _funds(self)


class PublishForm(ServiceForm):
    body = forms.CharField(label=_("公开内容"), max_length=50_000, widget=_textarea(8))
