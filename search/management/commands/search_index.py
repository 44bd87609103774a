"""``manage.py search_index``: the state of the search index, or its rebuild.

- ``--rebuild``: every document of every kind, read afresh from the domain, replaces the index
  in one swap (the backend's ``rebuild``: searches never see a half-built index); prints the
  count per kind.
- ``--kind project`` (repeatable): index that kind's documents again, batch by batch, and remove
  the ones no longer public; the other kinds are left as they are.
- without options: the backend in use and the number of documents it holds.

Wagtail's own admin search over pages keeps its index (``manage.py update_index``).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from search import tasks
from search.service import backend_path, get_backend
from search.types import KINDS

KIND_LABELS = {"project": "服务项目", "organization": "社会组织", "activity": "志愿活动", "page": "页面"}


class Command(BaseCommand):
    help = "重建或更新统一搜索的索引:--rebuild 全部重建并按类型打印文档数;--kind 只更新一种内容。"

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="从业务数据全部重建索引。")
        parser.add_argument(
            "--kind", action="append", choices=KINDS, default=[], help="只重新索引这一种内容(可重复)。"
        )

    def handle(self, *args, rebuild=False, kind=(), **options):
        if rebuild and kind:
            raise CommandError("--rebuild 已包含全部类型,不能与 --kind 同时使用。")
        started = time.monotonic()
        if rebuild:
            counts = tasks.rebuild_all()
            for name, count in counts.items():
                self.stdout.write(f"{name}\t{KIND_LABELS[name]}\t{count}")
            self.stdout.write(
                self.style.SUCCESS(
                    f"索引已重建:共 {sum(counts.values())} 条文档,用时 {time.monotonic() - started:.1f} 秒。"
                )
            )
            return
        if kind:
            for name in dict.fromkeys(kind):
                indexed, absent = tasks.reindex_kind(name)
                self.stdout.write(f"{name}\t{KIND_LABELS[name]}\t{indexed}\t(不公开、已移除 {absent})")
            self.stdout.write(self.style.SUCCESS(f"索引已更新,用时 {time.monotonic() - started:.1f} 秒。"))
            return
        self.stdout.write(f"搜索后端:{backend_path()}")
        self.stdout.write(f"索引文档数:{get_backend().count()}")
