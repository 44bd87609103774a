from marketplace.core.files import MB, FilePurpose, register_purpose
from marketplace.core.permissions import OWNER, SYSTEM, can, register_action
from marketplace.core.roles import Role

A = Role.DISTRICT_ADMIN

# --- funds ----------------------------------------------------------------------------------
# Setting up funds and sub-funds, scheduling and publishing disclosures: the district.
register_action("fund.fund.manage", [A])
# The books and the donor list with contacts: the district.
register_action("fund.fund.oversee", [A])
# --- donations ------------------------------------------------------------------------------
register_action("fund.donation.record_offline", [A])
register_action("fund.donation.refund", [A])
# A donation's receipt: the donor who gave it signed in, and the district.
register_action("fund.donation.view", [OWNER, A])
# The payment provider's confirmations (the webhook): the system only.
register_action("fund.donation.provider_update", [SYSTEM])
# --- disbursements --------------------------------------------------------------------------
register_action("fund.disbursement.propose", [A])
register_action("fund.disbursement.approve", [A])

# --- offline donations' evidence (bank slips) -----------------------------------------------
DONATION_EVIDENCE_PURPOSE = "fund_donation_evidence"


def _evidence_readers(user, file) -> bool:
    from .models import Fund

    kind, _sep, pk = file.attached_to.partition(":")
    if kind != "fund.fund" or not pk.isdigit():
        return False
    fund = Fund.objects.filter(pk=int(pk)).first()
    return fund is not None and can(user, "fund.fund.oversee", fund)


register_purpose(
    FilePurpose(
        DONATION_EVIDENCE_PURPOSE,
        kinds=frozenset({"pdf", "jpg", "png"}),
        max_bytes=10 * MB,
        sensitive=True,
        can_read=_evidence_readers,
    )
)
