"""The performance benchmark suite: one command, one table of figures.

    python benchmarks/run.py            # everything (about five minutes on 2 cores)
    python benchmarks/run.py --quick    # without the 1,000,000-pair training run

Each figure is a median over repeated runs; figures that compare two things are measured in the
same run, alternating, and reported as a ratio. Each row says PASS or MISS against its target.
Timing targets live here, never in the unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

EXAMPLE = ROOT / "examples" / "maison-lavande.yaml"
ROWS: list[tuple[str, str, str, bool]] = []


def row(name: str, value: str, target: str, ok: bool) -> None:
    ROWS.append((name, value, target, ok))
    print(f"  {name:<52} {value:>16}  {target:<18} {'PASS' if ok else 'MISS'}", flush=True)


def script() -> str:
    here = Path(sys.executable).parent / "cinwe-reco"
    return str(here) if here.exists() else shutil.which("cinwe-reco") or "cinwe-reco"


def wall(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - t


def bench_cli(env: dict, repeats: int) -> None:
    cli = script()
    wall([cli, "catalog", "list"], env)  # fills the catalog cache
    for label, args in (("cinwe-reco --help", ["--help"]),
                        ("cinwe-reco catalog list", ["catalog", "list"]),
                        ("cinwe-reco profile validate", ["profile", "validate", str(EXAMPLE)])):
        t = statistics.median(wall([cli, *args], env) for _ in range(repeats))
        row(f"{label}: wall time", f"{t * 1000:.0f} ms", "< 250 ms", t < 0.25)
    suggest, imports = [], []
    wall([cli, "suggest", str(EXAMPLE), "--format", "json"], env)
    for _ in range(repeats):  # alternating, so both see the same machine load
        suggest.append(wall([cli, "suggest", str(EXAMPLE), "--format", "json"], env))
        imports.append(wall([sys.executable, "-c", "import lightgbm"], env))
    s, i = statistics.median(suggest), statistics.median(imports)
    row("suggest end to end / python -c 'import lightgbm'",
        f"{s * 1000:.0f}/{i * 1000:.0f} ms = {s / i:.2f}", "<= 0.25", s / i <= 0.25)


def suggest_median(rec, profiles: list, repeats: int) -> float:
    """Median seconds of ``rec.suggest`` over the profiles, after one warm-up pass."""
    for p in profiles:
        rec.suggest(p)
    times = []
    for _ in range(repeats):
        for p in profiles:
            t = time.perf_counter()
            rec.suggest(p, top=10)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_library(scale_catalog: Path) -> None:
    from cinwe_reco import Recommender, load_catalog, load_profile

    rec = Recommender.load()
    profiles = [load_profile(p, rec.catalog) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    m = suggest_median(rec, profiles, 5)
    row(f"Recommender.suggest, {len(rec.catalog)} tools (top-10 reasons)", f"{m * 1000:.1f} ms",
        "<= 10 ms", m <= 0.010)

    big = load_catalog(scale_catalog)
    rec_big = Recommender(big, rec.model)
    big_profiles = [load_profile({**p.to_dict(), "current_stack": [],
                                  "constraints": {**p.to_dict()["constraints"], "exclude": []}},
                                 big) for p in profiles]
    m = suggest_median(rec_big, big_profiles, 3)
    row(f"Recommender.suggest, {len(big):,} tools (top-10 reasons)", f"{m * 1000:.1f} ms",
        "<= 100 ms", m <= 0.100)


def bench_merged_catalog() -> None:
    """suggest on the shipped catalog plus the imported data sets, when they are beside us."""
    shared = ROOT.parent / "shared" / "data"
    if not (shared / "webappanalyzer").is_dir():
        print("  (merged catalog skipped: ../shared/data is not beside this checkout)")
        return
    from cinwe_reco import Recommender, load_catalog, load_profile
    from cinwe_reco.catalog import load_catalogs
    from cinwe_reco.importers import stackshare, webappanalyzer

    work = Path(tempfile.mkdtemp(prefix="cinwe-merged-"))
    try:
        t = time.perf_counter()
        webappanalyzer.run(shared / "webappanalyzer", work / "imported", load_catalog())
        stackshare.run(shared / "stackshare" / "tools-business.csv", work / "popularity",
                       load_catalogs([work / "imported"]))
        imported = time.perf_counter() - t
        layers = [work / "imported", work / "popularity"]
        load_catalogs(layers)
        loads = []
        for _ in range(5):
            t = time.perf_counter()
            merged = load_catalogs(layers)
            loads.append(time.perf_counter() - t)
        row(f"merged catalog ({len(merged):,} tools): import both data sets", f"{imported:.1f} s",
            "(figure)", True)
        m = statistics.median(loads)
        row("merged catalog: load all layers from their caches", f"{m * 1000:.0f} ms",
            "< 250 ms", m < 0.25)
        rec = Recommender.load(catalog=merged)
        profiles = [load_profile(p, merged) for p in sorted((ROOT / "examples").glob("*.yaml"))]
        m = suggest_median(rec, profiles, 3)
        row(f"Recommender.suggest, merged {len(merged):,} tools", f"{m * 1000:.1f} ms",
            "<= 100 ms", m <= 0.100)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_batch() -> None:
    import numpy as np

    from cinwe_reco import Recommender
    from cinwe_reco.profile import profile_from_dict
    from cinwe_reco.scoring import prepare_many

    rec = Recommender.load()
    lines = (ROOT / "training" / "data" / "simulated" / "profiles.jsonl").read_text().splitlines()
    profiles = [profile_from_dict(json.loads(x)["profile"], rec.catalog) for x in lines[:1500]]
    X = np.vstack([p.X for p in prepare_many(profiles, rec.arrays)])
    threads = min(2, os.cpu_count() or 1)
    full, bare = [], []
    rec.score_batch(profiles[:50])
    for _ in range(5):
        t = time.perf_counter()
        rec.score_batch(profiles)
        full.append(time.perf_counter() - t)
        # the booster alone on the same (need, tool) pairs
        t = time.perf_counter()
        rec.model.booster.predict(X, num_threads=threads)
        bare.append(time.perf_counter() - t)
    f, b = statistics.median(full), statistics.median(bare)
    row("batch scoring (features + predict) / bare predict",
        f"{b / f:.2f} of bare", ">= 0.70", b / f >= 0.70)
    row(f"batch scoring throughput ({len(X):,} (need, tool) pairs)", f"{len(X) / f:,.0f} pairs/s",
        ">= 100,000 pairs/s", len(X) / f >= 100_000)


def bench_scale_catalog(scale_catalog: Path) -> None:
    from cinwe_reco.catalog import load_catalog

    cold, warm = [], []
    for _ in range(3):
        t = time.perf_counter()
        load_catalog(scale_catalog, use_cache=False)
        cold.append(time.perf_counter() - t)
    load_catalog(scale_catalog)
    for _ in range(5):
        t = time.perf_counter()
        load_catalog(scale_catalog)
        warm.append(time.perf_counter() - t)
    c, w = statistics.median(cold), statistics.median(warm)
    row("10,000-tool catalog: load + validate, cold", f"{c * 1000:.0f} ms", "< 1000 ms", c < 1.0)
    row("10,000-tool catalog: load from its cache", f"{w * 1000:.0f} ms", "< 100 ms", w < 0.1)


def bench_training(env: dict, pairs: int) -> None:
    from simulate_scale import simulate_pairs  # noqa: F401 - documented helper below

    data = Path(tempfile.mkdtemp(prefix="cinwe-train-"))
    try:
        made = simulate_pairs(pairs, data / "simulated")
        out = data / "model"
        code = ("import resource, sys, time\n"
                "from pathlib import Path\n"
                "from cinwe_reco.catalog import load_catalog\n"
                "from cinwe_reco.train import train_model\n"
                "t = time.perf_counter()\n"
                "meta = train_model(Path(sys.argv[1]), Path(sys.argv[2]), load_catalog(), seed=0)\n"
                "print(time.perf_counter() - t, meta['data']['train_pairs'])\n")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        done = subprocess.run([sys.executable, "-c", code, str(data), str(out)], env=env,
                              capture_output=True, text=True, check=True)
        peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        seconds, trained = done.stdout.split()
        seconds = float(seconds)
        row(f"train on {made:,} simulated pairs ({int(trained):,} in training groups)",
            f"{seconds:.1f} s", "<= 60 s", seconds <= 60)
        row("train: peak resident memory", f"{peak_mb:,.0f} MB", "< 4,096 MB", peak_mb < 4096)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1M-pair training run")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--train-pairs", type=int, default=1_000_000)
    args = parser.parse_args()

    cache = tempfile.mkdtemp(prefix="cinwe-bench-cache-")
    os.environ["XDG_CACHE_HOME"] = cache
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # a user's Python caches compiled modules after the first run; a shell that forbids it
    # would time the compilation of the whole package on every command
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    import lightgbm
    import numpy

    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
          f"{platform.python_version()}, numpy {numpy.__version__}, lightgbm "
          f"{lightgbm.__version__}")
    from scale_catalog import generate

    scale_catalog = Path(cache) / "scale-catalog.json"
    scale_catalog.write_text(json.dumps({"entries": generate(10_000)}))
    print(f"  {'figure':<52} {'median':>16}  {'target':<18} result")
    bench_cli(env, args.repeats)
    bench_library(scale_catalog)
    bench_merged_catalog()
    bench_batch()
    bench_scale_catalog(scale_catalog)
    if not args.quick:
        bench_training(env, args.train_pairs)
    missed = [r[0] for r in ROWS if not r[3]]
    print(f"{len(ROWS) - len(missed)} PASS, {len(missed)} MISS")
    shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
