"""COPY's text format, as the generators write it."""

from cms.scale.copy import day, local_day, ts, value


def test_copy_text_format():
    assert ts(0) == "1970-01-01 00:00:00+00"
    assert ts(86_400 * 365 + 3_661) == "1971-01-01 01:01:01+00"
    assert value(None) == "\\N"
    assert value(True) == "t"
    assert value(False) == "f"
    assert value(-12) == "-12"
    assert value("甲\t乙\n丙\\") == "甲\\t乙\\n丙\\\\"


def test_local_day_is_the_day_in_shanghai():
    # 2026-01-01 16:00 UTC is already 2 January in Asia/Shanghai.
    moment = 1_767_283_200  # 2026-01-01 16:00:00 UTC
    assert ts(moment) == "2026-01-01 16:00:00+00"
    assert day(local_day(moment)) == "2026-01-02"
