"""Training: LambdaRank on the training folder, written as a verified model folder.

One query group per (profile, need), the unit ``by_need`` serves. The expert judgments of
``expert/train`` are the main labels (weight 3), split by profile: 80% for training, 20% for
early stopping on NDCG@10 and for the fit calibration. Simulated groups (weight 0.1) add what
experts cannot judge at scale; 10% of their profiles are held out. Recorded outcomes
(feedback) weigh 5. The frozen expert test set (``expert/test``) is never trained on, only
measured on. Same data and seed give the same model and metrics.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .candidates import CatalogArrays
from .catalog import Catalog
from .errors import CinweError, TrainingDataError
from .evaluate import TEST_FOLDER, CalibratedScorer, compare, metrics_table
from .features import FEATURE_NAMES, FEATURE_SCHEMA_VERSION, FEATURES
from .files import atomic_folder, refuse_existing
from .ranker import (
    CARD_FILE,
    METADATA_FILE,
    MODEL_FILE,
    MODEL_SCHEMA,
    LambdaRanker,
    metadata_digest,
    read_metadata,
    sha256_file,
)
from .training_data import (
    Problems,
    data_fingerprint,
    load_expert,
    load_training_data,
    split_by_profile,
    stack_groups,
)

Progress = Callable[[str, int, int], None]


def calibration(raw: np.ndarray, grades: np.ndarray, points: int = 40) -> dict[str, list]:
    """Monotone map raw score -> expected grade x 100/3, fitted on validation groups."""
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(out_of_bounds="clip", increasing=True)
    iso.fit(raw, grades * (100.0 / 3.0))
    qs = np.unique(np.quantile(raw, np.linspace(0, 1, points)))
    fit = iso.predict(qs)
    # a strictly increasing curve keeps distinct raw scores distinct after rounding less often
    fit = np.maximum.accumulate(fit + np.linspace(0, 1e-6, len(fit)))
    return {"raw": [round(float(x), 6) for x in qs], "fit": [round(float(y), 4) for y in fit]}


def train_model(data_dir: Path, out: Path, catalog: Catalog, *, seed: int = 0,
                force: bool = False, name: str | None = None, n_estimators: int = 400,
                progress: Progress | None = None) -> dict[str, Any]:
    """Train on ``data_dir`` and write the model folder ``out``; returns the metadata.

    Refuses to replace an existing folder unless ``force``; writes to a temporary folder and
    renames it into place.
    """
    out = Path(out)
    previous = previous_metadata(out, force)
    say = progress or (lambda stage, i, n: None)
    started = time.perf_counter()
    say("loading training data", 0, 1)
    arrays = CatalogArrays(catalog)
    problems = Problems()
    data = load_training_data(data_dir, catalog, arrays, problems)
    sim_train, sim_valid, sim_test = split_by_profile(data["simulated"], seed)
    exp_train, exp_valid, _ = split_by_profile(data["expert"], seed, valid=2, test=0)
    train = sim_train + exp_train + data["feedback"]
    # early stopping and calibration on expert judgments where there are any
    valid = exp_valid if exp_valid else sim_valid
    check_enough(data_dir, len(train), len(valid))
    X, y, sizes, w = stack_groups(train)
    Xv, yv, sizes_v, _ = stack_groups(valid)

    def on_iteration(env: Any) -> None:
        say("training", env.iteration + 1, env.end_iteration)

    ranker = LambdaRanker(seed=seed, n_estimators=n_estimators).fit(
        X, y, group=sizes, sample_weight=w, eval_set=(Xv, yv), eval_group=sizes_v,
        callbacks=[on_iteration])
    say("evaluating", 0, 1)
    counts = {
        "simulated_groups": len(data["simulated"]),
        "expert_groups": len(data["expert"]),
        "feedback_groups": len(data["feedback"]),
        "train_groups": len(train), "valid_groups": len(valid),
        "simulated_test_groups": len(sim_test), "train_pairs": int(len(y)),
    }
    return finish_model(
        out, ranker.booster_, ranker.best_iteration_, ranker.get_params(), Xv, yv, sim_test,
        counts, data_dir=Path(data_dir), catalog=catalog, arrays=arrays, problems=problems,
        seed=seed, name=name, force=force, started=started, previous=previous)


def previous_metadata(out: Path, force: bool) -> dict[str, Any] | None:
    """Refuse an existing ``out`` without ``force`` (before the training, not only when
    writing); the metadata of the model it replaces, if any."""
    refuse_existing(out, force)
    if out.exists():
        try:
            return read_metadata(out)
        except CinweError:
            return None
    return None


def check_enough(data_dir: Path, n_train: int, n_valid: int) -> None:
    """TrainingDataError when there are too few groups to train and stop early on."""
    if n_train < 2 or not n_valid:
        raise TrainingDataError(
            f"{data_dir}: not enough training groups ({n_train} for training, {n_valid} "
            "for validation); add expert judgments or run `python training/simulate.py`")


def finish_model(out: Path, booster: Any, best: int, params: dict[str, Any], Xv: np.ndarray,
                 yv: np.ndarray, sim_test: list, counts: dict[str, int], *, data_dir: Path,
                 catalog: Catalog, arrays: CatalogArrays, problems: Problems, seed: int,
                 name: str | None, force: bool, started: float,
                 previous: dict[str, Any] | None, engine: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
    """Calibrate and measure a trained booster, then write the verified model folder (model,
    metadata with digests, model card); returns the metadata. Shared by the local and the Dask
    engines: ``counts`` are the ``data`` figures without the test sets, ``engine`` is recorded
    when it is not the local one."""
    import lightgbm
    import sklearn

    cal = calibration(booster.predict(Xv, num_iteration=best), yv)
    scorer = CalibratedScorer(lambda m: booster.predict(m, num_iteration=best), cal)
    test_dir = Path(data_dir) / TEST_FOLDER
    expert_test = load_expert(test_dir, catalog, arrays, problems) if test_dir.is_dir() else []
    metrics = compare(scorer, sim_test, expert_test, test_dir, catalog, arrays)

    trained_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    model_name = name or out.name
    metadata: dict[str, Any] = {
        "schema": MODEL_SCHEMA,
        "name": model_name,
        "version": __version__,
        "trained_at": trained_at,
        "feature_schema_version": FEATURE_SCHEMA_VERSION,
        "feature_names": list(FEATURE_NAMES),
        "catalog_fingerprint": catalog.fingerprint,
        "catalog_tools": len(catalog),
        "training_data_fingerprint": data_fingerprint(Path(data_dir)),
        "data": {
            "simulated_groups": counts["simulated_groups"],
            "expert_groups": counts["expert_groups"],
            "feedback_groups": counts["feedback_groups"],
            "expert_test_groups": len(expert_test),
            "train_groups": counts["train_groups"], "valid_groups": counts["valid_groups"],
            "simulated_test_groups": counts["simulated_test_groups"],
            "train_pairs": counts["train_pairs"],
            "unusable_records": len(problems.items),
        },
        "metrics": metrics,
        "params": {**params, "objective": "lambdarank"},
        "best_iteration": best,
        "seed": seed,
        "training_seconds": round(time.perf_counter() - started, 1),
        "calibration": cal,
        "library_versions": {
            "cinwe_reco": __version__, "lightgbm": lightgbm.__version__,
            "numpy": np.__version__, "scikit_learn": sklearn.__version__,
            "python": platform.python_version(),
        },
    }
    if engine:
        metadata["engine"] = engine
    with atomic_folder(out, force=force, inputs=[data_dir]) as tmp:
        # the text model is stable: same data and seed give the same file
        booster.save_model(str(tmp / MODEL_FILE), num_iteration=best)
        metadata["model_sha256"] = sha256_file(tmp / MODEL_FILE)
        metadata["metadata_sha256"] = metadata_digest(metadata)
        (tmp / METADATA_FILE).write_text(json.dumps(metadata, indent=2, ensure_ascii=False)
                                         + "\n", encoding="utf-8")
        (tmp / CARD_FILE).write_text(model_card(metadata), encoding="utf-8")
    metadata["previous_metrics"] = previous.get("metrics") if previous else None
    metadata["problems"] = problems.items
    return metadata


def metric_changes(metadata: dict[str, Any]) -> list[str]:
    """Lines 'per-need ndcg@5: 0.71 -> 0.74 (+0.03)' against the replaced model."""
    before = metadata.get("previous_metrics")
    if not before:
        return []
    lines = []
    pairs = [("per-need", metadata["metrics"].get("per_need", {}).get("model", {}),
              before.get("per_need", {}).get("model", {}))]
    pairs += [(s, metadata["metrics"][s]["model"], before.get(s, {}).get("model", {}))
              for s in ("simulated", "expert") if s in metadata["metrics"]]
    for name, now, then in pairs:
        for m, new in now.items():
            old = then.get(m)
            if isinstance(new, float) and isinstance(old, float):
                lines.append(f"{name} {m}: {old:.4f} -> {new:.4f} ({new - old:+.4f})")
    return lines


def model_card(meta: dict[str, Any]) -> str:
    """MODEL_CARD.md: data, features, metrics and limits."""
    d = meta["data"]
    feature_lines = "\n".join(f"| `{f.name}` | {f.meaning} | {f.range} |" for f in FEATURES)
    return f"""# Model card: {meta['name']}

