"""Every template of the portal, rendered in the tests or not, is written for the strict
Content-Security-Policy: no inline styles, no event handlers, every <script> with the nonce."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "frontend" / "templates"
COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.DOTALL)


def templates():
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_is_written_for_the_policy(path):
    source = COMMENT.sub("", path.read_text(encoding="utf-8"))
    assert not re.search(r"\sstyle\s*=", source), "inline style attribute"
    assert not re.search(r"\son[a-z]+\s*=", source), "inline event handler"
    assert "javascript:" not in source
    for tag in re.findall(r"<script\b[^>]*>", source):
        assert "csp_nonce_attr" in tag or "csp_nonce" in tag, tag
    for tag in re.findall(r"<style\b[^>]*>", source):
        assert "csp_nonce" in tag, tag
