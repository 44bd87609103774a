"""The committed catalogs in locale/: complete, consistent with their compiled .mo files (CI has
no gettext to compile them), and in effect."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

LOCALE = Path(settings.BASE_DIR) / "locale"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def read_po(path: Path) -> dict:
    """{msgid or "ctx\\x04msgid": msgstr, or [msgstr[0], msgstr[1], ...] for plurals}."""
    entries, current, field = {}, {}, None

    def flush():
        if "msgid" in current and current["msgid"] and not current.get("obsolete"):
            key = current["msgid"]
            if "msgctxt" in current:
                key = current["msgctxt"] + "\x04" + key
            plurals = sorted(k for k in current if k.startswith("msgstr["))
            entries[key] = [current[k] for k in plurals] if plurals else current.get("msgstr", "")
            if plurals:
                entries[key] = (current["msgid_plural"], entries[key])

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            flush()
            current, field = {}, None
        elif line.startswith("#~"):
            current["obsolete"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[field] += ast.literal_eval(line)
        else:
            field, _sep, value = line.partition(" ")
            current[field] = ast.literal_eval(value)
    flush()
    return entries


def catalogs():
    return sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


@pytest.mark.parametrize("po", catalogs(), ids=lambda p: p.parts[-3])
def test_compiled_catalog_matches_its_source(po):
    with open(po.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    for key, value in read_po(po).items():
        if isinstance(value, tuple):
            for index, text in enumerate(value[1]):
                if text:
                    assert compiled.get((key, index)) == text, key
        elif value:
            assert compiled.get(key) == value, f"{key!r}: run compilemessages"


def test_every_chinese_string_has_an_english_translation():
    entries = read_po(LOCALE / "en" / "LC_MESSAGES" / "django.po")
    chinese = {key: value for key, value in entries.items() if CJK.search(key)}
    assert len(chinese) > 100
    for msgid, value in chinese.items():
        translations = value[1] if isinstance(value, tuple) else [value]
        for text in translations:
            assert text, f"untranslated: {msgid}"
            assert not CJK.search(text), f"Chinese left in the English of {msgid!r}"
            # Every %(name)s of the source must survive translation, or rendering fails.
            assert set(PLACEHOLDER.findall(msgid.split("\x04")[-1])) == set(PLACEHOLDER.findall(text)), msgid


def test_english_is_served_from_the_catalog():
    with translation.override("en"):
        assert _("太和区基层治理服务平台") == "Taihe District Grassroots Governance Portal"
        assert _("跳到正文") == "Skip to main content"


def test_chinese_wording_of_allauth_is_the_portals():
    """allauth's own catalog says 电话号码 and 双因素身份认证; the portal says 手机号 and 两步验证."""
    with translation.override("zh-hans"):
        assert _("Phone") == "手机号"
        assert _("Two-Factor Authentication") == "两步验证"
        assert pgettext("field label", "Login") == "手机号或电子邮箱"
        # Strings the override does not list keep allauth's translation.
        assert _("Sign In") == "登录"
    with translation.override("en"):
        assert _("Phone") == "Phone"
