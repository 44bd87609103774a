"""The words a facet shows for a stored value: kinds, categories and statuses are stored as the
domain's stable codes and labelled here from the domain's own choices, so every backend (and
every language) labels them alike. Streets and communities are labelled by their stored names."""

from django.utils.translation import gettext_lazy as _

KIND_LABELS = {
    "project": _("服务项目"),
    "organization": _("社会组织"),
    "activity": _("志愿活动"),
    "page": _("资讯"),
}

# Pages are categorised by their type.
PAGE_TYPE_LABELS = {
    "notice": _("通知公告"),
    "policy": _("政策文件"),
    "party_news": _("党建动态"),
    "standard": _("普通页面"),
    "street": _("街道页面"),
    "community": _("社区页面"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def category_label(category: str) -> str:
    from marketplace.organizations.choices import ServiceCategory

    if category in ServiceCategory.values:
        return str(ServiceCategory(category).label)
    return str(PAGE_TYPE_LABELS.get(category, category))


def _status_choices(kind: str):
    from marketplace.organizations.choices import OrgStatus
    from marketplace.procurement.choices import ProjectStatus
    from marketplace.volunteers.choices import ActivityStatus

    return {"project": ProjectStatus, "organization": OrgStatus, "activity": ActivityStatus}.get(kind)


def status_label(kind: str, status: str) -> str:
    """The label of a status code for one kind (``published`` is 公告中 for a project and 报名中
    for an activity)."""
    choices = _status_choices(kind)
    if choices is not None and status in choices.values:
        return str(choices(status).label)
    return status


def status_facet_label(status: str, kinds) -> str:
    """The label of a status facet value counted over documents of ``kinds``: one label per
    distinct wording, so a value shared by two kinds reads 公告中 / 报名中."""
    labels = list(dict.fromkeys(status_label(kind, status) for kind in sorted(kinds, key=_kind_order)))
    return " / ".join(labels) if labels else status


def _kind_order(kind: str) -> int:
    from .types import KINDS

    return KINDS.index(kind) if kind in KINDS else len(KINDS)
