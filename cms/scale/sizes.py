"""The sizes a scale seed is asked for, and the plan derived from them."""

from dataclasses import asdict, dataclass, fields

# A district of about a million registered volunteers (issue #9).
DEFAULTS = {
    "volunteers": 1_000_000,
    "hours": 5_000_000,
    "activities": 100_000,
    "projects": 100_000,
    "bids": 400_000,
    "organizations": 10_000,
    "donations": 1_000_000,
}

LABELS = {
    "volunteers": "志愿者",
    "hours": "服务时长记录",
    "activities": "志愿活动",
    "projects": "服务项目",
    "bids": "投标",
    "organizations": "社会组织",
    "donations": "捐赠",
}

DEFAULT_SEED = 20260101


@dataclass(frozen=True)
class Sizes:
    volunteers: int
    hours: int
    activities: int
    projects: int
    bids: int
    organizations: int
    donations: int

    @classmethod
    def from_options(cls, *, scale: float = 1.0, **given) -> "Sizes":
        """Each size from its own flag, else its default times ``scale`` (rounded)."""
        values = {}
        for name, default in DEFAULTS.items():
            value = given.get(name)
            values[name] = int(value) if value is not None else int(round(default * scale))
        return cls(**values)

    def as_dict(self) -> dict:
        return asdict(self)

    def items(self):
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


def plan_rows(sizes: Sizes) -> dict[str, int]:
    """Approximate row counts of the larger derived tables, for ``--dry-run`` (the exact numbers
    depend on the random draws and are printed after the run)."""
    past_share = 0.75
    return {
        "用户(志愿者、组织管理员、工作人员)": sizes.volunteers + sizes.organizations + 60,
        "实名信息": sizes.volunteers,
        "班次": int(sizes.activities * 2.2),
        "报名": int(sizes.hours * 1.10 + sizes.activities * (1 - past_share) * 2 * 15),
        "评分项": sizes.projects * 3,
        "合同(约)": int(sizes.projects * 0.78),
        "履约节点(约)": int(sizes.projects * 0.78 * 2.7),
        "记账凭证(约)": int(sizes.donations * 0.96),
        "分录(约)": int(sizes.donations * 0.96 * 2),
        "状态流转记录(约)": int(sizes.projects * 12),
    }
