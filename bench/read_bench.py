# ruff: noqa: T201 (a script whose output is its purpose)
"""Read benchmark: the public pages under gunicorn against the ceiling of a constant Django view.

    .venv/bin/python bench/read_bench.py --database-url postgres://postgres@127.0.0.1:5432/bench_100 \\
        --label 100% --redis-url redis://127.0.0.1:6379/3

Serves the portal (``config.settings.bench``: DEBUG off, persistent connections, the page cache
in Redis when ``--redis-url`` is given) with gunicorn, 2 sync workers, and loads each page with
``wrk`` at a fixed concurrency (16 connections, 2 threads): first the ceiling view, then every
page anonymously (the cacheable case) and signed in as a volunteer (no page cache; only the
fragments that are safe to share). For each it reports requests/s, p50/p95 latency, errors and
the ratio to the ceiling; then the peak resident memory of each worker, and an index check: every
query the list pages make is run through ``EXPLAIN`` and a sequential scan of a table with more
than 10,000 rows fails the check. ``--growth a.json b.json c.json`` compares runs made at
different data sizes. The database must have been filled with ``manage.py seed_scale``.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _harness  # noqa: E402 (after the path is set)

CONNECTIONS = 16
THREADS = 2
BIG_TABLE_ROWS = 10_000
TARGETS = {"anonymous": 0.60, "signed_in": 0.10, "p95_ms": 100.0}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a database filled by manage.py seed_scale")
    parser.add_argument("--label", default="", help="what this run is, e.g. the data size")
    parser.add_argument("--redis-url", default="", help="page cache and sessions' cache in Redis")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before each measurement")
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("--growth", nargs="+", metavar="RESULT_JSON", help="compare earlier runs instead")
    return parser.parse_args(argv)


# --- the pages ---------------------------------------------------------------------------------


def pick_pages() -> dict[str, str]:
    """One URL per page of the issue, chosen from the data so that each shows a full page."""
    from django.db.models import Count

    from marketplace.fund.models import Donation, Fund
    from marketplace.organizations.models import Organization
    from marketplace.procurement.choices import ProjectStatus
    from marketplace.procurement.models import Bid, Project

    busiest_street = (
        Project.objects.filter(status=ProjectStatus.AWARDED)
        .values("street_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    project = Bid.objects.values("project_id").annotate(n=Count("id")).order_by("-n", "project_id").first()
    organization = (
        Bid.objects.values("organization_id")
        .annotate(n=Count("id"))
        .order_by("-n", "organization_id")
        .first()
    )
    fund = Donation.objects.values("fund_id").annotate(n=Count("id")).order_by("-n").first()
    fund_code = Fund.objects.values_list("code", flat=True).get(pk=fund["fund_id"])
    org_id = (
        organization["organization_id"]
        if organization
        else Organization.objects.values_list("pk", flat=True)[0]
    )
    street = f"&street={busiest_street['street_id']}" if busiest_street else ""
    return {
        "home": "/",
        "project_list": f"/projects/?status={ProjectStatus.AWARDED}{street}",
        "project_detail": f"/projects/{project['project_id']}/",
        "activity_list": "/volunteers/activities/",
        "organization_directory": "/organizations/",
        "organization_profile": f"/organizations/{org_id}/",
        "fund": f"/fund/{fund_code}/",
        "search": "/search/?q=" + urllib.request.quote("养老服务"),
    }


def signed_in_cookie() -> tuple[str, str]:
    """A session of an ordinary volunteer, made as a login makes it, and the name it shows."""
    from django.conf import settings
    from django.test import Client

    from marketplace.volunteers.models import Volunteer

    volunteer = Volunteer.objects.select_related("user").order_by("pk").first()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(volunteer.user)
    return (
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        volunteer.user,
    )


# --- serving and loading -----------------------------------------------------------------------


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) / 1024


def fetch(url: str, cookie: str = "") -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


def wrk(url: str, *, seconds: int, connections: int, cookie: str = "") -> dict:
    command = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--timeout=10s"]
    command += ["-s", str(ROOT / "bench" / "wrk_report.lua")]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    report = json.loads(output.split("WRK_JSON ", 1)[1].splitlines()[0])
    errors = sum(
        report[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return {
        "rps": round(report["requests"] / (report["duration_us"] / 1e6), 1),
        "p50_ms": round(report["p50_us"] / 1000, 2),
        "p95_ms": round(report["p95_us"] / 1000, 2),
        "p99_ms": round(report["p99_us"] / 1000, 2),
        "requests": report["requests"],
        "errors": errors,
    }


def measure(url: str, args, cookie: str = "") -> dict:
    if args.warmup:
        wrk(url, seconds=args.warmup, connections=args.connections, cookie=cookie)
    return wrk(url, seconds=args.duration, connections=args.connections, cookie=cookie)


# --- the index check ---------------------------------------------------------------------------


def plan_scans(plan: dict):
    if plan.get("Node Type") == "Seq Scan":
        yield plan["Relation Name"]
    for child in plan.get("Plans", []):
        yield from plan_scans(child)


def index_check(pages: dict[str, str], user) -> dict[str, dict]:
    """Each page's queries (signed in: nothing comes from the page cache) and the sequential
    scans of big tables their plans contain."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
        rows = dict(cursor.fetchall())
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    report = {}
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as captured:
            status = client.get(url).status_code
        if status != 200:
            raise SystemExit(f"{url} answered {status} in the index check")
        violations = []
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0][0]["Plan"]
                for table in plan_scans(plan):
                    if rows.get(table, 0) > BIG_TABLE_ROWS:
                        violations.append({"table": table, "rows": int(rows[table]), "sql": sql[:300]})
        report[name] = {"status": status, "queries": len(captured), "seq_scans_of_big_tables": violations}
    return report


