"""Scale-out benchmark of the Dask engine: simulated profiles scored on a LocalCluster.

    python benchmarks/bench_dask.py --model MODEL                      # 1,000,000 profiles
    python benchmarks/bench_dask.py --model MODEL --profiles 20000     # a quick run
    python benchmarks/bench_dask.py --model MODEL --memory             # + 10,000-tool memory

Profiles come from the simulator's population (``training/simulate.py`` ``sample_profile``),
generated in partitions on the workers (never all in the driver's memory), then validated and
scored on the same worker with the Dask batch's code (``batch.score_profiles``, i.e.
``Recommender.suggest_batch`` by chunks of 200). Results are counted and dropped (``--out``
writes them as JSONL part files). The local figure is the same code on one core of the driver
(CPU affinity pinned to one core), on ``--local-profiles`` profiles. Printed: profiles per
second, per core, and the ratio. ``--memory`` also measures, in a fresh process, the resident
memory of a Recommender on benchmarks/scale_catalog.py's 10,000-tool catalog and its peak while
scoring one partition.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def generate_and_score(spec, seed: int, k: int, n: int, out_dir: str | None) -> dict:
    """On a worker: ``n`` simulated profiles of partition ``k``, scored; timings."""
    import numpy as np

    from cinwe_reco.dask_engine.batch import score_profiles
    from cinwe_reco.dask_engine.loaders import worker_arrays, worker_recommender
    from training.simulate import sample_profile

    rec = worker_recommender(spec)
    arrays = worker_arrays(spec)
    rng = np.random.default_rng([seed, k])
    t0 = time.perf_counter()
    docs = [(f"sim-{k}-{i}", sample_profile(rng, rec.catalog, arrays, k * n + i))
            for i in range(n)]
    t1 = time.perf_counter()
    scored, skipped = score_profiles(rec, docs)
    t2 = time.perf_counter()
    if out_dir:
        with open(Path(out_dir) / f"part-{k:05d}.jsonl", "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r.to_dict(), ensure_ascii=False) + "\n"
                              for _, r in scored)
    return {"scored": len(scored), "skipped": len(skipped), "generate_s": t1 - t0,
            "score_s": t2 - t1}


def warm(spec) -> int:
    """On every worker: load the catalog and the model once (returns the catalog's size)."""
    from cinwe_reco.dask_engine.loaders import worker_recommender

    return len(worker_recommender(spec).catalog)


def local_rate(spec, n: int) -> float:
    """Profiles per second of the same code on one core of this process."""
    import numpy as np

    from cinwe_reco.dask_engine.batch import score_profiles
    from cinwe_reco.dask_engine.loaders import worker_arrays, worker_recommender
    from training.simulate import sample_profile

    rec = worker_recommender(spec)
    arrays = worker_arrays(spec)
    rng = np.random.default_rng([99, 0])
    docs = [(f"local-{i}", sample_profile(rng, rec.catalog, arrays, i)) for i in range(n)]
    score_profiles(rec, docs[:50])  # warm-up
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        t = time.perf_counter()
        scored, _ = score_profiles(rec, docs)
        return len(scored) / (time.perf_counter() - t)
    finally:
        os.sched_setaffinity(0, before)


def memory_figures(model: str | None, rows: int) -> dict:
    """In a fresh process: RSS of a Recommender on a 10,000-tool catalog, peak while scoring."""
    code = f"""
import json, resource, sys, time
sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'benchmarks')!r})
import numpy as np, psutil
from scale_catalog import generate
proc = psutil.Process()
import cinwe_reco.recommender, cinwe_reco.ranker, lightgbm, training.simulate
from cinwe_reco.catalog import load_catalog
from cinwe_reco.candidates import CatalogArrays
from cinwe_reco.dask_engine.batch import score_profiles
from cinwe_reco.recommender import Recommender
from cinwe_reco.ranker import RankingModel
import tempfile, pathlib
from cinwe_reco.catalog import validate_catalogs
path = pathlib.Path(tempfile.mkdtemp()) / "scale.json"
entries = generate(10_000)
path.write_text(json.dumps({{"entries": entries}}))
# scale_catalog.py predates some catalog v2 checks: drop the few entries they refuse
_, problems = validate_catalogs([path], include_default=False)
bad = {{p.entry for p in problems}}
entries = [e for e in entries if e["id"] not in bad]
for e in entries:
    e["integrations"] = [i for i in e["integrations"] if i not in bad]
path.write_text(json.dumps({{"entries": entries}}))
base = proc.memory_info().rss
cat = load_catalog(path, use_cache=False)
model = {model!r}
rec = Recommender(cat, RankingModel.load(model) if model else None)
loaded = proc.memory_info().rss
rng = np.random.default_rng(1)
arrays = CatalogArrays(cat)
docs = [(str(i), training.simulate.sample_profile(rng, cat, arrays, i)) for i in range({rows})]
t = time.perf_counter()
scored, _ = score_profiles(rec, docs)
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"tools": len(cat), "baseline_mb": base / 2**20,
                  "recommender_mb": (loaded - base) / 2**20, "loaded_rss_mb": loaded / 2**20,
                  "peak_rss_mb": peak / 2**20, "partition_rows": {rows},
                  "profiles_per_s": len(scored) / dt}}))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--partition-rows", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--local-profiles", type=int, default=2000)
    parser.add_argument("--model", help="model folder (default: the shipped model)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--out", type=Path, help="write the results as JSONL part files here")
    parser.add_argument("--memory", action="store_true",
                        help="also measure a Recommender on a 10,000-tool catalog")
    args = parser.parse_args()

    from distributed import Client, LocalCluster, as_completed

    from cinwe_reco.dask_engine import EngineSpec
    from cinwe_reco.dask_engine.loaders import worker_recommender

    spec = EngineSpec.of(model=args.model)
    rec = worker_recommender(spec)
    print(f"model: {rec.model_info['name']} ({len(rec.catalog)} tools)"
          + (f"; warning: {rec.warnings[0]}" if rec.warnings else ""))
    local = local_rate(spec, args.local_profiles)
    print(f"local batch, 1 core: {local:,.0f} profiles/s ({args.local_profiles:,} profiles, "
          "Recommender.suggest_batch by chunks of 200)")

    if args.out:
        args.out.mkdir(parents=True, exist_ok=False)
    sizes = [args.partition_rows] * (args.profiles // args.partition_rows)
    if args.profiles % args.partition_rows:
        sizes.append(args.profiles % args.partition_rows)
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        cores = sum(client.nthreads().values())
        client.run(warm, spec)  # the one load per worker, outside the timing
        t = time.perf_counter()
        futures = [client.submit(generate_and_score, spec, args.seed, k, n,
                                 str(args.out) if args.out else None, pure=False)
                   for k, n in enumerate(sizes)]
        done = scored = 0
        gen = score = 0.0
        for future in as_completed(futures):
            r = future.result()
            done, scored = done + 1, scored + r["scored"]
            gen, score = gen + r["generate_s"], score + r["score_s"]
            if done % max(1, len(sizes) // 20) == 0 or done == len(sizes):
                rate = scored / (time.perf_counter() - t)
                print(f"  {done}/{len(sizes)} partitions, {scored:,} profiles, "
                      f"{rate:,.0f} profiles/s end to end", file=sys.stderr, flush=True)
        wall = time.perf_counter() - t
    end_to_end = scored / wall
    scoring_only = scored / score  # task seconds are summed over the cores: per core
    print(f"dask, {args.workers} workers x 1 thread ({cores} cores), {len(sizes)} partitions of "
          f"{args.partition_rows:,}: {scored:,} profiles in {wall:,.1f} s")
    print(f"  end to end (generate + score): {end_to_end:,.0f} profiles/s, "
          f"{end_to_end / cores:,.0f} per core")
    print(f"  scoring only (task time, generation excluded): {scoring_only:,.0f} profiles/s "
          f"per core; generation {scored / gen:,.0f} profiles/s per core")
    print(f"  per core against the local batch on 1 core: scoring {scoring_only / local:.2f}x, "
          f"end to end {end_to_end / cores / local:.2f}x")
    print(f"  driver peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.memory:
        m = memory_figures(args.model, 2000)
        print(f"memory, {m['tools']:,}-tool catalog: Recommender {m['recommender_mb']:.0f} MB "
              f"over a {m['baseline_mb']:.0f} MB interpreter (RSS {m['loaded_rss_mb']:.0f} MB), "
              f"peak {m['peak_rss_mb']:.0f} MB scoring a partition of {m['partition_rows']:,} "
              f"({m['profiles_per_s']:,.0f} profiles/s on that catalog)")


if __name__ == "__main__":
    main()
