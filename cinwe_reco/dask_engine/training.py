"""``train --engine dask``: training groups built on the workers, DaskLGBMRanker, the same
verified model folder as the local engine.

Partitions: ``simulated/profiles.jsonl`` in runs of lines (each worker reads its lines and the
judgments of those profiles only, and builds their (profile, need) groups with
``training_data.build_groups``), then one partition for the expert training set and one for the
recorded outcomes. A partition holds whole query groups only, so LightGBM's per-query gradients
never see half a group; ``check_whole_groups`` proves it before any training. Each partition
splits its groups into train / validation / test by profile with the local engine's hash, so
the split is the local split. The validation and test groups (small) come back to the driver
for early stopping, calibration and metrics; the training rows stay on the workers.

``DaskLGBMRanker`` runs every round (LightGBM's Dask estimators have no early stopping); the
best iteration is then found as LightGBM's ``early_stopping`` callback finds it: NDCG@10 of the
validation groups after each round, patience ``early_stopping_rounds``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CinweError, TrainingDataError
from ..feature_bins import bins_file
from ..features import FEATURE_NAMES
from ..ranker import LambdaRanker
from ..train import check_enough, finish_model, previous_metadata
from ..training_data import (
    FEEDBACK_FILE,
    SOURCE_WEIGHTS,
    Problems,
    QueryGroup,
    build_groups,
    load_expert,
    load_feedback,
    parse_simulated_line,
    read_judgments,
    read_open_needs,
    read_profile_folder,
    split_by_profile,
    stack_groups,
)
from . import ClusterOptions, EngineSpec, require_dask
from .cluster import dask_client, workers_info
from .loaders import worker_arrays, worker_catalog
from .partitions import Part, _jsonl_parts

Progress = Callable[[str, int, int], None]
ROWS_PER_PARTITION = 2000  # simulated profiles per partition


# --------------------------------------------------------------------------- on the workers


def _part_result(source: str, groups: list[QueryGroup], seed: int, problems: Problems,
                 expert: bool = False) -> dict[str, Any]:
    if source == "feedback":
        train, valid, test = groups, [], []
    elif expert:
        train, valid, test = split_by_profile(groups, seed, valid=2, test=0)
    else:
        train, valid, test = split_by_profile(groups, seed)
    X, y, sizes, w = stack_groups(train)
    return {"source": source, "X": X, "y": y.astype(np.float64), "group": sizes, "w": w,
            "group_ids": [g.id for g in train], "groups": len(groups), "valid": valid,
            "test": test, "problems": problems.items}


def build_simulated_part(spec: EngineSpec, data_dir: str, part: Part, seed: int
                         ) -> dict[str, Any]:
    """The query groups of a run of lines of ``simulated/profiles.jsonl``."""
    catalog, arrays = worker_catalog(spec), worker_arrays(spec)
    problems = Problems()
    folder = Path(data_dir) / "simulated"
    with open(part.path, "rb") as handle:
        handle.seek(part.start)
        raw = handle.read(part.stop - part.start)
    if part.start == 0 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    parsed = []
    for number, line in enumerate(raw.split(b"\n"), start=part.first):
        where = f"{part.path}: line {number}"
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise TrainingDataError(f"{where}: not valid UTF-8") from None
        item = parse_simulated_line(text, where, catalog, problems)
        if item is not None:
            parsed.append(item)
    hidden: dict[tuple[str, str, str], list[str]] = {}
    judgments = read_judgments(sorted(folder.glob("judgments*.csv")), hidden,
                               only={pid for pid, _ in parsed})
    records = [(pid, "simulated", profile, judgments.get(pid, {})) for pid, profile in parsed]
    groups = build_groups(records, arrays, SOURCE_WEIGHTS["simulated"], hidden)
    return _part_result("simulated", groups, seed, problems)


def build_expert_part(spec: EngineSpec, data_dir: str, seed: int, k: int = 0, n: int = 1
                      ) -> dict[str, Any]:
    """The query groups of the k-th of n runs of ``expert/train``'s profiles (by id), split 80%
    training, 20% validation by profile. Spread over the workers like the simulated rows, so
    each worker's share of the data looks like the whole (LightGBM finds each feature's bins
    on one worker's rows)."""
    problems = Problems()
    folder = Path(data_dir) / "expert" / "train"
    if n == 1:
        groups = load_expert(folder, worker_catalog(spec), worker_arrays(spec), problems)
    else:
        profiles = read_profile_folder(folder, worker_catalog(spec), Problems())
        ids = sorted(profiles)
        size = -(-len(ids) // n)
        mine = ids[k * size:(k + 1) * size]
        judged = read_judgments(sorted(folder.glob("judgments*.csv")), only=set(mine))
        if k == 0:  # the folder's problems, reported once
            load_problems = Problems()
            read_profile_folder(folder, worker_catalog(spec), load_problems)
            problems.items += load_problems.items
            everyone = read_judgments(sorted(folder.glob("judgments*.csv")))
            for pid in sorted(set(everyone) - set(profiles)):
                problems.add(f"{folder}: judgments for '{pid}', which has no profile file")
        records = [(pid, "expert", profiles[pid], judged[pid]) for pid in mine if pid in judged]
        groups = build_groups(records, worker_arrays(spec), SOURCE_WEIGHTS["expert"],
                              open_needs=read_open_needs(folder, only=set(mine)))
    return _part_result("expert", groups, seed, problems, expert=True)


def build_feedback_part(spec: EngineSpec, data_dir: str, seed: int) -> dict[str, Any]:
    """The query groups of the recorded outcomes (all for training)."""
    problems = Problems()
    groups = load_feedback(Path(data_dir), worker_catalog(spec), worker_arrays(spec), problems)
    return _part_result("feedback", groups, seed, problems)


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    """Everything of a partition but its training rows (which stay on the worker)."""
    out = {k: v for k, v in result.items() if k not in ("X", "y", "w", "group")}
    out["rows"] = int(len(result["y"]))
    out["group_sizes"] = result["group"]
    return out


def _field(result: dict[str, Any], name: str) -> Any:
    return result[name]


# --------------------------------------------------------------------------- on the driver


class TrainingParts:
    """The partitions of a training set on the cluster: dask arrays of the training rows (one
    chunk per partition of whole groups) and, on the driver, the validation and test groups."""

    def __init__(self, futures: list[Any], summaries: list[dict[str, Any]]) -> None:
        import dask.array as da
        from dask import delayed

        self.futures = futures
        self.summaries = summaries
        check_whole_groups(summaries)
        keep = [i for i, s in enumerate(summaries) if s["rows"]]
        width = len(FEATURE_NAMES)

        def column(name: str, shape: Callable[[dict], tuple], dtype: Any) -> Any:
            chunks = [da.from_delayed(delayed(_field)(futures[i], name), shape(summaries[i]),
                                      dtype=dtype) for i in keep]
            return da.concatenate(chunks) if chunks else None

        self.X = column("X", lambda s: (s["rows"], width), np.float64)
        self.y = column("y", lambda s: (s["rows"],), np.float64)
        self.w = column("w", lambda s: (s["rows"],), np.float64)
        self.group = column("group", lambda s: (len(s["group_sizes"]),), np.int64)
        self.partitions = len(keep)

    def of(self, source: str, key: str) -> list:
        """The ``valid`` or ``test`` groups of one source, in partition order."""
        return [g for s in self.summaries if s["source"] == source for g in s[key]]

    def count(self, source: str) -> int:
        """Query groups of a source, all splits together."""
        return sum(s["groups"] for s in self.summaries if s["source"] == source)

    @property
    def problems(self) -> list[str]:
        """The records no partition could use, in the local engine's order."""
        return [p for s in self.summaries for p in s["problems"]]


def check_whole_groups(summaries: list[dict[str, Any]]) -> None:
    """CinweError (exit 1: a bug, not bad input) unless every partition holds whole query
    groups: its group sizes add up to its rows and no group id is in two partitions."""
    seen: dict[str, int] = {}
    for k, s in enumerate(summaries):
        if int(np.sum(s["group_sizes"])) != s["rows"]:
            raise _internal(f"partition {k}: group sizes add up to "
                            f"{int(np.sum(s['group_sizes']))}, not its {s['rows']} rows")
        if len(s["group_ids"]) != len(s["group_sizes"]):
            raise _internal(f"partition {k}: {len(s['group_ids'])} group ids for "
                            f"{len(s['group_sizes'])} groups")
        for gid in s["group_ids"]:
            if gid in seen:
                raise _internal(f"query group {gid} is split across partitions {seen[gid]} "
                                f"and {k}")
            seen[gid] = k


def _internal(message: str) -> CinweError:
    exc = CinweError(f"Dask training: {message}")
    exc.exit_code = 1
    return exc


def build_training_parts(client: Any, spec: EngineSpec, data_dir: Path, seed: int,
                         rows: int = ROWS_PER_PARTITION, progress: Progress | None = None
                         ) -> TrainingParts:
    """Build the training groups on the workers, partition by partition."""
    from distributed import as_completed

    data_dir = Path(data_dir).resolve()
    if not data_dir.is_dir():
        raise TrainingDataError(f"{data_dir}: no such training data folder")
    sim = data_dir / "simulated" / "profiles.jsonl"
    n_workers = max(1, len(workers_info(client)))
    parts = _jsonl_parts(sim, rows) if sim.is_file() else []
    if 0 < len(parts) < n_workers:
        # every worker gets simulated rows, so that each one's rows show every kind of value
        # (hidden facts' NaN above all), whichever features LightGBM has it find bins for
        with open(sim, "rb") as handle:
            total = sum(1 for _ in handle)
        parts = _jsonl_parts(sim, max(1, -(-total // n_workers)))
    tasks: list[tuple] = [(build_simulated_part, spec, str(data_dir), part, seed)
                          for part in parts]
    n_expert = n_workers
    tasks += [(build_expert_part, spec, str(data_dir), seed, k, n_expert)
              for k in range(n_expert)]
    if (data_dir / FEEDBACK_FILE).is_file():
        tasks.append((build_feedback_part, spec, str(data_dir), seed))
    # partitions go round-robin to the workers in name order: each worker's share of the
    # training rows, hence the model, depends only on the data, the seed and the cluster shape
    workers = _workers_by_name(client)
    futures = [client.submit(*task, pure=False, workers=[workers[k % len(workers)]],
                             allow_other_workers=False) for k, task in enumerate(tasks)]
    say = progress or (lambda stage, i, n: None)
    for done, future in enumerate(as_completed(futures), start=1):
        future.result()  # a partition's error (bad training data) stops here
        say("building training groups", done, len(futures))
    summaries = client.gather([client.submit(_summary, f, pure=False) for f in futures])
    return TrainingParts(futures, summaries)


def _workers_by_name(client: Any) -> list[str]:
    """The workers' addresses, sorted by worker name (LocalCluster names them 0, 1, ...)."""
    info = workers_info(client)
    if not info:
        raise CinweError("the Dask cluster has no workers")
    return sorted(info, key=lambda a: (str(info[a].get("name", "")).zfill(8), a))


@contextmanager
def _ordered_who_has(client: Any) -> Iterator[None]:
    """While DaskLGBMRanker fits: ``client.who_has`` answers in the order of the futures asked
    about (distributed answers in set order). LightGBM ranks its machines, and has each one
    stack its parts, in that order: each worker's rows come in partition order, and the
    machines in the order of their first partition."""
    plain = client.who_has

    def who_has(futures: Any = None, **kwargs: Any) -> Any:
        found = plain(futures, **kwargs)
        if futures is None:
            return found
        # futures_of walks its argument as a stack: its list comes out reversed
        asked = futures if isinstance(futures, list | tuple) else [futures]
        keys = [f.key for f in reversed(client.futures_of(asked))]
        return {k: found[k] for k in dict.fromkeys(keys) if k in found}

    client.who_has = who_has
    try:
        yield
    finally:
        del client.who_has


def train_part_with_fixed_bins(**kwargs: Any) -> Any:
    """``lightgbm.dask._train_part`` on a worker, with the fixed feature bins (feature_bins)
    file in the layout of the rank LightGBM gives this worker: its ``host:port`` entry in
    ``machines``, as LightGBM's network finds it (each rank's file has its own name, so
    workers of one machine never share one)."""
    from urllib.parse import urlparse

    import lightgbm.dask as lgb_dask
    from distributed import get_worker

    me = f"{urlparse(get_worker().address).hostname}:{kwargs['local_listen_port']}"
    machines = [m.strip() for m in str(kwargs["machines"]).split(",")]
    path = bins_file(machines.index(me), len(machines))
    train_part = getattr(lgb_dask, "_cinwe_reco_train_part", lgb_dask._train_part)
    return train_part(**{**kwargs, "params": {**kwargs["params"],
                                              "forcedbins_filename": str(path)}})


@contextmanager
def _fixed_bins() -> Iterator[None]:
    """While DaskLGBMRanker fits: each worker trains through train_part_with_fixed_bins."""
    import lightgbm.dask as lgb_dask

    original = lgb_dask._train_part
    lgb_dask._cinwe_reco_train_part = original
    lgb_dask._train_part = train_part_with_fixed_bins
    try:
        yield
    finally:
        lgb_dask._train_part = original


def ndcg_at(scores: np.ndarray, grades: np.ndarray, sizes: np.ndarray, k: int = 10,
            gains: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0)) -> float:
    """Mean NDCG@k over query groups as LightGBM's ``ndcg`` metric computes it (stable sort by
    score, a group without relevant tools counts 1)."""
    gain = np.asarray(gains)[grades.astype(int)]
    out, start = [], 0
    for n in sizes:
        g, s = gain[start:start + n], scores[start:start + n]
        start += n
        top = min(k, n)
        discount = 1.0 / np.log2(np.arange(top) + 2.0)
        ideal = float(np.sort(g)[::-1][:top] @ discount)
        if ideal <= 0:
            out.append(1.0)
            continue
        order = np.argsort(-s, kind="stable")[:top]
        out.append(float(g[order] @ discount) / ideal)
    return float(np.mean(out)) if out else 0.0


def replay_early_stopping(booster: Any, Xv: np.ndarray, yv: np.ndarray, sizes: np.ndarray,
                          patience: int) -> int:
    """The iteration LightGBM's ``early_stopping(patience)`` on NDCG@10 of the validation
    groups would have kept (1-based): the first best, before ``patience`` rounds without a
    strict improvement."""
    total = booster.current_iteration()
    raw = np.zeros(len(yv))
    best, best_score = 0, -np.inf
    for it in range(total):
        raw = raw + booster.predict(Xv, start_iteration=it, num_iteration=1, raw_score=True)
        score = ndcg_at(raw, yv, sizes)
        if score > best_score:
            best, best_score = it, score
        elif it - best >= patience:
            break
    return best + 1


def train_dask(data_dir: Path, out: Path, spec: EngineSpec, cluster: ClusterOptions, *,
               seed: int = 0, force: bool = False, name: str | None = None,
               n_estimators: int = 400, rows: int = ROWS_PER_PARTITION,
               progress: Progress | None = None, say_line: Callable[[str], None] | None = None,
               catalog: Any = None) -> dict[str, Any]:
    """``train_model`` on a Dask cluster; the same model folder, with ``engine`` recorded."""
    require_dask()
    from ..candidates import CatalogArrays

    out = Path(out)
    previous = previous_metadata(out, force)
    say = progress or (lambda stage, i, n: None)
    started = time.perf_counter()
    # the driver's copy of the workers' catalog: fingerprint, test sets, metrics
    catalog = catalog if catalog is not None else worker_catalog(spec)
    with dask_client(cluster, say_line) as client:
        say("building training groups", 0, 1)
        parts = build_training_parts(client, spec, Path(data_dir), seed, rows, progress)
        return _fit_and_write(client, parts, out, spec, cluster, catalog,
                              CatalogArrays(catalog), data_dir=Path(data_dir), seed=seed,
                              force=force, name=name, n_estimators=n_estimators, say=say,
                              started=started, previous=previous)


def _fit_and_write(client: Any, parts: TrainingParts, out: Path, spec: EngineSpec,
                   cluster: ClusterOptions, catalog: Any, arrays: Any, *, data_dir: Path,
                   seed: int, force: bool, name: str | None, n_estimators: int,
                   say: Progress, started: float, previous: dict[str, Any] | None
                   ) -> dict[str, Any]:
    from lightgbm.dask import DaskLGBMRanker

    exp_valid = parts.of("expert", "valid")
    valid = exp_valid if exp_valid else parts.of("simulated", "valid")
    sim_test = parts.of("simulated", "test")
    n_train = sum(len(s["group_sizes"]) for s in parts.summaries)
    check_enough(data_dir, n_train, len(valid))
    Xv, yv, sizes_v, _ = stack_groups(valid)
    ranker = LambdaRanker(seed=seed, n_estimators=n_estimators)
    params = ranker.lgbm_params()
    params.pop("n_jobs")  # each worker trains with its own threads
    say("training", 0, n_estimators)
    with warnings.catch_warnings(), _ordered_who_has(client), _fixed_bins():
        model = DaskLGBMRanker(client=client, **params)
        # the estimator's own n_jobs=None: each worker trains with its threads, as intended
        warnings.filterwarnings("ignore", message="Parameter n_jobs will be ignored")
        model.fit(parts.X, parts.y, group=parts.group, sample_weight=parts.w,
                  feature_name=list(FEATURE_NAMES))
    booster = model.booster_
    say("training", n_estimators, n_estimators)
    say("evaluating", 0, 1)
    best = replay_early_stopping(booster, Xv, yv, sizes_v, ranker.early_stopping_rounds)
    problems = Problems(parts.problems)
    counts = {
        "simulated_groups": parts.count("simulated"),
        "expert_groups": parts.count("expert"),
        "feedback_groups": parts.count("feedback"),
        "train_groups": n_train, "valid_groups": len(valid),
        "simulated_test_groups": len(sim_test),
        "train_pairs": int(sum(s["rows"] for s in parts.summaries)),
    }
    workers = workers_info(client)
    engine = {"name": "dask", "estimator": "lightgbm.dask.DaskLGBMRanker",
              "workers": len(workers),
              "threads": sum(w.get("nthreads", 0) for w in workers.values()),
              "partitions": parts.partitions, "scheduler": cluster.scheduler or "local"}
    return finish_model(out, booster, best, ranker.get_params(), Xv, yv, sim_test, counts,
                        data_dir=data_dir, catalog=catalog, arrays=arrays, problems=problems,
                        seed=seed, name=name, force=force, started=started, previous=previous,
                        engine=engine)
