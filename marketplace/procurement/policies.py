from marketplace.core.files import MB, FilePurpose, register_purpose
from marketplace.core.permissions import SYSTEM, can, register_action
from marketplace.core.roles import Role

S, A, E = Role.STREET_OFFICIAL, Role.DISTRICT_ADMIN, Role.EVALUATOR
OA, OM = Role.ORG_ADMIN, Role.ORG_MEMBER

register_action("procurement.project.create", [S])
register_action("procurement.project.change", [S])
# The district oversees every street's purchases in the back office (and may cancel one).
register_action("procurement.project.view", [S, A])
register_action("procurement.question.answer", [S])
register_action("procurement.bid.write", [OA, OM])
# Reading opened bids: the street that bought, the district, and the project's evaluators. Before
# opening nobody but the bidder reads a bid (selectors.bid_contents enforces the "when").
register_action("procurement.bid.read_opened", [S, A, E])
register_action("procurement.bid.read_own", [OA, OM])
# --- evaluation and award -------------------------------------------------------------------
# The buying street runs the evaluation and the award; evaluators (appointed over one project)
# declare and score; a bidder's admin raises an objection; the street or the district answers it.
register_action("procurement.evaluator.appoint", [S])
register_action("procurement.evaluation.score", [E])
register_action("procurement.evaluation.manage", [S])
register_action("procurement.objection.raise", [OA])
register_action("procurement.objection.resolve", [S, A])
# --- contract and delivery ------------------------------------------------------------------
# The buying street signs, amends, starts, completes and rates the contract and reviews its
# milestones; the contracted organisation reports delivery. The fund's disbursement service
# tells a milestone it has been paid as the system (see services/contracts.py).
register_action("procurement.contract.manage", [S])
register_action("procurement.milestone.report", [OA, OM])
register_action("procurement.milestone.review", [S])
register_action("procurement.milestone.fund_disbursed", [SYSTEM])
register_action("procurement.milestone.view_evidence", [S, A, OA, OM])


def _milestone_evidence_readers(user, file) -> bool:
    """A milestone's evidence: the contracted organisation's members, the buying street's
    officials and the district (looked up by the file's owner object, "procurement.milestone:<id>")."""
    from .models import Milestone

    kind, _sep, pk = file.attached_to.partition(":")
    if kind != "procurement.milestone" or not pk.isdigit():
        return False
    milestone = Milestone.objects.select_related("contract__project").filter(pk=int(pk)).first()
    return milestone is not None and can(user, "procurement.milestone.view_evidence", milestone)


register_purpose(
    FilePurpose(
        "milestone_evidence",
        kinds=frozenset({"pdf", "jpg", "png"}),
        max_bytes=10 * MB,
        sensitive=True,
        can_read=_milestone_evidence_readers,
    )
)


# --- sealed bid attachments -------------------------------------------------------------------
# A bid's attachments are part of its sealed contents: stored encrypted with the project's key and
# readable by exactly those who may read the bid (selectors.bid_readable_by), nobody else, ever.
BID_ATTACHMENT_PURPOSE = "bid_attachment"


def _bid_of(attached_to: str):
    from .models import Bid

    kind, _sep, pk = attached_to.partition(":")
    if kind != "procurement.bid" or not pk.isdigit():
        return None
    return Bid.objects.select_related("project", "organization").filter(pk=int(pk)).first()


def _bid_attachment_readers(user, file) -> bool:
    """Whoever may read the bid; and anyone but the bidder only the files of the bid as it was
    last submitted (a resubmission's replaced files stay with the bidder)."""
    from . import sealing, selectors

    bid = _bid_of(file.attached_to)
    if bid is None or not selectors.bid_readable_by(user, bid):
        return False
    if can(user, "procurement.bid.read_own", bid.organization):
        return True
    current = sealing.unseal(bid.project, bid.sealed_contents) if bid.sealed_contents else {}
    return str(file.pk) in {str(a.get("id")) for a in current.get("attachments", [])}


def _seal_attachment(attached_to: str, data: bytes) -> bytes:
    from . import sealing

    bid = _bid_of(attached_to)
    if bid is None:
        raise ValueError(f"a bid attachment needs its bid, not {attached_to!r}")
    return sealing.seal_bytes(bid.project, data)


def _unseal_attachment(file, data: bytes) -> bytes:
    from . import sealing

    bid = _bid_of(file.attached_to)
    if bid is None:
        raise ValueError(f"the bid of attachment {file.pk} is gone")
    return sealing.unseal_bytes(bid.project, data)


register_purpose(
    FilePurpose(
        BID_ATTACHMENT_PURPOSE,
        kinds=frozenset({"pdf", "jpg", "png", "xlsx"}),
        max_bytes=10 * MB,
        sensitive=True,
        can_read=_bid_attachment_readers,
        encode=_seal_attachment,
        decode=_unseal_attachment,
    )
)
