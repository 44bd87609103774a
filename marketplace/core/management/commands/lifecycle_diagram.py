from django.core.management.base import BaseCommand

from marketplace.core.lifecycle import lifecycles


class Command(BaseCommand):
    help = "Print every lifecycle table as a Mermaid state diagram (Markdown)."

    def handle(self, *args, **options):
        tables = lifecycles()
        if not tables:
            self.stdout.write("No lifecycles are registered yet.")
            return
        for name, lifecycle in sorted(tables.items()):
            self.stdout.write(f"## {name}\n\n```mermaid\n{lifecycle.mermaid()}\n```\n")
