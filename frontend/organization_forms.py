"""Forms of the organisation pages. They only parse what people type into the shapes the
services take; every rule (credit code, community inside the street, grade with its expiry,
application window ...) is checked by ``marketplace.organizations.services``, whose errors
``apply_domain_error`` puts back on the form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import DomainError
from marketplace.organizations import selectors, services
from marketplace.organizations.choices import DocumentKind, Grade, LegalForm, ServiceCategory
from marketplace.places import selectors as place_selectors

from . import choice_cache


def apply_domain_error(form: forms.Form, exc: DomainError, *, field_map: dict | None = None) -> None:
    """Show a service's error on the field it names, or above the form when the form has no
    such field (a permission or lifecycle refusal)."""
    name = (field_map or {}).get(exc.field, exc.field)
    form.add_error(name if name in form.fields else None, str(exc.message))


class _PlaceChoices:
    """Streets and communities read once per form; the community select is grouped by street so
    that the choice is clear without any script."""

    def __init__(self):
        self.streets = choice_cache.rows(
            "streets", lambda: {street.pk: street for street in place_selectors.street_list()}
        )
        self.communities = choice_cache.rows(
            "communities", lambda: {c.pk: c for c in place_selectors.community_list()}
        )

    def street_choices(self, blank_label):
        return [("", blank_label), *((pk, s.name) for pk, s in self.streets.items())]

    def community_choices(self, blank_label):
        groups: dict[int, list] = {}
        for pk, community in self.communities.items():
            groups.setdefault(community.street_id, []).append((pk, community.name))
        return [
            ("", blank_label),
            *(
                (self.streets[street_id].name if street_id in self.streets else "", options)
                for street_id, options in groups.items()
            ),
        ]


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _tag_choices():
    # Labels are made now, in the request's language; the rows may come from the cache.
    return [(tag.slug, tag.label) for tag in choice_cache.rows("tags", lambda: list(selectors.tag_list()))]


# --- directory ------------------------------------------------------------------------------
class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("关键词"), required=False, max_length=50, widget=forms.TextInput(attrs={"type": "search"})
    )
    street = forms.TypedChoiceField(label=_("街道"), required=False, coerce=int, empty_value=None)
    community = forms.TypedChoiceField(label=_("社区"), required=False, coerce=int, empty_value=None)
    category = forms.ChoiceField(label=_("服务类别"), required=False)
    tag = forms.ChoiceField(label=_("服务标签"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = _PlaceChoices()
        self.fields["street"].choices = places.street_choices(_("全部街道"))
        self.fields["community"].choices = places.community_choices(_("全部社区"))
        self.fields["category"].choices = [("", _("全部类别")), *ServiceCategory.choices]
        self.fields["tag"].choices = [("", _("全部标签")), *_tag_choices()]
        self.fields["q"].widget.attrs["placeholder"] = _("组织名称或简介")

    def filters(self) -> dict:
        """The valid filters only: a stale or hand-made link with a bad value still lists."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "street_id": data.get("street"),
            "community_id": data.get("community"),
            "category": data.get("category") or None,
            "tag": data.get("tag") or None,
            "q": (data.get("q") or "").strip() or None,
        }

    @property
    def active(self) -> bool:
        return any(self.filters().values())


