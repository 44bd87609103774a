"""``manage.py seed_scale``: fill PostgreSQL with a district's worth of consistent data for load
tests — by default a million volunteers, five million service-hour records, a hundred thousand
activities and service projects with 400,000 bids, ten thousand organisations and a million
donations; ``--scale 0.01`` for a hundredth of that, or any size by its own flag.

Idempotent per size: the run is recorded (``core.ScaleSeed``), a second run with the same sizes
and seed does nothing and says so, and a run with other sizes on a database that holds scale
data is refused (see ``cms.scale.runner.decide``). See ``cms/scale/__init__.py`` for how."""

import time
import unicodedata

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cms.scale import runner
from cms.scale.errors import Refused, SizeError
from cms.scale.sizes import DEFAULT_SEED, DEFAULTS, LABELS, Sizes, plan_rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(header: tuple, rows: list[tuple]) -> str:
    cells = [tuple(str(c) for c in header), *(tuple(str(c) for c in row) for row in rows)]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(header))]

    def line(row):
        out = []
        for i, (cell, w) in enumerate(zip(row, widths, strict=True)):
            pad = " " * (w - _width(cell))
            # Numbers right-aligned, names left.
            out.append(pad + cell if i and cell.replace(".", "").replace(",", "").isdigit() else cell + pad)
        return "  ".join(out).rstrip()

    lines = [line(cells[0]), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in cells[1:]]
    return "\n".join(lines)


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "生成规模测试数据(仅 PostgreSQL,COPY 批量写入):默认志愿者100万、服务时长记录500万、志愿活动10万、"
        "服务项目10万(投标40万)、社会组织1万、捐赠100万;--scale 按比例缩放,各项可单独指定。"
        "同一规模重复运行不做任何改动。"
    )

    def add_arguments(self, parser):
        for name, default in DEFAULTS.items():
            parser.add_argument(
                f"--{name}",
                type=_non_negative,
                default=None,
                help=f"{LABELS[name]}数量(默认 {default:,} × --scale)",
            )
        parser.add_argument("--scale", type=float, default=1.0, help="默认规模的倍数,如 0.01、0.1(默认 1)")
        parser.add_argument(
            "--seed", type=_non_negative, default=DEFAULT_SEED, help="随机种子:同一种子生成同样的数据"
        )
        parser.add_argument("--dry-run", action="store_true", help="只打印计划,不写入任何数据")
        parser.add_argument("--index", action="store_true", help="完成后重建搜索索引(search_index --rebuild)")

    def handle(self, *args, **options):
        if options["scale"] <= 0:
            raise CommandError("--scale 须为正数,如 0.01、0.1 或 1。")
        sizes = Sizes.from_options(scale=options["scale"], **{k: options[k] for k in DEFAULTS})
        seed = options["seed"]
        if options["dry_run"]:
            self._plan(sizes, seed)
            return
        try:
            runner.check_database()
            if runner.decide(sizes, seed) is None:
                self.stdout.write(
                    f"开始生成(种子 {seed}):" + ",".join(f"{LABELS[k]} {v:,}" for k, v in sizes.items())
                )
            outcome = runner.run(sizes, seed, log=self.stdout.write)
        except Refused as exc:
            raise CommandError(str(exc)) from None
        except SizeError as exc:
            raise CommandError(f"无法按此规模生成:{exc}") from None
        if not outcome.created:
            when = timezone.localtime(outcome.seed.finished_at)
            self.stdout.write(
                self.style.SUCCESS(f"此规模的数据已于 {when:%Y-%m-%d %H:%M} 生成,未做任何改动。")
            )
            return
        self._report(outcome)
        if options["index"]:
            started = time.perf_counter()
            call_command("search_index", rebuild=True, stdout=self.stdout)
            self.stdout.write(f"搜索索引重建用时 {time.perf_counter() - started:.1f} 秒。")

    def _plan(self, sizes: Sizes, seed: int) -> None:
        self.stdout.write(f"计划(--dry-run,不写入;种子 {seed}):")
        rows = [(LABELS[k], f"{v:,}") for k, v in sizes.items()]
        rows += [(label, f"~{n:,}") for label, n in plan_rows(sizes).items()]
        self.stdout.write(_table(("内容", "行数"), rows))
        try:
            runner.check_database()
            previous = runner.decide(sizes, seed)
        except Refused as exc:
            self.stdout.write(self.style.WARNING(str(exc)))
            return
        if previous is not None:
            self.stdout.write("此规模的数据已生成过:运行时将不做任何改动。")

    def _report(self, outcome) -> None:
        rows = [(name, label, f"{n:,}", f"{s:.1f}") for name, label, n, s in sorted(outcome.tables)]
        self.stdout.write("")
        self.stdout.write(_table(("表", "内容", "行数", "写入秒数"), rows))
        self.stdout.write("")
        self.stdout.write(_table(("步骤", "秒数"), [(name, f"{s:.1f}") for name, s in outcome.phases]))
        total = sum(s for _name, s in outcome.phases)
        checked = "外键已逐一核对" if outcome.triggers_off else "外键由数据库逐行检查"
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {sum(n for _t, _l, n, _s in outcome.tables):,} 行,共用时 {total:.1f} 秒({checked})。"
            )
        )
