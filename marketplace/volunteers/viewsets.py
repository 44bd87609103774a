"""Volunteering in the staff back office (志愿服务): activities with their shifts, rosters and
hours (``admin_activities``), the volunteer registry with the roster import and the hours
exports, and in-service party members' reports (``admin_registry``). Everything is scoped to
the staff member's grid, community or street; the district sees all.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSetGroup

from .admin_activities import ActivityViewSet
from .admin_registry import PartyReportViewSet, VolunteerViewSet


class VolunteersViewSetGroup(ModelViewSetGroup):
    menu_label = _("志愿服务")
    menu_icon = "group"
    menu_order = 240
    items = (ActivityViewSet, VolunteerViewSet, PartyReportViewSet)


__all__ = ["ActivityViewSet", "PartyReportViewSet", "VolunteerViewSet", "VolunteersViewSetGroup"]
