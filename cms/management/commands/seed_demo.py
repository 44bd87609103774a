"""``manage.py seed_demo``: load the demo district, its places, party organisations and one
account per role, then print the demo logins. Safe to run any number of times."""

import unicodedata

from django.core.management.base import BaseCommand
from django.db import transaction

from cms.demo import STEPS, DemoContext, DemoLogin


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal; pad by display width, not length.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table(logins: list[DemoLogin]) -> str:
    header = ("角色", "范围", "登录名", "密码", "说明")
    rows = [header, *((x.role, x.scope, x.login, x.password, x.note) for x in logins)]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "载入演示数据(太和区、街道、社区、网格、党组织、各角色演示账户);可重复运行。"

    def handle(self, *args, **options):
        ctx = DemoContext()
        # One transaction: a failing step leaves the database as it was, and SQLite writes the
        # few hundred rows in one go instead of one sync per row.
        with transaction.atomic():
            for step in STEPS:
                step(ctx)
        if ctx.created:
            summary = "、".join(f"{label} {n}" for label, n in ctx.created.items())
            self.stdout.write(self.style.SUCCESS(f"演示数据已载入:新建 {summary}。"))
        else:
            self.stdout.write(self.style.SUCCESS("演示数据已是最新,未新建任何记录。"))
        self.stdout.write("")
        self.stdout.write("演示账户 / Demo logins (http://127.0.0.1:8000/accounts/login/):")
        self.stdout.write(login_table(ctx.logins))
        self.stdout.write("")
        self.stdout.write(
            "已存在的账户保持原样:若曾修改密码,以修改后的为准。\n"
            "Existing accounts are left as they are: a changed password stays changed."
        )
