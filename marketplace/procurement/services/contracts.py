"""Writes from an awarded project to a completed, rated contract: signing with payment
milestones, amendments, delivery reports with evidence, acceptance or return, payments,
completion and the rating on the organisation's record.

Milestone amounts. A contract of ``amount_fen`` with milestones of p1..pn percent (integers
summing to 100) gives every milestone but the last ``floor(amount_fen * p / 100)`` fen and the
last the remainder, so the amounts always add up to the contract amount exactly and any odd fen
falls on the final payment (which is paid after everything has been delivered). An amendment
re-divides what is left after the accepted and paid milestones over the pending and returned
ones by the same rule, weighted by their percentages (``split_amount``).

Payments and the governance fund (hand-over point). Accepting a milestone releases its payment
(``milestone_pay``), recorded with its source, which must fit the project's funding source:
- ``fiscal``: the street pays from its budget; the Payment is recorded and the milestone is
  paid at once.
- ``fund``: the money comes from the governance fund, which pays through a fund disbursement.
  The Payment is recorded with an empty ``fund_disbursement_ref`` and the milestone stays
  accepted. ``selectors.fund_payment_requests()`` lists these waiting milestones; once the fund
  has paid, its own (permission-checked, audited) disbursement service calls
  ``milestone_fund_disbursed(actor=None, milestone=..., disbursement_ref=...)`` as the system,
  which records the reference and marks the milestone paid.

Completion. A project may be completed once every milestone is accepted and its payment is
recorded: paid from the budget, or waiting for the fund's disbursement. Acceptance (验收) is the
street's judgement of the delivered service; the fund's disbursement timetable must not hold up
the record and the rating, and the waiting payments still go through the hand-over above.
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core import audit
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.files import private_file_store
from marketplace.core.models import NotificationKind
from marketplace.core.money import format_yuan
from marketplace.core.notifications import notify
from marketplace.core.permissions import require
from marketplace.organizations.selectors import member_list

from .. import transitions
from ..choices import FundingSource, MilestoneStatus, PaymentSource, ProjectStatus
from ..models import Contract, ContractAmendment, Milestone, MilestoneReport, Payment, Project, Rating

# Government procurement law art. 49: additional purchases under a signed contract may not
# exceed 10% of the original contract amount (追加采购金额不得超过原合同采购金额的百分之十).
AMENDMENT_MAX_INCREASE_PERCENT = 10
MAX_EVIDENCE_FILES = 10
EVIDENCE_PURPOSE = "milestone_evidence"
MILESTONE_TITLE_MAX = 150
TEXT_MAX = 5000


class MilestoneTerms(NamedTuple):
    title: str
    percent: int
    due_on: datetime.date
    deliverables: str


def split_amount(total_fen: int, weights: Sequence[int]) -> list[int]:
    """Divide ``total_fen`` by integer ``weights``: floor for all but the last share, the last
    takes the remainder, so the shares always sum to ``total_fen`` exactly."""
    weight_sum = sum(weights)
    shares = [total_fen * w // weight_sum for w in weights[:-1]]
    return [*shares, total_fen - sum(shares)]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value, *, field: str, label, max_length: int = TEXT_MAX) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if not text:
        raise ValidationFailed(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(text) > max_length:
        raise ValidationFailed(_("%(label)s不超过%(n)s字。") % {"label": label, "n": max_length}, field=field)
    return text


def _tell_org(org, title: str, body: str = "") -> None:
    for assignment in member_list(org):
        notify(recipient=assignment.user, kind=NotificationKind.PROCUREMENT, title=title, body=body)


def _locked_milestone(milestone: Milestone) -> Milestone:
    return (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("contract__project", "contract__organization")
        .get(pk=milestone.pk)
    )


def _require_in_delivery(project: Project) -> None:
    if project.status != ProjectStatus.IN_DELIVERY:
        raise ValidationFailed(
            _("项目当前为「%(state)s」,不在履约阶段。") % {"state": project.get_status_display()},
            code="not_in_delivery",
        )


def _require_milestone_status(milestone: Milestone, allowed: Iterable[str], action) -> None:
    if milestone.status not in allowed:
        raise ValidationFailed(
            _("节点当前为「%(state)s」,不能%(action)s。")
            % {"state": milestone.get_status_display(), "action": action},
            code="milestone_status",
        )


# --- signing --------------------------------------------------------------------------------
def _clean_milestones(project: Project, milestones) -> list[MilestoneTerms]:
    rows = list(milestones or [])
    if not rows:
        raise ValidationFailed(_("请至少设置一个付款节点。"), code="no_milestones", field="milestones")
    cleaned = []
    for i, row in enumerate(rows, start=1):
        try:
            title, percent, due_on, deliverables = row
        except (TypeError, ValueError):
            raise ValidationFailed(
                _("第%(i)s个节点应包含名称、比例、到期日和交付成果。") % {"i": i}, field="milestones"
            ) from None
        title = _text(
            title,
            field="milestones",
            label=_("第%(i)s个节点的名称") % {"i": i},
            max_length=MILESTONE_TITLE_MAX,
        )
        if not _is_int(percent) or not 1 <= percent <= 100:
            raise ValidationFailed(
                _("第%(i)s个节点的比例须为1到100之间的整数。") % {"i": i}, field="milestones"
            )
        if not isinstance(due_on, datetime.date) or isinstance(due_on, datetime.datetime):
            raise ValidationFailed(_("请填写第%(i)s个节点的到期日。") % {"i": i}, field="milestones")
        if not project.service_start <= due_on <= project.service_end:
            raise ValidationFailed(
                _("第%(i)s个节点的到期日须在服务期(%(start)s至%(end)s)内。")
                % {"i": i, "start": project.service_start, "end": project.service_end},
                code="due_outside_service_period",
                field="milestones",
            )
        if cleaned and due_on < cleaned[-1].due_on:
            raise ValidationFailed(
                _("节点须按到期日先后排列:第%(i)s个节点早于前一个节点。") % {"i": i},
                code="due_out_of_order",
                field="milestones",
            )
        deliverables = _text(deliverables, field="milestones", label=_("第%(i)s个节点的交付成果") % {"i": i})
        cleaned.append(MilestoneTerms(title, percent, due_on, deliverables))
    total = sum(m.percent for m in cleaned)
    if total != 100:
        raise ValidationFailed(
            _("各节点付款比例之和须为100%%,现为%(total)s%%。") % {"total": total},
            code="percent_not_100",
            field="milestones",
        )
    return cleaned


@transaction.atomic
def contract_sign(
    *, actor, project: Project, milestones, amount_fen: int | None = None, terms: str = ""
) -> Contract:
    """Sign the contract with the awarded organisation, with its payment milestones.

    The amount defaults to the winning price and may not exceed it. The project row is locked
    first, so of several officials signing at once exactly one contract is made."""
    require(actor, "procurement.contract.manage", project)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status != ProjectStatus.AWARDED:
        raise ValidationFailed(
            _("项目当前为「%(state)s」,只有已确认中标的项目可以签订合同。")
            % {"state": project.get_status_display()},
            code="not_awarded",
        )
    bid = project.awarded_bid
    if bid is None or bid.price_fen is None:
        raise ValidationFailed(_("项目没有确定的中标投标,不能签订合同。"), code="no_winner")
    amount = bid.price_fen if amount_fen is None else amount_fen
    if not _is_int(amount) or amount <= 0:
        raise ValidationFailed(_("合同金额须为大于零的整数(单位:分)。"), field="amount_fen")
    if amount > bid.price_fen:
        raise ValidationFailed(
            _("合同金额不能超过中标价 %(price)s。") % {"price": format_yuan(bid.price_fen)},
            code="over_winning_price",
            field="amount_fen",
        )
    if not isinstance(terms, str) or len(terms) > 20000:
        raise ValidationFailed(_("合同主要条款不超过20000字。"), field="terms")
    rows = _clean_milestones(project, milestones)
    amounts = split_amount(amount, [m.percent for m in rows])
    if min(amounts) <= 0:
        raise ValidationFailed(
            _("合同金额过小,无法按比例分配到每个节点。"), code="amount_too_small", field="amount_fen"
        )
    contract = Contract.objects.create(
        project=project,
        bid=bid,
        organization_id=bid.organization_id,
        amount_fen=amount,
        terms=terms.strip(),
        signed_by=actor,
    )
    Milestone.objects.bulk_create(
        Milestone(
            contract=contract,
            seq=seq,
            title=m.title,
            percent=m.percent,
            amount_fen=share,
            due_on=m.due_on,
            deliverables=m.deliverables,
        )
        for seq, (m, share) in enumerate(zip(rows, amounts, strict=True), start=1)
    )
    transitions.PROJECT.perform(project, "sign_contract", actor=actor)
    audit.record(
        actor=actor,
        action="procurement.contract.sign",
        obj=contract,
        changes={
            "amount_fen": amount,
            "milestones": [
                [m.title, m.percent, share, m.due_on.isoformat()]
                for m, share in zip(rows, amounts, strict=True)
            ],
        },
    )
    _tell_org(
        bid.organization,
        str(_("项目「%(t)s」合同已签订") % {"t": project.title}),
        str(_("合同金额 %(amount)s,共%(n)s个付款节点。") % {"amount": format_yuan(amount), "n": len(rows)}),
    )
    return contract


@transaction.atomic
def delivery_start(*, actor, project: Project) -> Project:
    require(actor, "procurement.contract.manage", project)
    project = transitions.PROJECT.perform(project, "start_delivery", actor=actor)
    contract = Contract.objects.select_related("organization").get(project=project)
    _tell_org(contract.organization, str(_("项目「%(t)s」已开始履约") % {"t": project.title}))
    return project


# --- amendments -----------------------------------------------------------------------------
def _original_amount(contract: Contract) -> int:
    first = contract.amendments.order_by("created_at", "id").first()
    return first.amount_fen_before if first else contract.amount_fen


@transaction.atomic
def contract_amend(*, actor, contract: Contract, description: str, amount_fen: int) -> ContractAmendment:
    """Record a change to a signed contract (合同变更), before completion.

    Accepted and paid milestones keep their amounts; what remains of the new amount is divided
    over the pending and returned ones (``split_amount``, weighted by their percentages). While a
    report is waiting for review the amounts cannot change under it, so the amendment waits."""
    require(actor, "procurement.contract.manage", contract)
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("project", "organization")
        .get(pk=contract.pk)
    )
    if contract.completed_at is not None or contract.project.status not in (
        ProjectStatus.CONTRACTED,
        ProjectStatus.IN_DELIVERY,
    ):
        raise ValidationFailed(_("合同已验收完成,不能再变更。"), code="contract_closed")
    description = _text(description, field="description", label=_("变更内容"))
    if not _is_int(amount_fen) or amount_fen <= 0:
        raise ValidationFailed(_("变更后金额须为大于零的整数(单位:分)。"), field="amount_fen")
    original = _original_amount(contract)
    cap = original + original * AMENDMENT_MAX_INCREASE_PERCENT // 100
    if amount_fen > cap:
        raise ValidationFailed(
            _("追加金额不得超过原合同金额的%(p)s%%:变更后金额最多为 %(cap)s。")
            % {"p": AMENDMENT_MAX_INCREASE_PERCENT, "cap": format_yuan(cap)},
            code="over_amendment_cap",
            field="amount_fen",
        )
    milestones = list(contract.milestones.select_for_update().order_by("seq"))
    if any(m.status == MilestoneStatus.SUBMITTED for m in milestones):
        raise ValidationFailed(
            _("有履约报告正在等待验收,请先验收或退回后再变更合同。"), code="report_under_review"
        )
    settled = [m for m in milestones if m.status in (MilestoneStatus.ACCEPTED, MilestoneStatus.PAID)]
    open_ = [m for m in milestones if m.status in (MilestoneStatus.PENDING, MilestoneStatus.RETURNED)]
    settled_fen = sum(m.amount_fen for m in settled)
    if amount_fen < settled_fen:
        raise ValidationFailed(
            _("变更后金额不能低于已验收或已支付的金额 %(settled)s。") % {"settled": format_yuan(settled_fen)},
            code="below_settled",
            field="amount_fen",
        )
    changes = {}
    if amount_fen != contract.amount_fen:
        if not open_:
            raise ValidationFailed(
                _("所有节点均已验收,不能再变更合同金额。"), code="nothing_to_adjust", field="amount_fen"
            )
        shares = split_amount(amount_fen - settled_fen, [m.percent for m in open_])
        if min(shares) <= 0:
            raise ValidationFailed(
                _("变更后金额扣除已验收或已支付的部分后,不足以分配到每个未验收节点。"),
                code="amount_too_small",
                field="amount_fen",
            )
        for m, share in zip(open_, shares, strict=True):
            if m.amount_fen != share:
                changes[f"milestone_{m.seq}_amount_fen"] = [m.amount_fen, share]
                m.amount_fen = share
                m.save(update_fields=["amount_fen"])
    amendment = ContractAmendment.objects.create(
        contract=contract,
        description=description,
        amount_fen_before=contract.amount_fen,
        amount_fen_after=amount_fen,
        created_by=actor,
    )
    before = contract.amount_fen
    contract.amount_fen = amount_fen
    contract.save(update_fields=["amount_fen"])
    audit.record(
        actor=actor,
        action="procurement.contract.amend",
        obj=contract,
        changes={"amount_fen": [before, amount_fen], "amendment": amendment.pk, **changes},
        reason=description,
    )
    _tell_org(
        contract.organization,
        str(_("项目「%(t)s」合同已变更") % {"t": contract.project.title}),
        str(
            _("合同金额:%(before)s → %(after)s。%(d)s")
            % {"before": format_yuan(before), "after": format_yuan(amount_fen), "d": description}
        ),
    )
    return amendment


# --- delivery reports -----------------------------------------------------------------------
@transaction.atomic
def milestone_report_submit(
    *, actor, milestone: Milestone, content: str, evidence_uploads=()
) -> MilestoneReport:
    """The contracted organisation reports a milestone's delivery, with evidence files (PDF, JPG,
    PNG, at most 10 MB each) kept as private files readable by the organisation, the street and
    the district."""
    require(actor, "procurement.milestone.report", milestone)
    milestone = _locked_milestone(milestone)
    project = milestone.contract.project
    _require_in_delivery(project)
    _require_milestone_status(milestone, (MilestoneStatus.PENDING, MilestoneStatus.RETURNED), _("提交报告"))
    content = _text(content, field="content", label=_("履约报告"))
    uploads = list(evidence_uploads or ())
    if len(uploads) > MAX_EVIDENCE_FILES:
        raise ValidationFailed(
            _("佐证材料最多%(n)s个文件。") % {"n": MAX_EVIDENCE_FILES}, field="evidence_uploads"
        )
    stored = []
    try:
        for upload in uploads:
            stored.append(
                private_file_store(
                    upload=upload,
                    purpose=EVIDENCE_PURPOSE,
                    actor=actor,
                    attached_to=f"procurement.milestone:{milestone.pk}",
                )
            )
        report = MilestoneReport.objects.create(
            milestone=milestone,
            content=content,
            evidence_file_ids=[str(f.pk) for f in stored],
            submitted_by=actor,
        )
        transitions.MILESTONE.perform(milestone, "submit", actor=actor)
        audit.record(
            actor=actor,
            action="procurement.milestone.report",
            obj=milestone,
            changes={"report": report.pk, "evidence_files": len(stored)},
        )
    except Exception:
        # The rows roll back with the transaction; the stored bytes would not.
        for record in stored:
            storages["private"].delete(record.stored_name)
        raise
    signer = milestone.contract.signed_by
    notify(
        recipient=signer,
        kind=NotificationKind.PROCUREMENT,
        title=str(_("项目「%(t)s」节点「%(m)s」提交了履约报告") % {"t": project.title, "m": milestone.title}),
    )
    return report


def _latest_report(milestone: Milestone) -> MilestoneReport:
    return milestone.reports.select_for_update().order_by("-submitted_at", "-id").first()


@transaction.atomic
def milestone_accept(*, actor, milestone: Milestone, note: str = "", source: str | None = None) -> Milestone:
    """Accept a delivered milestone (验收通过) and release its payment.

    ``source`` is where the payment comes from; it may be left out when the project has one
    funding source, and must be given when it has both. The milestone row is locked first, so of
    several officials accepting at once exactly one acceptance and one payment are made."""
    require(actor, "procurement.milestone.review", milestone)
    milestone = _locked_milestone(milestone)
    project = milestone.contract.project
    _require_in_delivery(project)
    _require_milestone_status(milestone, (MilestoneStatus.SUBMITTED,), _("验收"))
    source = _payment_source(project, source)
    note = (note or "").strip() if isinstance(note, str) else ""
    report = _latest_report(milestone)
    report.review_note, report.reviewed_by, report.reviewed_at = note, actor, timezone.now()
    report.save(update_fields=["review_note", "reviewed_by", "reviewed_at"])
    transitions.MILESTONE.perform(milestone, "accept", actor=actor, reason=note)
    milestone_pay(actor=actor, milestone=milestone, source=source)
    milestone.refresh_from_db()
    _tell_org(
        milestone.contract.organization,
        str(_("项目「%(t)s」节点「%(m)s」已验收通过") % {"t": project.title, "m": milestone.title}),
        note,
    )
    return milestone


@transaction.atomic
def milestone_return(*, actor, milestone: Milestone, reason: str) -> Milestone:
    """Send a milestone report back for changes (退回修改), with the reason."""
    require(actor, "procurement.milestone.review", milestone)
    milestone = _locked_milestone(milestone)
    project = milestone.contract.project
    _require_in_delivery(project)
    _require_milestone_status(milestone, (MilestoneStatus.SUBMITTED,), _("退回"))
    reason = _text(reason, field="reason", label=_("退回原因"))
    report = _latest_report(milestone)
    report.review_note, report.reviewed_by, report.reviewed_at = reason, actor, timezone.now()
    report.save(update_fields=["review_note", "reviewed_by", "reviewed_at"])
    transitions.MILESTONE.perform(milestone, "return", actor=actor, reason=reason)
    _tell_org(
        milestone.contract.organization,
        str(_("项目「%(t)s」节点「%(m)s」被退回修改") % {"t": project.title, "m": milestone.title}),
        reason,
    )
    return milestone


# --- payments -------------------------------------------------------------------------------
ALLOWED_SOURCES = {
    FundingSource.FISCAL: {PaymentSource.FISCAL},
    FundingSource.FUND: {PaymentSource.FUND},
    FundingSource.BOTH: {PaymentSource.FISCAL, PaymentSource.FUND},
}


def _payment_source(project: Project, source: str | None) -> str:
    allowed = ALLOWED_SOURCES[project.funding_source]
    if source in (None, ""):
        if len(allowed) > 1:
            raise ValidationFailed(
                _("本项目资金来源为财政资金与专项基金,请选择本节点的付款来源。"),
                code="source_required",
                field="source",
            )
        return next(iter(allowed))
    if source not in allowed:
        raise ValidationFailed(
            _("付款来源与项目资金来源(%(funding)s)不符。")
            % {"funding": project.get_funding_source_display()},
            code="source_mismatch",
            field="source",
        )
    return source


@transaction.atomic
def milestone_pay(*, actor, milestone: Milestone, source: str) -> Payment:
    """Record an accepted milestone's payment, of exactly the milestone's amount.

    From the fiscal budget the milestone is paid at once; from the governance fund the Payment
    waits for the fund's disbursement (see the module's docstring)."""
    require(actor, "procurement.milestone.review", milestone)
    milestone = _locked_milestone(milestone)
    _require_milestone_status(milestone, (MilestoneStatus.ACCEPTED,), _("付款"))
    if Payment.objects.filter(milestone=milestone).exists():
        raise ValidationFailed(_("该节点的付款已登记。"), code="already_paid")
    source = _payment_source(milestone.contract.project, source)
    payment = Payment.objects.create(
        milestone=milestone, amount_fen=milestone.amount_fen, source=source, recorded_by=actor
    )
    audit.record(
        actor=actor,
        action="procurement.milestone.payment",
        obj=milestone,
        changes={"amount_fen": payment.amount_fen, "source": source},
    )
    if source == PaymentSource.FISCAL:
        transitions.MILESTONE.perform(milestone, "pay", actor=actor)
    return payment


@transaction.atomic
def milestone_fund_disbursed(*, actor, milestone: Milestone, disbursement_ref: str) -> Payment:
    """The governance fund's hand-over: its disbursement for a waiting fund payment has been
    made. Called by the fund's disbursement service as the system (``actor=None``)."""
    require(actor, "procurement.milestone.fund_disbursed", milestone)
    milestone = _locked_milestone(milestone)
    ref = (disbursement_ref or "").strip() if isinstance(disbursement_ref, str) else ""
    if not ref or len(ref) > 64:
        raise ValidationFailed(_("请提供基金拨付编号(不超过64个字符)。"), field="disbursement_ref")
    payment = Payment.objects.select_for_update().filter(milestone=milestone).first()
    if (
        payment is None
        or payment.source != PaymentSource.FUND
        or payment.fund_disbursement_ref
        or milestone.status != MilestoneStatus.ACCEPTED
    ):
        raise ValidationFailed(_("该节点没有等待基金拨付的付款。"), code="no_fund_request")
    payment.fund_disbursement_ref = ref
    payment.save(update_fields=["fund_disbursement_ref"])
    audit.record(
        actor=actor, action="procurement.milestone.fund_disbursed", obj=milestone, changes={"ref": ref}
    )
    transitions.MILESTONE.perform(milestone, "pay", actor=actor)
    return payment


