from io import StringIO

from django.core.management import call_command

from tests.testapp.transitions import TICKET


def test_diagram_command_prints_each_lifecycle():
    out = StringIO()
    call_command("lifecycle_diagram", stdout=out)
    text = out.getvalue()
    assert "## testapp.ticket" in text
    assert TICKET.mermaid() in text


def test_docs_diagram_matches_the_tables():
    from pathlib import Path

    from django.conf import settings

    out = StringIO()
    call_command("lifecycle_diagram", stdout=out)
    docs = (Path(settings.BASE_DIR) / "docs" / "lifecycles.md").read_text(encoding="utf-8")
    for section in out.getvalue().split("## ")[1:]:
        if section.startswith("testapp."):
            continue  # the engine's own test table is not part of the portal
        assert "## " + section.strip() in docs, "docs/lifecycles.md is stale: regenerate it (see its header)"