# --- registration and profile ---------------------------------------------------------------
class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("组织名称"), max_length=100)
    legal_form = forms.ChoiceField(label=_("组织形式"), choices=[("", _("请选择")), *LegalForm.choices])
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        required=False,
        max_length=40,
        help_text=_("已登记的社会团体、社会服务机构和基金会填写18位代码;备案的社区社会组织留空。"),
    )
    uscc_check_failed = forms.BooleanField(
        label=_("代码与证书一致"),
        required=False,
        help_text=_("仅当系统提示校验位不正确、而证书上的代码确实如此时勾选,由区级人工核验。"),
    )
    legal_representative = forms.CharField(label=_("法定代表人/负责人"), max_length=50)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("11位手机号,仅组织成员和区级管理员可见。"),
    )
    address = forms.CharField(label=_("地址"), max_length=200)
    street = forms.TypedChoiceField(label=_("所在街道"), coerce=int)
    community = forms.TypedChoiceField(label=_("所在社区"), coerce=int, required=False, empty_value=None)
    category = forms.ChoiceField(label=_("服务类别"), choices=[("", _("请选择")), *ServiceCategory.choices])
    tags = forms.MultipleChoiceField(label=_("服务标签"), required=False, widget=forms.CheckboxSelectMultiple)
    founded_on = forms.DateField(label=_("成立日期"), widget=DateInput())
    grade = forms.ChoiceField(
        label=_("评估等级"), required=False, choices=[("", _("未评估")), *Grade.choices]
    )
    grade_expires_on = forms.DateField(
        label=_("等级有效期至"),
        required=False,
        widget=DateInput(),
        help_text=_("填写评估等级时必填。"),
    )
    description = forms.CharField(
        label=_("组织简介"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("公开显示在组织名录中。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._places = _PlaceChoices()
        self.fields["street"].choices = self._places.street_choices(_("请选择街道"))
        self.fields["community"].choices = self._places.community_choices(_("不属于某个社区"))
        self.fields["tags"].choices = _tag_choices()

    @classmethod
    def initial_for(cls, org) -> dict:
        return {
            "name": org.name,
            "legal_form": org.legal_form,
            "uscc": org.uscc or "",
            "uscc_check_failed": org.uscc_check_failed,
            "legal_representative": org.legal_representative,
            "contact_phone": org.contact_phone.removeprefix("+86"),
            "address": org.address,
            "street": org.street_id,
            "community": org.community_id,
            "category": org.category,
            "tags": [tag.slug for tag in org.tags.all()],
            "founded_on": org.founded_on,
            "grade": org.grade,
            "grade_expires_on": org.grade_expires_on,
            "description": org.description,
        }

    def to_data(self) -> services.OrganizationData:
        data = self.cleaned_data
        return services.OrganizationData(
            name=data["name"],
            legal_form=data["legal_form"],
            uscc=data["uscc"],
            uscc_check_failed=data["uscc_check_failed"],
            legal_representative=data["legal_representative"],
            contact_phone=data["contact_phone"],
            address=data["address"],
            street=self._places.streets.get(data["street"]),
            community=self._places.communities.get(data["community"]) if data["community"] else None,
            category=data["category"],
            founded_on=data["founded_on"],
            grade=data["grade"],
            grade_expires_on=data["grade_expires_on"],
            description=data["description"],
            tag_slugs=list(data["tags"]),
        )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        help_text=_("PDF、JPG 或 PNG,不超过 10 MB。"),
    )


class MemberAddForm(forms.Form):
    phone = forms.CharField(
        label=_("成员手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
        help_text=_("对方须已在本平台注册。"),
    )


# --- incubation -----------------------------------------------------------------------------
class ReportSubmitForm(forms.Form):
    content = forms.CharField(label=_("报告内容"), widget=forms.Textarea(attrs={"rows": 5}))


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=200)
    happened_on = forms.DateField(label=_("活动日期"), widget=DateInput())
    participants = forms.IntegerField(label=_("参与人数"), min_value=0, initial=0)
    summary = forms.CharField(label=_("活动简述"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ApplicationForm(forms.Form):
    """One textarea per question of the cohort's application form."""

    def __init__(self, *args, cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        for question in cohort.questions:
            self.fields[self.field_name(question["key"])] = forms.CharField(
                label=question["label"],
                required=bool(question.get("required", True)),
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    @staticmethod
    def field_name(key: str) -> str:
        return f"q_{key}"

    @property
    def field_map(self) -> dict:
        return {q["key"]: self.field_name(q["key"]) for q in self.cohort.questions}

    def answers(self) -> dict:
        return {q["key"]: self.cleaned_data.get(self.field_name(q["key"]), "") for q in self.cohort.questions}
