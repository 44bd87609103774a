"""The governance fund in the district's back office (专项基金): funds and sub-funds with their
books and disclosures (``admin_funds``), donations (``admin_donations``) and disbursements
(``admin_disbursements``). Everything is scoped to the district admins of the fund's district;
every write is one service call.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSetGroup

from .admin_disbursements import DisbursementViewSet
from .admin_donations import DonationViewSet
from .admin_funds import DisclosureViewSet, FundViewSet


class FundViewSetGroup(ModelViewSetGroup):
    menu_label = _("专项基金")
    menu_icon = "folder-open-inverse"
    menu_order = 260
    items = (FundViewSet, DonationViewSet, DisbursementViewSet, DisclosureViewSet)


__all__ = ["DisbursementViewSet", "DisclosureViewSet", "DonationViewSet", "FundViewSet", "FundViewSetGroup"]
