"""``suggest PROFILES --engine dask --out DIR``: partitions scored on the workers.

Each task reads one partition (``partitions.read_part``), validates its profiles against the
worker's catalog, scores them with ``Recommender.suggest_batch`` (the local batch's code: the
features of a chunk built in one batch and scored in one model call) and writes its own part
file, ``part-00000.jsonl`` (one ``cinwe-reco/suggestions@1`` object a line, as the local batch
writes them) or ``part-00000.parquet`` (columns ``source``, ``client``, ``suggestions``: the
same JSON text). Results never travel through the driver; a task returns its counts and the
profiles it skipped, each with why. The catalog and the model are loaded once per worker
process (``loaders``). The output folder is written atomically: a temporary sibling renamed
into place once every partition is written (on a real cluster, a folder every worker can write).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CinweError
from ..files import atomic_folder, refuse_existing
from ..profile import profile_from_dict
from . import ClusterOptions, EngineSpec, require_dask
from .cluster import dask_client, workers_info
from .loaders import worker_recommender
from .partitions import Part, plan_partitions, read_part

CHUNK = 200  # profiles scored per model call inside a partition
OUT_FORMATS = ("jsonl", "parquet")


@dataclass
class PartReport:
    """What one partition did: profiles scored, and (source, why) for each one skipped."""

    index: int
    scored: int
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class BatchReport:
    """The whole batch: partitions in order, totals, the cluster it ran on."""

    out: Path
    parts: list[PartReport]
    workers: int
    threads: int
    seconds: float

    @property
    def scored(self) -> int:
        """Profiles scored and written."""
        return sum(p.scored for p in self.parts)

    @property
    def skipped(self) -> int:
        """Profiles that could not be read or validated."""
        return sum(len(p.skipped) for p in self.parts)


def part_name(index: int, fmt: str) -> str:
    """``part-00000.jsonl`` or ``part-00000.parquet``."""
    return f"part-{index:05d}.{fmt}"


def score_profiles(rec: Any, items: Iterable[tuple[str, Any]], top: int = 10,
                   needs: tuple[str, ...] = ()) -> tuple[list[tuple[str, Any]],
                                                         list[tuple[str, str]]]:
    """(source, Suggestions) for every profile that validates and scores, and (source, why)
    for every other, both in input order; profiles scored ``CHUNK`` at a time with
    ``Recommender.suggest_batch``."""
    good: list[tuple[int, str, Any]] = []
    skipped: list[tuple[int, str, str]] = []
    for k, (source, doc) in enumerate(items):
        if isinstance(doc, CinweError):
            skipped.append((k, source, str(doc)))
            continue
        try:
            profile = profile_from_dict(doc, rec.catalog, source)
            if needs:
                profile = rec.profile(profile, needs)
        except CinweError as exc:
            skipped.append((k, source, str(exc)))
            continue
        good.append((k, source, profile))
    scored: list[tuple[str, Any]] = []
    for start in range(0, len(good), CHUNK):
        chunk = good[start:start + CHUNK]
        try:
            results = rec.suggest_batch([p for _, _, p in chunk], top=top)
            scored += [(s, r) for (_, s, _), r in zip(chunk, results, strict=True)]
        except CinweError:  # find the profile that fails; score the others
            for k, source, profile in chunk:
                try:
                    scored.append((source, rec.suggest_batch([profile], top=top)[0]))
                except CinweError as exc:
                    skipped.append((k, source, str(exc)))
    return scored, [(s, why) for _, s, why in sorted(skipped, key=lambda x: x[0])]


def score_part(spec: EngineSpec, part: Part, index: int, out_dir: str, fmt: str, top: int,
               needs: tuple[str, ...]) -> PartReport:
    """On a worker: read, score and write one partition."""
    started = time.perf_counter()
    rec = worker_recommender(spec)
    scored, skipped = score_profiles(rec, list(read_part(part)), top, needs)
    path = Path(out_dir) / part_name(index, fmt)
    tmp = path.with_name(f".{path.name}.tmp")
    texts = [json.dumps(r.to_dict(), ensure_ascii=False) for _, r in scored]
    if fmt == "jsonl":
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write("".join(t + "\n" for t in texts))
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({"source": pa.array([s for s, _ in scored], pa.string()),
                          "client": pa.array([r.client for _, r in scored], pa.string()),
                          "suggestions": pa.array(texts, pa.string())})
        pq.write_table(table, tmp)
    os.replace(tmp, path)
    return PartReport(index, len(scored), skipped, list(rec.warnings),
                      time.perf_counter() - started)


def suggest_dask(paths: list[Path | str], out: Path | str, spec: EngineSpec,
                 cluster: ClusterOptions, *, top: int = 10, needs: Iterable[str] = (),
                 fmt: str = "jsonl", force: bool = False, rows: int = 2000,
                 on_part: Callable[[PartReport, int, int], None] | None = None,
                 say: Callable[[str], None] | None = None) -> BatchReport:
    """Score every profile of ``paths`` on a Dask cluster and write the part files to ``out``.

    ``on_part(report, done, total)`` is called as each partition completes (any order).
    """
    if fmt not in OUT_FORMATS:
        raise CinweError(f"unknown output format '{fmt}' (expected jsonl or parquet)")
    parquet_in = any(str(p).lower().endswith(".parquet") or (
        Path(p).is_dir() and any(Path(p).glob("*.parquet"))) for p in paths)
    require_dask(parquet=fmt == "parquet" or parquet_in)
    from distributed import as_completed

    out = Path(out)
    refuse_existing(out, force)
    if top < 1:
        raise CinweError(f"expected a number of suggestions >= 1, got {top}")
    started = time.perf_counter()
    parts = plan_partitions(paths, rows)
    needs = tuple(needs)
    reports: list[PartReport] = []
    with dask_client(cluster, say) as client, atomic_folder(out, force=force) as tmp:
        futures = [client.submit(score_part, spec, part, k, str(tmp), fmt, top, needs,
                                 pure=False) for k, part in enumerate(parts)]
        for done, future in enumerate(as_completed(futures), start=1):
            report = future.result()
            reports.append(report)
            if on_part is not None:
                on_part(report, done, len(futures))
        info = workers_info(client)
    reports.sort(key=lambda r: r.index)
    return BatchReport(out, reports, len(info), sum(w.get("nthreads", 0) for w in info.values()),
                       time.perf_counter() - started)


def read_results(out: Path | str) -> list[dict]:
    """Every result of a Dask batch's output folder, in input order (tests, small batches)."""
    rows: list[dict] = []
    for path in sorted(Path(out).glob("part-*")):
        if path.suffix == ".jsonl":
            rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip()]
        elif path.suffix == ".parquet":
            import pyarrow.parquet as pq

            rows += [json.loads(t) for t in pq.read_table(path).column("suggestions")
                     .to_pylist()]
    return rows
