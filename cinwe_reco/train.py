"""Training: LambdaRank on the training folder, written as a verified model folder.

One query group per profile; simulated profiles are split by group (80% train, 10% validation
for early stopping on NDCG@10, 10% held out); recorded outcomes (feedback) are trained on with a
higher weight; the hand-written expert set is never trained on. Same data and seed give the same
model and metrics.
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

from . import __version__
from .catalog import Catalog
from .errors import CinweError
from .evaluate import compare, metrics_table
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
from .training_data import data_fingerprint, load_training_data, split_simulated, stack_groups

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
    import lightgbm
    import sklearn

    out = Path(out)
    refuse_existing(out, force)  # before the training, not only when writing
    previous = None
    if out.exists():
        try:
            previous = read_metadata(out)
        except CinweError:
            previous = None
    say = progress or (lambda stage, i, n: None)
    started = time.perf_counter()
    say("loading training data", 0, 1)
    data = load_training_data(data_dir, catalog)
    train, valid, test = split_simulated(data["simulated"], seed)
    train = train + data["feedback"]
    if len(train) < 2 or not valid:
        raise CinweError(f"{data_dir}: not enough training profiles ({len(train)} for training, "
                         f"{len(valid)} for validation); run `python training/simulate.py`")
    X, y, sizes, w = stack_groups(train)
    Xv, yv, sizes_v, _ = stack_groups(valid)

    def on_iteration(env: Any) -> None:
        say("training", env.iteration + 1, env.end_iteration)

    ranker = LambdaRanker(seed=seed, n_estimators=n_estimators).fit(
        X, y, group=sizes, sample_weight=w, eval_set=(Xv, yv), eval_group=sizes_v,
        callbacks=[on_iteration])
    say("evaluating", 0, 1)
    booster = ranker.booster_
    best = ranker.best_iteration_
    metrics = compare(lambda m: booster.predict(m, num_iteration=best), test, data["expert"])
    cal = calibration(booster.predict(Xv, num_iteration=best), yv)

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
            "simulated_profiles": len(data["simulated"]),
            "expert_profiles": len(data["expert"]),
            "feedback_profiles": len(data["feedback"]),
            "train_groups": len(train), "valid_groups": len(valid), "test_groups": len(test),
            "train_pairs": int(len(y)),
        },
        "metrics": metrics,
        "params": {**ranker.get_params(), "objective": "lambdarank"},
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
    with atomic_folder(out, force=force) as tmp:
        # the text model is stable: same data and seed give the same file
        booster.save_model(str(tmp / MODEL_FILE), num_iteration=best)
        metadata["model_sha256"] = sha256_file(tmp / MODEL_FILE)
        metadata["metadata_sha256"] = metadata_digest(metadata)
        (tmp / METADATA_FILE).write_text(json.dumps(metadata, indent=2, ensure_ascii=False)
                                         + "\n", encoding="utf-8")
        (tmp / CARD_FILE).write_text(model_card(metadata), encoding="utf-8")
    metadata["previous_metrics"] = previous.get("metrics") if previous else None
    return metadata


def metric_changes(metadata: dict[str, Any]) -> list[str]:
    """Lines 'expert ndcg@10: 0.71 -> 0.74 (+0.03)' against the replaced model."""
    before = metadata.get("previous_metrics")
    if not before:
        return []
    lines = []
    for s in ("simulated", "expert"):
        for m, new in metadata["metrics"][s]["model"].items():
            old = before.get(s, {}).get("model", {}).get(m)
            if old is not None:
                lines.append(f"{s} {m}: {old:.4f} -> {new:.4f} ({new - old:+.4f})")
    return lines


def model_card(meta: dict[str, Any]) -> str:
    """MODEL_CARD.md: data, features, metrics and limits."""
    d = meta["data"]
    feature_lines = "\n".join(f"| `{f.name}` | {f.meaning} | {f.range} |" for f in FEATURES)
    return f"""# Model card: {meta['name']}

- version {meta['version']}, trained {meta['trained_at']}, seed {meta['seed']}
- LightGBM LambdaRank ({meta['params']['n_estimators']} rounds at most, early stopping on
  NDCG@10 of validation groups: best iteration {meta['best_iteration']})
- catalog fingerprint `{meta['catalog_fingerprint'][:16]}` ({meta['catalog_tools']} tools), training
  data fingerprint `{meta['training_data_fingerprint'][:16]}`

## Data

- {d['simulated_profiles']:,} **simulated** profiles (training/simulate.py: a seeded population of
  French SMEs graded by a documented expert utility with per-tool latent quality and noise):
  {d['train_groups']:,} query groups for training, {d['valid_groups']:,} for early stopping,
  {d['test_groups']:,} held out; {d['train_pairs']:,} (profile, tool) pairs trained on.
- {d['feedback_profiles']:,} profiles with **recorded outcomes** (cinwe-reco feedback add),
  weight 5.
- {d['expert_profiles']:,} **expert** profiles judged by hand from the products' facts: never
  trained on, a check outside the simulator.

## Metrics

Relevance: grades 0..3; MAP and recall count grades 2 and 3 as relevant.

```
{metrics_table(meta['metrics'])}
```

Baselines: `popularity` ranks the broadest, most connected tools first; `rules` is a transparent
hand-weighted sum of coverage, budget, size, language, hosting, integrations and fit features (it
is also what `suggest` falls back to when no model loads).

## Features

| name | meaning | range |
|---|---|---|
{feature_lines}

## Limits

- Most training judgments are simulated: the model learns the simulator's idea of a good fit.
  The expert set checks that this idea is sensible, but it is small
  ({d['expert_profiles']} profiles).
- Catalog facts (prices, hosting, languages) were reviewed by hand on the date each entry states
  and change over time; a tool's score is only as good as its facts.
- Scores compare tools within one profile; they are not comparable across profiles. The `fit`
  figure is the expected grade calibrated on validation groups, scaled to 0..100.
"""