- version {meta['version']}, trained {meta['trained_at']}, seed {meta['seed']}
- LightGBM LambdaRank ({meta['params']['n_estimators']} rounds at most, early stopping on
  NDCG@10 of validation groups: best iteration {meta['best_iteration']}); one query group per
  (client profile, need): the unit of the per-need shortlists
- catalog fingerprint `{meta['catalog_fingerprint'][:16]}` ({meta['catalog_tools']} tools), training
  data fingerprint `{meta['training_data_fingerprint'][:16]}`{engine_line(meta)}

## Data

- {d['expert_groups']:,} **expert** (profile, need) groups judged by hand from the products'
  facts (training/data/expert/train): the main labels, weight 3; a fifth of their profiles is
  kept for early stopping and the fit calibration.
- {d['simulated_groups']:,} **simulated** groups (training/simulate.py, SIMULATED: a seeded
  population of French SMEs graded by a documented utility built on the catalog's v2 facts),
  weight 0.1 (chosen on the expert validation groups); {d['simulated_test_groups']:,} held out.
- {d['feedback_groups']:,} groups of **recorded outcomes** (cinwe-reco feedback add), weight 5.
- {d['train_groups']:,} groups and {d['train_pairs']:,} (need, tool) pairs trained on;
  {d['unusable_records']} records could not be used (listed by `cinwe-reco train`).
- {d['expert_test_groups']:,} groups of the **frozen expert test set** (training/data/expert/test):
  never trained on, written before the model work by judges who did not see its output.

## Metrics

Per-need shortlists (SPEC section 8): NDCG of `by_need` against the frozen expert test set,
unjudged tools counting 0; `unjudged@5` and `basic@5` are the shares of unjudged and of
side-module (`basic`) tools in the top 5. The v1 figures below rank each group's judged tools
only. Relevance: grades 0..3; MAP and recall count grades 2 and 3 as relevant.

```
{metrics_table(meta['metrics'])}
```

Baselines: `rules` is a transparent hand-weighted sum of the tool's strength for the need, its
market presence, its price against the budget and the client-fit features (it is also what
`suggest` falls back to when no model loads); `presence` ranks by market presence alone.

## Features

| name | meaning | range |
|---|---|---|
{feature_lines}

## Limits

- The expert labels are one team's judgment from the catalog's facts; the catalog facts
  (prices, strengths, hosting, languages) were reviewed on the date each entry states and
  change over time; a tool's score is only as good as its facts.
- Scores compare tools within one (profile, need); they are not comparable across profiles.
  The `fit` figure is the expected grade calibrated on validation groups, scaled to 0..100.
"""


def engine_line(meta: dict[str, Any]) -> str:
    """The model card's line on a distributed training (empty for the local engine)."""
    engine = meta.get("engine")
    if not engine:
        return ""
    return (f"\n- trained on a Dask cluster with `lightgbm.dask.DaskLGBMRanker` "
            f"({engine.get('workers')} workers, {engine.get('partitions')} partitions; "
            "early stopping replayed on the validation groups)")
