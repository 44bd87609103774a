# ruff: noqa: T201 (a script whose output is its purpose)
"""Search benchmark for the database backend (a script, not a test: pytest never collects bench/).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal \\
        .venv/bin/python bench/search_bench.py --projects 100000 --orgs 10000 --activities 100000

It never touches the database named in DATABASE_URL: like the test runner it creates a
throwaway ``<name>_search_bench`` database beside it, migrates it, loads synthetic documents through the
backend's own ``rebuild`` (so jieba segmentation, pinyin and the database's full-text triggers
all run as in production), then times ``search`` for a fixed mix of queries with facets and
prints p50/p95 latency. ``--keep`` keeps the database and a later ``--keep`` run with the same
sizes skips the loading; ``--drop`` removes it.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "false")

# --- synthetic documents ----------------------------------------------------------------------
STREETS = ["城关", "河西", "东湖", "南山", "北塘", "金桥", "翠竹", "柳园", "滨河", "湖光", "西城", "新港"]
COMMUNITY_NAMES = ["幸福里", "和平", "光明", "友谊", "新村", "花园", "阳光", "春晖"]
# Topic, words that go with it, relative frequency.
TOPICS = [
    ("老年助餐", ["助餐", "老人", "午餐", "送餐上门", "长者食堂", "营养配餐", "助餐补贴"], 10),
    ("居家养老", ["养老", "失能老人", "助浴", "助洁", "康复护理", "上门服务", "养老护理员"], 10),
    ("垃圾分类", ["垃圾分类", "厨余垃圾", "可回收物", "桶边督导", "投放点", "定时定点"], 8),
    ("社区矫正", ["社区矫正", "矫正对象", "法治教育", "就业指导", "司法所", "帮扶"], 3),
    ("心理疏导", ["心理疏导", "心理健康", "心理咨询", "团体辅导", "危机干预", "减压"], 5),
    ("儿童托管", ["儿童托管", "四点半课堂", "课业辅导", "暑期", "小学生", "双职工家庭"], 7),
    ("党员志愿服务", ["在职党员", "党员志愿", "回社区报到", "网格巡查", "民情收集", "志愿服务"], 6),
    ("新时代文明实践", ["文明实践", "理论宣讲", "移风易俗", "文明新风", "志愿服务"], 4),
    ("物业纠纷调解", ["物业纠纷", "调解", "业主", "物业公司", "停车纠纷", "调解工作室"], 4),
    ("禁毒宣传", ["禁毒", "毒品危害", "禁毒志愿者", "进校园", "宣传展板"], 2),
    ("防范电信诈骗", ["反诈", "诈骗", "防骗", "电信网络诈骗", "老年人", "宣传册"], 4),
    ("消防安全", ["消防安全", "电动自行车", "楼道充电", "隐患排查", "应急演练"], 4),
    ("残疾人康复", ["残疾人", "康复训练", "辅具", "就业支持", "照护者"], 3),
    ("家庭教育", ["家庭教育", "家长课堂", "亲子沟通", "亲子活动", "家长学校"], 3),
    ("法律援助", ["法律援助", "法律咨询", "普法", "民法典", "律师驻点"], 3),
    ("困境儿童关爱", ["困境儿童", "学业辅导", "心理陪伴", "爱心企业", "捐赠"], 2),
    ("邻里互助", ["邻里互助", "闲置物品", "便民维修", "邻里守望", "百家宴"], 3),
    ("环境整治", ["环境整治", "绿化养护", "卫生死角", "楼道杂物", "河道清洁"], 4),
    ("社区义诊", ["义诊", "血压", "血糖", "健康咨询", "社区卫生服务中心"], 2),
    ("社区读书会", ["读书", "亲子共读", "图书漂流", "图书角", "阅读分享"], 2),
    ("社会组织孵化", ["孵化培育", "社区社会组织", "登记备案", "项目设计", "能力建设"], 2),
]
GENERAL = [
    "服务对象覆盖辖区居民",
    "每月定期开展",
    "由专业社工带领",
    "欢迎居民报名参加",
    "提供志愿服务时长证明",
    "服务期为一年",
    "接受街道和居民监督",
    "建立服务台账",
    "定期开展满意度调查",
    "联合辖区单位共同推进",
]
CATEGORIES = ["daily_life", "charity", "mutual_aid", "specific_groups"]
PROJECT_STATUSES = [("published", True), ("in_delivery", False), ("completed", False), ("awarded", False)]
ACTIVITY_STATUSES = [("published", True), ("finished", False)]
START = datetime(2024, 1, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def places():
    result = []
    for s, street in enumerate(STREETS, 1):
        for c, name in enumerate(COMMUNITY_NAMES, 1):
            result.append((s, f"{street}街道", s * 100 + c, f"{street}{name}社区"))
    return result


def body(rng, topic, words) -> str:
    picked = rng.sample(words, k=min(len(words), rng.randint(3, 5)))
    sentences = [
        f"本{rng.choice(['项目', '活动', '服务'])}围绕{topic}开展",
        f"主要内容包括{'、'.join(picked)}",
        rng.choice(GENERAL),
        rng.choice(GENERAL),
    ]
    rng.shuffle(sentences[2:])
    return "，".join(sentences) + "。"


def generate(kind: str, count: int, rng: random.Random):
    from search.types import SearchDocument

    weights = [t[2] for t in TOPICS]
    all_places = places()
    for pk in range(1, count + 1):
        topic, words, _ = rng.choices(TOPICS, weights)[0]
        street_id, street, community_id, community = rng.choice(all_places)
        short = community.removesuffix("社区")
        date = START + timedelta(minutes=rng.randint(0, 60 * 24 * 700))
        if kind == "project":
            title = rng.choice(
                [
                    f"{community}{topic}服务项目",
                    f"{street}{topic}服务采购",
                    f"{date.year}年度{community}{topic}项目",
                ]
            )
            status, is_open = rng.choices(PROJECT_STATUSES, [2, 3, 4, 1])[0]
        elif kind == "organization":
            title = rng.choice(
                [f"{short}{topic}服务中心", f"{short}{words[0]}协会", f"{street}{topic}志愿服务队"]
            )
            status, is_open = "verified", False
        else:
            title = rng.choice(
                [f"{words[0]}志愿者招募", f"{community}{topic}活动", f"{rng.choice(words)}进社区"]
            )
            status, is_open = rng.choices(ACTIVITY_STATUSES, [1, 3])[0]
        yield SearchDocument(
            kind=kind,
            object_id=pk,
            title=title,
            body=body(rng, topic, words),
            url=f"/{kind}/{pk}/",
            street_id=street_id,
            street=street,
            community_id=community_id if rng.random() < 0.8 else None,
            community=community,
            category=rng.choice(CATEGORIES) if kind != "activity" else "",
            status=status,
            open=is_open,
            date=date,
        )


# --- queries ----------------------------------------------------------------------------------
SINGLE = [
    "养老",
    "助餐",
    "垃圾分类",
    "社区矫正",
    "心理疏导",
    "儿童托管",
    "文明实践",
    "物业纠纷",
    "禁毒",
    "反诈",
    "消防安全",
    "残疾人",
    "家庭教育",
    "法律援助",
    "困境儿童",
    "义诊",
    "读书",
    "调解",
    "长者食堂",
    "四点半课堂",
]
TWO = [
    "老人 助餐",
    "暑期 托管",
    "心理 咨询",
    "电动自行车 充电",
    "在职党员 报到",
    "垃圾 分类 督导",
    "失能老人 护理",
]
PINYIN = ["yanglao", "zhucan", "laji fenlei", "jiaozheng", "tuoguan", "fanzha"]
TRADITIONAL = ["養老", "垃圾分類", "社區矯正", "心理疏導", "兒童託管"]
MISSPELT = ["养佬", "助参", "垃圾分来", "火箭发射"]
BROAD = ["社区服务", "志愿服务"]


def make_queries(n: int, rng: random.Random):
    from search.types import SearchQuery

    all_places = places()
    mix = [
        ("single", 40),
        ("two words", 15),
        ("pinyin", 8),
        ("traditional", 8),
        ("place + topic", 8),
        ("browse", 10),
        ("misspelt", 6),
        ("broad", 5),
    ]
    kinds, weights = zip(*mix, strict=True)
    for _ in range(n):
        kind = rng.choices(kinds, weights)[0]
        street_id, street, community_id, community = rng.choice(all_places)
        text = {
            "single": lambda: rng.choice(SINGLE),
            "two words": lambda: rng.choice(TWO),
            "pinyin": lambda: rng.choice(PINYIN),
            "traditional": lambda: rng.choice(TRADITIONAL),
            "place + topic": lambda c=community: f"{c.removesuffix('社区')} {rng.choice(SINGLE)}",
            "browse": lambda: "",
            "misspelt": lambda: rng.choice(MISSPELT),
            "broad": lambda: rng.choice(BROAD),
        }[kind]()
        filters = {}
        roll = rng.random()
        if kind == "browse" or roll < 0.25:
            filters["street_id"] = street_id
        if roll > 0.75:
            filters["kind"] = rng.choice(["project", "organization", "activity"])
        if 0.4 < roll < 0.5:
            filters["category"] = rng.choice(CATEGORIES)
        if 0.5 < roll < 0.55:
            filters["community_id"] = community_id
        page = rng.choices([1, 2, 5], [80, 15, 5])[0]
        yield kind, SearchQuery(text=text, page=page, **filters)


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--slowest", type=int, default=0, help="list the N slowest searches")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database for a later run")
    parser.add_argument("--drop", action="store_true", help="drop a kept benchmark database and stop")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from search import text
    from search.backends.database import DatabaseBackend

    if connection.vendor != "postgresql":
        print("Note: DATABASE_URL is not PostgreSQL; the figures will be SQLite's.")
    creation = connection.creation
    # Its own name, so it never meets the test suite's test_<name> database.
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_search_bench"
    if args.drop:
        creation._destroy_test_db(creation._get_test_db_name(), verbosity=1)
        return
    started = time.perf_counter()
    original_name = settings.DATABASES["default"]["NAME"]
    name = creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=args.keep)
    print(f"Benchmark database {name} ready in {time.perf_counter() - started:.0f} s")
    text.initialize()
    backend = DatabaseBackend()
    wanted = args.projects + args.orgs + args.activities
    try:
        if backend.count() != wanted:
            rng = random.Random(args.seed)

            def documents():
                yield from generate("project", args.projects, rng)
                yield from generate("organization", args.orgs, rng)
                yield from generate("activity", args.activities, rng)

            started = time.perf_counter()
            loaded = backend.rebuild(documents())
            if connection.vendor == "sqlite":  # rebuild() analyses PostgreSQL's tables itself
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            print(
                f"Loaded {loaded} documents through DatabaseBackend.rebuild in {time.perf_counter() - started:.0f} s"
            )
        else:
            print(f"Reusing the {wanted} documents already loaded")

        rng = random.Random(args.seed + 1)
        for _kind, query in make_queries(10, rng):  # warm the caches and jieba
            backend.search(query)
        timings, by_kind, totals, slowest = [], defaultdict(list), [], []
        for kind, query in make_queries(args.queries, random.Random(args.seed + 2)):
            started = time.perf_counter()
            results = backend.search(query)
            elapsed = (time.perf_counter() - started) * 1000
            timings.append(elapsed)
            by_kind[kind].append(elapsed)
            totals.append(results.total)
            slowest.append((elapsed, results.total, query))
        suggest_timings = []
        for prefix in ["养", "养老", "助餐", "垃圾", "yang", "xinli", "社区矫", "儿童托"]:
            started = time.perf_counter()
            backend.suggest(prefix)
            suggest_timings.append((time.perf_counter() - started) * 1000)

        cpus = os.cpu_count()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()"
            )
            version = cursor.fetchone()[0].split(" on ")[0]
        print(f"\n{datetime.now():%Y-%m-%d}, {platform.machine()}, {cpus} CPUs, {version}")
        print(
            f"Index: {wanted} documents ({args.projects} projects, {args.orgs} organisations, "
            f"{args.activities} activities)"
        )
        print(
            f"{len(timings)} searches with facets (median {statistics.median(totals):.0f} matches, "
            f"max {max(totals)}):"
        )
        print(
            f"  p50 {percentile(timings, 50):.1f} ms   p95 {percentile(timings, 95):.1f} ms   "
            f"p99 {percentile(timings, 99):.1f} ms   max {max(timings):.1f} ms"
        )
        for kind, values in by_kind.items():
            print(
                f"  {kind:<14} n={len(values):<3} p50 {percentile(values, 50):6.1f} ms   "
                f"p95 {percentile(values, 95):6.1f} ms"
            )
        print(
            f"suggest(prefix): p50 {percentile(suggest_timings, 50):.1f} ms, max {max(suggest_timings):.1f} ms"
        )
        for elapsed, total, query in sorted(slowest, key=lambda s: s[0], reverse=True)[: args.slowest]:
            filters = {k: v for k, v in query.__dict__.items() if v and k not in ("text", "page_size")}
            print(f"  {elapsed:7.1f} ms  {total:>7} matches  {query.text!r} {filters}")
    finally:
        if not args.keep:
            creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