# --- completion and rating ------------------------------------------------------------------
@transaction.atomic
def project_complete(*, actor, project: Project) -> Project:
    """Complete the project (验收完成) once every milestone is accepted with its payment
    recorded (a fund payment may still be waiting for its disbursement)."""
    require(actor, "procurement.contract.manage", project)
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require_in_delivery(project)
    contract = (
        Contract.objects.select_for_update(of=("self",)).select_related("organization").get(project=project)
    )
    milestones = list(contract.milestones.select_related("payment").order_by("seq"))
    open_ = [
        m
        for m in milestones
        if m.status not in (MilestoneStatus.ACCEPTED, MilestoneStatus.PAID) or not hasattr(m, "payment")
    ]
    if open_:
        raise ValidationFailed(
            _("还有节点未验收:%(titles)s。") % {"titles": "、".join(m.title for m in open_)},
            code="milestones_open",
        )
    now = timezone.now()
    project = transitions.PROJECT.perform(project, "complete", actor=actor)
    contract.completed_at = now
    contract.save(update_fields=["completed_at"])
    audit.record(
        actor=actor,
        action="procurement.contract.complete",
        obj=contract,
        changes={"completed_at": now.isoformat()},
    )
    _tell_org(contract.organization, str(_("项目「%(t)s」已验收完成") % {"t": project.title}))
    return project


