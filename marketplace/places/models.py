"""District → street → community → grid, and the party organisations at each level.

Lower levels carry the ids of every level above them (a grid knows its community, street and
district) so that scope checks and scoped lists need no joins; the services keep them in step.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import PartyOrgKind

code_validator = RegexValidator(
    r"^[0-9A-Za-z_-]{2,32}$", _("编码只能包含字母、数字、下划线和连字符(2–32位)。")
)


class Place(models.Model):
    code = models.CharField(_("编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=100)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class District(Place):
    SCOPE_LOOKUPS = {"district": "id"}

    class Meta(Place.Meta):
        verbose_name = _("区")
        verbose_name_plural = _("区")

    def scope_chain(self):
        return [("district", self.pk)]


class Street(Place):
    district = models.ForeignKey(
        District, verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="streets"
    )

    SCOPE_LOOKUPS = {"district": "district_id", "street": "id"}

    class Meta(Place.Meta):
        verbose_name = _("街道")
        verbose_name_plural = _("街道")
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="uniq_street_name")]

    def scope_chain(self):
        return [("street", self.pk), ("district", self.district_id)]


class Community(Place):
    district = models.ForeignKey(
        District, verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        Street, verbose_name=_("所属街道"), on_delete=models.PROTECT, related_name="communities"
    )

    SCOPE_LOOKUPS = {"district": "district_id", "street": "street_id", "community": "id"}

    class Meta(Place.Meta):
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="uniq_community_name")]

    def scope_chain(self):
        return [("community", self.pk), ("street", self.street_id), ("district", self.district_id)]


class Grid(Place):
    district = models.ForeignKey(
        District, verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(Street, verbose_name=_("所属街道"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="grids"
    )

    SCOPE_LOOKUPS = {
        "district": "district_id",
        "street": "street_id",
        "community": "community_id",
        "grid": "id",
    }

    class Meta(Place.Meta):
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="uniq_grid_name")]

    def scope_chain(self):
        return [
            ("grid", self.pk),
            ("community", self.community_id),
            ("street", self.street_id),
            ("district", self.district_id),
        ]


class PartyOrganization(models.Model):
    """A party organisation: a street's working committee, a community's committee, a grid's
    branch, or the branch of a workplace where in-service party members are employed."""

    kind = models.CharField(_("类型"), max_length=32, choices=PartyOrgKind.choices)
    name = models.CharField(_("名称"), max_length=150)
    code = models.CharField(_("编码"), max_length=32, unique=True, validators=[code_validator])
    district = models.ForeignKey(
        District, verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        Street, verbose_name=_("街道"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Community, verbose_name=_("社区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    workplace = models.CharField(_("所在单位"), max_length=150, blank=True)
    secretary_name = models.CharField(_("书记"), max_length=50, blank=True)

    SCOPE_LOOKUPS = {
        "district": "district_id",
        "street": "street_id",
        "community": "community_id",
        "grid": "grid_id",
    }

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["kind", "code"]
        constraints = [
            # One committee per street and community, one branch per grid.
            models.UniqueConstraint(
                fields=["street"], condition=models.Q(kind="street_committee"), name="uniq_street_committee"
            ),
            models.UniqueConstraint(
                fields=["community"],
                condition=models.Q(kind="community_committee"),
                name="uniq_community_committee",
            ),
            models.UniqueConstraint(
                fields=["grid"], condition=models.Q(kind="grid_branch"), name="uniq_grid_branch"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def scope_chain(self):
        chain = [("partyorg", self.pk)]
        for kind, pk in (
            ("grid", self.grid_id),
            ("community", self.community_id),
            ("street", self.street_id),
            ("district", self.district_id),
        ):
            if pk:
                chain.append((kind, pk))
        return chain
