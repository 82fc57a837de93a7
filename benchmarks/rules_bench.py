"""Rules throughput: evaluate 1,000,000 synthetic records with 3 SLA rules, 1 rejection rule and
12 scoring rules (``benchmarks/rules_bench.toml``), in chunks as the sync cycle does.

Prints e.g. ``rules: 61,234 records/s, peak 0.9 GiB`` (targets: >= 50,000 records/s, <= 1.5 GiB).
Record generation is not timed; only ``Evaluator.evaluate`` is.

    python benchmarks/rules_bench.py [--records 1000000] [--chunk 10000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connector.config import load_config
from rules.evaluate import Evaluator
from rules.model import Activity, ActivityKind, FieldValue, Owner, Person, StageEntry

CONFIG = Path(__file__).with_name("rules_bench.toml")
NOW = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
STAGES = (
    ("subscriber", 15),
    ("lead", 45),
    ("marketingqualifiedlead", 18),
    ("salesqualifiedlead", 8),
    ("opportunity", 6),
    ("customer", 6),
    ("other", 2),
)
STATUSES = ("NEW", "ATTEMPTED_TO_CONTACT", "CONNECTED", "OPEN_DEAL", "UNQUALIFIED", "BAD_TIMING")
TITLES = ("CEO", "VP Marketing", "Marketing Director", "Engineer", "Student", "CTO", "Analyst")
DOMAINS = ("acme.example", "gmail.com", "globex.example", "ukr.net", "initech.example")
COUNTRIES = ("Ukraine", "Poland", "Germany", "United States", "France", "Brazil")
INDUSTRIES = ("COMPUTER_SOFTWARE", "INTERNET", "RETAIL", "BANKING", "MARKETING_AND_ADVERTISING")
OWNERS = [Owner(id=str(i), name=f"Rep {i}", manager_id="100") for i in range(1, 21)]
OWNERS.append(Owner(id="100", name="Manager"))


def synthetic_person(rng: random.Random, key: int) -> Person:
    """One believable contact as the HubSpot adapter delivers it (values typed by the property's
    definition: numbers as ints, datetimes as aware datetimes); a third are in an SLA stage."""
    stage = rng.choices([s for s, _ in STAGES], weights=[w for _, w in STAGES])[0]
    entered = NOW - timedelta(minutes=rng.randrange(1, 60 * 24 * 30))
    owner = str(rng.randrange(1, 21))
    status = rng.choice(STATUSES)
    status_at = entered + timedelta(minutes=rng.randrange(1, 60 * 24 * 5))
    touched = rng.random() < 0.7 and status_at < NOW
    activities = (Activity(ActivityKind.CALL, status_at, owner),) if touched else ()
    fields: dict[str, FieldValue] = {
        "jobtitle": rng.choice(TITLES),
        "numemployees": rng.choice((5, 40, 120, 800, 5000)),
        "country": rng.choice(COUNTRIES),
        "industry": rng.choice(INDUSTRIES),
        "hs_email_domain": rng.choice(DOMAINS),
        "hs_analytics_num_page_views": rng.randrange(0, 30),
        "hs_analytics_last_visit_timestamp": NOW - timedelta(days=rng.randrange(0, 60)),
        "num_conversion_events": rng.randrange(0, 4),
        "recent_conversion_date": entered if rng.random() < 0.5 else None,
        "hs_email_last_click_date": status_at if rng.random() < 0.3 else None,
        "smarketing_rejection_reason": rng.choice(("No budget", "", None, "Select")),
        "hs_sa_first_engagement_date": status_at if touched else None,
    }
    return Person(
        id=str(key),
        owner_id=owner,
        email=f"p{key}@{fields['hs_email_domain']}",
        lifecycle=stage,
        lead_status=status,
        stage_history=(StageEntry(stage, entered),),
        status_history=(StageEntry(status, min(status_at, NOW)),),
        activities=activities,
        fields=fields,
        updated_at=NOW,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    ruleset = load_config(CONFIG).ruleset
    evaluator = Evaluator(ruleset, OWNERS)
    rng = random.Random(args.seed)
    states: Counter[str] = Counter()
    tasks = 0
    elapsed = 0.0
    for start in range(0, args.records, args.chunk):
        stop = min(start + args.chunk, args.records)
        chunk = [synthetic_person(rng, key) for key in range(start, stop)]
        began = time.perf_counter()
        decisions = evaluator.evaluate(chunk, NOW)
        elapsed += time.perf_counter() - began
        for decision in decisions.records:
            tasks += len(decision.tasks)
            states.update(result.state for result in decision.sla)

    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    rate = args.records / elapsed
    print(f"rules: {rate:,.0f} records/s, peak {peak_gib:.2f} GiB")
    print(f"  {args.records:,} records in {elapsed:.1f} s of evaluation; {tasks:,} tasks due")
    print("  SLA states: " + ", ".join(f"{k} {v:,}" for k, v in sorted(states.items())))
    print(f"  targets: >= 50,000 records/s ({rate / 50_000:.2f}x), <= 1.5 GiB")
    return 0 if rate >= 50_000 and peak_gib <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
