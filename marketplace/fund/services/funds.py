"""Funds, sub-funds and scheduled disclosures (district admins)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from marketplace.core import audit
from marketplace.core.exceptions import TransitionNotAllowed, ValidationFailed
from marketplace.core.permissions import require
from marketplace.core.validators import validate_uscc

from .. import ledger
from ..choices import SubFundKind
from ..models import Disclosure, Fund, SubFund
from ._common import TEXT_MAX, clean_text

__all__ = ["disclosure_publish", "disclosure_schedule", "fund_create", "subfund_create"]


def _clean_code(value, *, field: str = "code") -> str:
    code = value.strip() if isinstance(value, str) else ""
    if not code or slugify(code) != code or len(code) > 40:
        raise ValidationFailed(
            _("代码只能由小写字母、数字、连字符组成,不超过40个字符。"), code="invalid_code", field=field
        )
    return code


@transaction.atomic
def fund_create(
    *, actor, district, code: str, name: str, host_name: str, host_credit_code: str, purpose: str
) -> Fund:
    """Set up a fund held by a charity with public-fundraising status (its legal host)."""
    require(actor, "fund.fund.manage", district)
    code = _clean_code(code)
    if Fund.objects.filter(code=code).exists():
        raise ValidationFailed(_("基金代码已被使用。"), code="duplicate_code", field="code")
    credit_code = host_credit_code.strip().upper() if isinstance(host_credit_code, str) else ""
    try:
        validate_uscc(credit_code)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages[0], code="invalid_uscc", field="host_credit_code") from None
    fund = Fund.objects.create(
        district=district,
        code=code,
        name=clean_text(name, field="name", label=_("基金名称"), max_length=150),
        host_name=clean_text(host_name, field="host_name", label=_("基金主管慈善组织"), max_length=150),
        host_credit_code=credit_code,
        purpose=clean_text(purpose, field="purpose", label=_("基金用途"), max_length=TEXT_MAX),
        created_by=actor,
    )
    ledger.open_accounts(fund)
    audit.record(actor=actor, action="fund.fund.create", obj=fund, changes={"code": code})
    return fund


@transaction.atomic
def subfund_create(
    *,
    actor,
    fund: Fund,
    code: str,
    name: str,
    kind: str,
    purpose: str,
    street=None,
    project=None,
    theme: str = "",
) -> SubFund:
    """A designated sub-fund for a street, a theme or a project: money given to it is spent only on
    its purpose."""
    from marketplace.procurement.choices import FundingSource

    require(actor, "fund.fund.manage", fund)
    code = _clean_code(code)
    if SubFund.objects.filter(fund=fund, code=code).exists():
        raise ValidationFailed(_("专项代码已被使用。"), code="duplicate_code", field="code")
    theme = clean_text(
        theme, field="theme", label=_("主题"), max_length=100, required=kind == SubFundKind.THEME
    )
    if kind == SubFundKind.STREET:
        if street is None or street.district_id != fund.district_id:
            raise ValidationFailed(_("请选择本区的街道。"), code="invalid_street", field="street")
        project, theme = None, ""
    elif kind == SubFundKind.PROJECT:
        if project is None or project.district_id != fund.district_id:
            raise ValidationFailed(_("请选择本区的服务项目。"), code="invalid_project", field="project")
        if project.funding_source not in (FundingSource.FUND, FundingSource.BOTH):
            raise ValidationFailed(
                _("该项目的资金来源不含专项基金,不能为其设立项目专项。"),
                code="project_not_fund_financed",
                field="project",
            )
        street, theme = None, ""
    elif kind == SubFundKind.THEME:
        street = project = None
    else:
        raise ValidationFailed(_("请选择专项类型。"), code="invalid_kind", field="kind")
    subfund = SubFund.objects.create(
        fund=fund,
        code=code,
        name=clean_text(name, field="name", label=_("专项名称"), max_length=150),
        kind=kind,
        street=street,
        project=project,
        theme=theme,
        purpose=clean_text(purpose, field="purpose", label=_("专项用途"), max_length=TEXT_MAX),
    )
    ledger.open_accounts(fund, subfund)
    audit.record(actor=actor, action="fund.subfund.create", obj=subfund, changes={"code": code, "kind": kind})
    return subfund


@transaction.atomic
def disclosure_schedule(
    *, actor, fund: Fund, title: str, due_on: datetime.date, body: str = ""
) -> Disclosure:
    """Put a disclosure the law requires on the fund's calendar."""
    require(actor, "fund.fund.manage", fund)
    if not isinstance(due_on, datetime.date):
        raise ValidationFailed(_("请填写应公开日期。"), field="due_on")
    disclosure = Disclosure.objects.create(
        fund=fund,
        title=clean_text(title, field="title", label=_("标题"), max_length=200),
        due_on=due_on,
        body=clean_text(body, field="body", label=_("内容"), max_length=50_000, required=False),
        created_by=actor,
    )
    audit.record(
        actor=actor, action="fund.disclosure.schedule", obj=disclosure, changes={"due_on": str(due_on)}
    )
    return disclosure


@transaction.atomic
def disclosure_publish(*, actor, disclosure: Disclosure, body: str | None = None) -> Disclosure:
    """Publish a scheduled disclosure (once)."""
    require(actor, "fund.fund.manage", disclosure)
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    if disclosure.published_at is not None:
        raise TransitionNotAllowed(_("该信息已公开。"), code="already_published")
    if body is not None:
        disclosure.body = clean_text(body, field="body", label=_("内容"), max_length=50_000)
    if not disclosure.body.strip():
        raise ValidationFailed(_("请填写公开内容。"), field="body")
    disclosure.published_at, disclosure.published_by = timezone.now(), actor
    disclosure.save(update_fields=["body", "published_at", "published_by"])
    audit.record(actor=actor, action="fund.disclosure.publish", obj=disclosure)
    return disclosure
