"""Soak test: 10,000 `suggest` calls across 4 threads on one Recommender.

    python benchmarks/soak_suggest.py [--calls 10000] [--threads 4]

Checks that every result is identical to the single-threaded result for the same profile and
that memory stays flat (resident size after the first tenth of the calls versus at the end).
Prints PASS/MISS; exits 1 on a mismatch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEMORY_GROWTH_LIMIT_MB = 50.0


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    from cinwe_reco import Recommender, load_profile

    rec = Recommender.load()
    profiles = [load_profile(p, rec.catalog) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    expected = [json.dumps(rec.suggest(p).to_dict(), sort_keys=True) for p in profiles]

    def call(i: int) -> bool:
        k = i % len(profiles)
        return json.dumps(rec.suggest(profiles[k]).to_dict(), sort_keys=True) == expected[k]

    warm = args.calls // 10
    start = time.perf_counter()
    with ThreadPoolExecutor(args.threads) as pool:
        first = list(pool.map(call, range(warm)))
        rss_early = rss_mb()
        rest = list(pool.map(call, range(warm, args.calls)))
    elapsed = time.perf_counter() - start
    rss_end = rss_mb()
    same = all(first) and all(rest)
    growth = rss_end - rss_early
    print(f"{args.calls:,} suggest calls on {args.threads} threads, {os.cpu_count()} cores: "
          f"{elapsed:.1f} s ({args.calls / elapsed:,.0f} calls/s)")
    print(f"identical to single-threaded results: {'PASS' if same else 'MISS'}")
    print(f"resident memory {rss_early:.0f} MB after {warm:,} calls, {rss_end:.0f} MB at the end "
          f"(growth {growth:+.1f} MB, limit {MEMORY_GROWTH_LIMIT_MB:.0f}): "
          f"{'PASS' if growth < MEMORY_GROWTH_LIMIT_MB else 'MISS'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
