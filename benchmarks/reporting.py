"""Benchmark of programme reporting: the dashboard page and the committee report PDF.

Targets (issue 8): the dashboard page in at most 1 second with 100,000 families;
the report PDF in at most 30 seconds.

On the PostgreSQL database `benchmarks/web_load.py` fills (100,000 synthetic
families with case work; made if missing), this script adds what reports read
and the web benchmark does not make (once, marked): a baseline and a progress
measurement for every family whose work started, signed claim lines for a
tenth of them, targets per district, and each family's profile. Then it:

1. renders the dashboard for an analyst in-process (Django's test client, the
   whole middleware stack) for the financial year and for each district, a
   number of times, and reports p50, p95 and max;
2. writes the committee report for the financial year (`report.write`: the
   figures, each district's, the HTML and the PDF) and reports its time.

Exit status 1 when a target is missed.

    .venv/bin/python benchmarks/reporting.py \
        --database-url postgres://postgres@127.0.0.1:5432/wf_bench
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from web_load import (
    ensure_database,
    environment,
    populate,
    populated,
    setup_django,
)

DASHBOARD_TARGET_S = 1.0
REPORT_TARGET_S = 30.0
MARKER = "bench-reporting"  # Claim.period of the lines this script made
YEAR = "2026/27"  # the financial year the dashboard and the report show
PERIOD = "2026Q3"  # the claim this script makes (its marker)
CLAIM_DATE = date(2026, 9, 30)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def add_reporting_data(seed: int) -> None:
    """Baselines, progress, claim lines, targets and profiles (once)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from wholefamily.web.claims.models import Claim, Line, Target
    from wholefamily.web.families.models import Family
    from wholefamily.web.progress.models import Baseline, Progress, ProgressTest, rows_of_tests

    if Claim.objects.filter(period=PERIOD, framework="tf-2015").exists():
        print("Reporting data already added: reused", flush=True)
        return
    if Baseline.objects.filter(drop_id="bench").exists():
        sys.exit(
            "The database holds reporting data an earlier version of this script made: "
            "refill it with `benchmarks/web_load.py --reset --populate-only`"
        )
    rng = random.Random(seed)
    analyst = get_user_model().objects.filter(profile__role="analyst").first()
    started = list(
        Family.objects.filter(started_on__isnull=False).values_list("pk", "needs", "started_on")
    )
    print(f"Adding baselines and progress for {len(started):,} families", flush=True)
    tests = ["proven offences", "ASB incidents", "a term under 90%", "out-of-work benefit"]
    with transaction.atomic():
        for flag, share in (
            ("council_tenant", 0.3),
            ("known_to_social_care", 0.25),
            ("domestic_abuse", 0.2),
        ):
            chosen = [pk for pk, _, _ in started if rng.random() < share]
            for i in range(0, len(chosen), 5000):
                Family.objects.filter(pk__in=chosen[i : i + 5000]).update(**{flag: True})
        baselines = Baseline.objects.bulk_create(
            [
                Baseline(
                    family_id=pk,
                    version=1,
                    start=on,
                    framework="tf-2015",
                    drop_id="bench",
                    needs=needs,
                    counts=[],
                    claimants={},
                    reason="work started (consent given)",
                    by=analyst,
                )
                for pk, needs, on in started
            ],
            batch_size=5000,
        )
        progress = []
        for b in baselines:
            met = rng.random() < 0.3
            needs = [
                {
                    "need": n,
                    "met": met,
                    "tests": [
                        [t, (s := rng.randint(0, 6)), 0 if met else rng.randint(0, s + 2), met]
                        for t in rng.sample(tests, 2)
                    ],
                }
                for n in b.needs.split(";")
                if n
            ]
            progress.append(
                Progress(
                    family_id=b.family_id,
                    baseline=b,
                    at=CLAIM_DATE,
                    drop_id="bench",
                    route="progress" if met else "",
                    needs=needs,
                )
            )
        progress = Progress.objects.bulk_create(progress, batch_size=5000)
        ProgressTest.objects.bulk_create(rows_of_tests(progress), batch_size=5000)
        claim = Claim.objects.create(period=PERIOD, framework="tf-2015", claim_date=CLAIM_DATE)
        signed_at = datetime(2026, 10, 15, tzinfo=UTC)
        # Claimed: met, and worked with for 6 months or more by the claim date.
        long_enough = {pk for pk, _, on in started if on <= date(2026, 3, 31)}
        Line.objects.bulk_create(
            [
                Line(
                    claim=claim,
                    family_id=p.family_id,
                    framework="tf-2015",
                    result="progress",
                    progress=p,
                    amount=800,
                    signed_by=analyst,
                    signed_at=signed_at,
                )
                for p in progress
                if p.route and p.family_id in long_enough and rng.random() < 0.35
            ],
            batch_size=5000,
        )
        districts = set(Family.objects.values_list("district", flat=True))
        Target.objects.bulk_create(
            [
                Target(framework="tf-2015", year=YEAR, district=d, work_with=4000, turn_around=1200)
                for d in districts
            ]
            + [
                Target(
                    framework="tf-2015", year=YEAR, district="", work_with=30000, turn_around=9000
                )
            ]
        )
    print(
        f"Added {len(baselines):,} baselines and progress, "
        f"{Line.objects.filter(claim=claim).count():,} signed claim lines",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--families", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=10, help="dashboard renders per filter")
    ap.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wf_bench"),
    )
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("--database-url must name a PostgreSQL database")
    workspace = Path(tempfile.mkdtemp(prefix="wf-reporting-"))
    try:
        return _run(args, workspace)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def _run(args: argparse.Namespace, workspace: Path) -> int:
    ensure_database(args.database_url, False)
    setup_django(workspace, args.database_url)
    env = environment(args.database_url)
    print("Machine: " + ", ".join(f"{k} {v}" for k, v in env.items()), flush=True)
    if not populated(args.families):
        print(f"Filling the database with {args.families:,} synthetic families", flush=True)
        populate(args.families, args.seed)
    add_reporting_data(args.seed)
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics, as autovacuum keeps them
        cursor.execute("ANALYZE")

    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    from wholefamily.web.families.models import Family
    from wholefamily.web.reporting.periods import parse_period
    from wholefamily.web.reporting.report import write

    print(f"Families in the database: {Family.objects.count():,}", flush=True)
    analyst = get_user_model().objects.filter(profile__role="analyst").first()
    client = Client()
    client.force_login(analyst)
    districts = sorted(set(Family.objects.exclude(district="").values_list("district", flat=True)))
    filters: list[dict[str, str]] = [{"period": YEAR}] + [
        {"period": YEAR, "district": d} for d in districts[:3]
    ]
    times: dict[str, list[float]] = {}
    # `wholefamily serve` loads the URLs and the warehouse's libraries before its
    # first request; so does this process. Then every dashboard render is timed.
    import wholefamily.warehouse
    import wholefamily.web.urls  # noqa: F401

    cache.clear()
    for f in filters:
        label = f.get("district", "county")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            r = client.get("/reports", f)
            body = r.content
            times.setdefault(label, []).append(time.perf_counter() - t0)
            assert r.status_code == 200 and b'role="img"' in body, r.status_code
    everything = [t for v in times.values() for t in v]
    print(f"\nDashboard ({args.repeat} renders each; 'first' is the first with each filter):")
    print(f"{'filter':<20} {'first s':>8} {'p50 s':>8} {'p95 s':>8} {'max s':>8}")
    for label, v in times.items():
        print(
            f"{label:<20} {v[0]:>8.3f} {sorted(v)[len(v) // 2]:>8.3f} {p95(v):>8.3f} {max(v):>8.3f}"
        )
    worst = max(everything)
    print(f"All {len(everything)} renders: p95 {p95(everything):.3f} s, max {worst:.3f} s")

    t0 = time.perf_counter()
    out = workspace / "report.pdf"
    rep = write(parse_period(YEAR), out)
    report_s = time.perf_counter() - t0
    try:
        import pypdfium2

        pages = len(pypdfium2.PdfDocument(str(out)))
    except ImportError:  # a dev dependency
        pages = 0
    print(
        f"\nCommittee report {YEAR}: {report_s:.1f} s, {out.stat().st_size / 1024:.0f} KiB, "
        f"{pages} pages; {rep.metrics.headline['active']:,} families worked with"
    )
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs")
    ok_dash = worst <= DASHBOARD_TARGET_S
    ok_report = report_s <= REPORT_TARGET_S
    print(
        f"Target dashboard <= {DASHBOARD_TARGET_S:.0f} s (the slowest render): "
        f"{'met' if ok_dash else 'MISSED'} ({worst:.3f} s)"
    )
    print(
        f"Target report PDF <= {REPORT_TARGET_S:.0f} s: "
        f"{'met' if ok_report else 'MISSED'} ({report_s:.1f} s)"
    )
    return 0 if ok_dash and ok_report else 1


if __name__ == "__main__":
    sys.exit(main())
