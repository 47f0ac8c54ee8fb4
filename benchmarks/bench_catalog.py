"""Catalog load and validation time, cold (no cache) and warm (compiled form cached by hash).

    python benchmarks/bench_catalog.py

Prints the median of repeated runs and PASS/MISS against the 150 ms warm target.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_WARM_S = 0.150


def main() -> None:
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="cinwe-bench-")
    from cinwe_reco.catalog import load_catalog

    cold, warm = [], []
    for _ in range(7):
        t = time.perf_counter()
        catalog = load_catalog(use_cache=False)
        cold.append(time.perf_counter() - t)
        load_catalog()  # writes the cache
        t = time.perf_counter()
        load_catalog()
        warm.append(time.perf_counter() - t)
    w = statistics.median(warm)
    print(f"catalog: {len(catalog)} tools, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"load + validate, cold (no cache): median {statistics.median(cold) * 1000:7.1f} ms")
    print(f"load, warm (cached by content hash): median {w * 1000:7.1f} ms  "
          f"target < {TARGET_WARM_S * 1000:.0f} ms  {'PASS' if w < TARGET_WARM_S else 'MISS'}")


if __name__ == "__main__":
    main()
