"""The search page's parameters: what a visitor typed and the facets they picked, checked before
anything reaches the search service. The page never fails on a value it cannot read (a link
edited by hand, an old bookmark): the value is left out and the page says which one and why."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.core.api import MAX_ID
from search.labels import KIND_LABELS
from search.types import KINDS, MAX_PAGE, MAX_QUERY_LENGTH, SearchQuery

# Categories and statuses are the domain's stable codes.
CODE_PATTERN = r"^[a-z0-9_]{1,40}\Z"
FILTERS = ("kind", "street", "community", "category", "status")


def _id_field(message) -> forms.IntegerField:
    return forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        error_messages={key: message for key in ("invalid", "min_value", "max_value")},
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("搜索词"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": _("搜索词不能超过 %(limit_value)d 个字,请缩短后再试。"),
            "null_characters_not_allowed": _("搜索词含有无法识别的字符,请重新输入。"),
        },
        widget=forms.SearchInput(
            attrs={
                "placeholder": _("如:养老、助餐、垃圾分类"),
                "autocomplete": "off",
                "enterkeyhint": "search",
                "maxlength": MAX_QUERY_LENGTH,
            }
        ),
    )
    kind = forms.ChoiceField(
        label=_("类型"),
        required=False,
        choices=[("", "")] + [(kind, KIND_LABELS[kind]) for kind in KINDS],
        error_messages={"invalid_choice": _("没有这种内容类型,已显示全部类型。")},
    )
    street = _id_field(_("街道编号无效,已显示全部街道。"))
    community = _id_field(_("社区编号无效,已显示全部社区。"))
    category = forms.RegexField(
        CODE_PATTERN, required=False, error_messages={"invalid": _("服务类别无效,已显示全部类别。")}
    )
    status = forms.RegexField(
        CODE_PATTERN, required=False, error_messages={"invalid": _("状态无效,已显示全部状态。")}
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        message = gettext("页码应为 1 到 %(max)d 之间的整数,已显示第 1 页。") % {"max": MAX_PAGE}
        self.fields["page"].error_messages.update(invalid=message, min_value=message, max_value=message)
        # Completions, when the page's script is there to fetch them (see portal/search.js).
        self.fields["q"].widget.attrs.update(
            {"list": "search-suggestions", "data-suggest-url": reverse("search:suggest")}
        )

    def _value(self, name):
        self.is_valid()
        return self.cleaned_data.get(name)

    @property
    def text(self) -> str:
        return self._value("q") or ""

    def filters(self) -> dict[str, str]:
        """The valid filters as query-string values (what links keep), empty ones left out."""
        self.is_valid()
        return {
            name: str(self.cleaned_data[name])
            for name in FILTERS
            if self.cleaned_data.get(name) not in (None, "")
        }

    def problems(self) -> list[str]:
        """One message per value that was left out."""
        self.is_valid()
        return [str(message) for errors in self.errors.values() for message in errors]

    def search_query(self, *, page: int | None = None) -> SearchQuery:
        self.is_valid()
        data = self.cleaned_data
        return SearchQuery(
            text=data.get("q") or "",
            kind=data.get("kind") or "",
            street_id=data.get("street"),
            community_id=data.get("community"),
            category=data.get("category") or "",
            status=data.get("status") or "",
            page=page or data.get("page") or 1,
        )