# --- the run -----------------------------------------------------------------------------------


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1]) // 1024 // 1024
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": memory, "python": platform.python_version()}


def data_sizes() -> dict[str, int]:
    from django.db import connection

    tables = {
        "volunteers": "volunteers_volunteer",
        "service_records": "volunteers_servicerecord",
        "activities": "volunteers_activity",
        "projects": "procurement_project",
        "bids": "procurement_bid",
        "organizations": "organizations_organization",
        "donations": "fund_donation",
    }
    with connection.cursor() as cursor:
        sizes = {}
        for label, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table}")
            sizes[label] = cursor.fetchone()[0]
    return sizes


def run(args) -> dict:
    # The server, this process and the seeding share the environment's secrets (or the defaults):
    # the session made here must be valid there, and encrypted fields readable.
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
    import django

    django.setup()
    from django.core.cache import caches

    for alias in caches:
        caches[alias].clear()

    pages = pick_pages()
    if args.only:
        pages = {name: url for name, url in pages.items() if name in args.only.split(",")}
    cookie, user = signed_in_cookie()
    results = {
        "label": args.label,
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "source": _harness.source_state(),
        "data": data_sizes(),
        "connections": args.connections,
        "workers": args.workers,
        "duration_s": args.duration,
        "page_cache": "redis" if args.redis_url else "local memory",
        "pages": {},
    }
    serving = _harness.serve(
        args.database_url,
        "config.settings.bench",
        workers=args.workers,
        port=args.port,
        env=dict(os.environ),
        ready_path="/bench/ceiling/",
        production_secrets=False,
    )
    with serving as server:
        base = server.base_url
        results["ceiling"] = measure(f"{base}/bench/ceiling/", args)
        ceiling = results["ceiling"]["rps"]
        print(f"ceiling: {ceiling} req/s, p95 {results['ceiling']['p95_ms']} ms")
        for name, url in pages.items():
            row = {"url": url}
            for mode, mode_cookie in (("anonymous", ""), ("signed_in", cookie)):
                status, headers, body = fetch(base + url, mode_cookie)
                if status != 200:
                    raise SystemExit(f"{url} ({mode}) answered {status}")
                # The logout button shows on signed-in pages only: each mode measures the page it says.
                if (mode == "signed_in") != ("退出" in body):
                    raise SystemExit(f"{url} ({mode}): the page is not the {mode} page")
                result = measure(base + url, args, mode_cookie)
                result["ratio"] = round(result["rps"] / ceiling, 3)
                result["page_cache"] = fetch(base + url, mode_cookie)[1].get("X-Page-Cache", "")
                row[mode] = result
                print(
                    f"{name:24} {mode:9} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                    f"p95 {result['p95_ms']:7.2f} ms  {result['ratio']:6.1%}  errors {result['errors']}"
                )
            results["pages"][name] = row
        results["peak_rss_mb"] = {
            str(pid): round(peak_rss_mb(pid), 1) for pid in worker_pids(server.process.pid)
        }
    print("peak RSS per worker (MB):", results["peak_rss_mb"])
    results["index_check"] = index_check(pages, user)
    bad = {
        name: r["seq_scans_of_big_tables"]
        for name, r in results["index_check"].items()
        if r["seq_scans_of_big_tables"]
    }
    print(
        "index check:",
        "every query of every page uses an index"
        if not bad
        else json.dumps(bad, ensure_ascii=False, indent=1),
    )
    results["verdict"] = verdict(results)
    for line in results["verdict"]:
        print(line)
    return results


def verdict(results: dict) -> list[str]:
    lines = []
    for name, row in results["pages"].items():
        for mode in ("anonymous", "signed_in"):
            r = row[mode]
            misses = []
            if r["ratio"] < TARGETS[mode]:
                misses.append(f"{r['ratio']:.1%} of the ceiling < {TARGETS[mode]:.0%}")
            if r["p95_ms"] > TARGETS["p95_ms"]:
                misses.append(f"p95 {r['p95_ms']} ms > {TARGETS['p95_ms']:.0f} ms")
            if r["errors"]:
                misses.append(f"{r['errors']} errors")
            if misses:
                lines.append(f"MISSED {name} {mode}: " + "; ".join(misses))
    peak = max(results.get("peak_rss_mb", {0: 0}).values())
    if peak >= 300:
        lines.append(f"MISSED memory: a worker peaked at {peak} MB (target < 300 MB)")
    if any(r["seq_scans_of_big_tables"] for r in results.get("index_check", {}).values()):
        lines.append("MISSED index check: sequential scans of big tables")
    return lines or ["every target met"]


def growth(paths: list[str]) -> None:
    runs = [json.loads(Path(p).read_text()) for p in paths]
    runs.sort(key=lambda r: r["data"]["volunteers"])
    print(
        "page / mode".ljust(36)
        + "".join(f"{r['label'] or r['data']['volunteers']:>16}" for r in runs)
        + "   ratio"
    )
    worst = 0.0
    for name in runs[0]["pages"]:
        for mode in ("anonymous", "signed_in"):
            p50s = [r["pages"][name][mode]["p50_ms"] for r in runs if name in r["pages"]]
            ratio = p50s[-1] / p50s[0] if p50s[0] else float("inf")
            worst = max(worst, ratio)
            cells = "".join(f"{p:13.2f} ms" for p in p50s)
            print(f"{name + ' ' + mode:36}{cells}   {ratio:5.2f}x")
    print(f"largest p50 growth from the smallest to the largest data set: {worst:.2f}x (target <= 2x)")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.growth:
        growth(args.growth)
        return 0
    if not args.database_url:
        raise SystemExit("--database-url is required (a database filled by manage.py seed_scale)")
    results = run(args)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
