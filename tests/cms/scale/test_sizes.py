"""The sizes of a scale seed: defaults, --scale and single flags."""

from cms.scale.sizes import DEFAULTS, Sizes


def test_defaults_are_the_district_of_issue_9():
    sizes = Sizes.from_options()
    assert sizes.as_dict() == {
        "volunteers": 1_000_000,
        "hours": 5_000_000,
        "activities": 100_000,
        "projects": 100_000,
        "bids": 400_000,
        "organizations": 10_000,
        "donations": 1_000_000,
    }


def test_scale_multiplies_every_default_and_a_flag_overrides_its_own():
    sizes = Sizes.from_options(scale=0.01, bids=123)
    assert sizes.volunteers == DEFAULTS["volunteers"] // 100
    assert sizes.hours == 50_000
    assert sizes.bids == 123
    assert Sizes.from_options(scale=0.001).organizations == 10