@transaction.atomic
def contract_rate(*, actor, contract: Contract, score: int, comment: str = "") -> Rating:
    """Rate a completed contract, once; the rating shows on the organisation's public record."""
    require(actor, "procurement.contract.manage", contract)
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("project", "organization")
        .get(pk=contract.pk)
    )
    if contract.completed_at is None:
        raise ValidationFailed(_("合同验收完成后才能评价。"), code="not_completed")
    if Rating.objects.filter(contract=contract).exists():
        raise ValidationFailed(_("该合同已评价过。"), code="already_rated")
    if not _is_int(score) or not 1 <= score <= 5:
        raise ValidationFailed(_("评分须为1到5之间的整数。"), field="score")
    if not isinstance(comment, str) or len(comment) > 2000:
        raise ValidationFailed(_("评价不超过2000字。"), field="comment")
    rating = Rating.objects.create(contract=contract, score=score, comment=comment.strip(), rated_by=actor)
    audit.record(actor=actor, action="procurement.contract.rate", obj=contract, changes={"score": score})
    _tell_org(
        contract.organization,
        str(_("项目「%(t)s」收到履约评价:%(s)s分") % {"t": contract.project.title, "s": score}),
        rating.comment,
    )
    return rating


__all__ = [
    "AMENDMENT_MAX_INCREASE_PERCENT",
    "MilestoneTerms",
    "contract_amend",
    "contract_rate",
    "contract_sign",
    "delivery_start",
    "milestone_accept",
    "milestone_fund_disbursed",
    "milestone_pay",
    "milestone_report_submit",
    "milestone_return",
    "project_complete",
    "split_amount",
]
