from io import StringIO

from django.core.management import call_command

from tests.testapp.transitions import TICKET


def test_diagram_command_prints_each_lifecycle():
    out = StringIO()
    call_command("lifecycle_diagram", stdout=out)
    text = out.getvalue()
    assert "## testapp.ticket" in text
    assert TICKET.mermaid() in text
