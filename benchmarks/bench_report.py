"""How long the client report takes to build, per shipped example and language.

    python benchmarks/bench_report.py [--model PATH] [--rounds 5]

For each of examples/*.yaml: the engine's ``suggest`` (with the shortlists' heads detailed)
and ``render_report`` in French and in English, timed separately. Prints the medians over the
examples. Without a usable model (``--model``, $CINWE_RECO_MODEL or the shipped one), the
rule-based scorer ranks: the report's own cost does not depend on it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model folder (default: the shipped one)")
    parser.add_argument("--rounds", type=int, default=5, help="timed runs per report")
    args = parser.parse_args()
    os.environ.setdefault("XDG_CACHE_HOME", tempfile.mkdtemp(prefix="cinwe-bench-"))
    from cinwe_reco.errors import ModelError
    from cinwe_reco.recommender import Recommender
    from cinwe_reco.report import DEFAULT_TOP, render_report

    try:
        rec = Recommender.load(model=args.model)
    except ModelError as exc:
        print(f"model: {exc}; using the rule-based scorer", file=sys.stderr)
        rec = Recommender.load(model=None)
    print(f"ranked by: {rec.model_info['name']} {rec.model_info['version']}"
          + (f" ({'; '.join(rec.warnings)})" if rec.warnings else ""))
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    render_report(rec.suggest(examples[0], shortlist_details=DEFAULT_TOP), rec)  # warm-up
    suggest_s, render_s, sizes = [], [], []
    for path in examples:
        runs_s, runs_r = [], []
        for _ in range(args.rounds):
            t = time.perf_counter()
            result = rec.suggest(path, shortlist_details=DEFAULT_TOP)
            runs_s.append(time.perf_counter() - t)
            for lang in ("fr", "en"):
                t = time.perf_counter()
                page = render_report(result, rec, lang)
                runs_r.append(time.perf_counter() - t)
                sizes.append(len(page.encode()))
        suggest_s.append(statistics.median(runs_s))
        render_s.append(statistics.median(runs_r))
    s, r = statistics.median(suggest_s), statistics.median(render_s)
    print(f"{len(examples)} examples x 2 languages, median of {args.rounds} runs each, "
          f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for label, median, worst in (("suggest (engine):", s, max(suggest_s)),
                                 ("render_report (HTML):", r, max(render_s))):
        print(f"{label:<26} median {median * 1000:7.1f} ms   max {worst * 1000:7.1f} ms")
    print(f"one report, end to end:    median {(s + r) * 1000:7.1f} ms")
    print(f"page size: median {statistics.median(sizes) / 1024:.0f} KiB, "
          f"max {max(sizes) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
