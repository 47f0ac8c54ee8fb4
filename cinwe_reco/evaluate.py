"""Evaluation: the model and both baselines on held-out simulated groups and the expert set."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .baselines import PopularityBaseline, RuleBasedScorer
from .catalog import Catalog
from .metrics import evaluate_groups
from .training_data import QueryGroup, load_training_data, split_simulated


def score_groups(predict: Callable[[np.ndarray], np.ndarray], groups: list[QueryGroup]
                 ) -> dict[str, float]:
    """Metrics of one scorer over query groups."""
    return evaluate_groups((g.grades, predict(g.X)) for g in groups)


def compare(predict: Callable[[np.ndarray], np.ndarray], simulated_test: list[QueryGroup],
            expert: list[QueryGroup]) -> dict[str, Any]:
    """``{"simulated": {"model": ..., "baselines": {...}}, "expert": {...}}``."""
    baselines = {"popularity": PopularityBaseline().fit(), "rules": RuleBasedScorer().fit()}
    out: dict[str, Any] = {}
    for name, groups in (("simulated", simulated_test), ("expert", expert)):
        out[name] = {
            "groups": len(groups),
            "model": score_groups(predict, groups),
            "baselines": {b: score_groups(scorer.predict, groups)
                          for b, scorer in baselines.items()},
        }
    return out


def evaluate_model(model_dir: Path, data_dir: Path, catalog: Catalog) -> dict[str, Any]:
    """Evaluate a saved model on the held-out simulated groups of its seed and the expert set."""
    from .ranker import RankingModel

    model = RankingModel.load(model_dir)
    seed = int(model.metadata.get("seed", 0))
    data = load_training_data(data_dir, catalog)
    _, _, test = split_simulated(data["simulated"], seed)
    result = compare(model.predict, test, data["expert"])
    result["model_name"] = model.name
    result["model_version"] = model.version
    return result


def metrics_table(result: dict[str, Any]) -> str:
    """A plain-text table of the comparison."""
    from .metrics import METRICS

    lines = [f"{'set':<10} {'scorer':<12} " + " ".join(f"{m:>9}" for m in METRICS)]
    for s in ("simulated", "expert"):
        rows = [("model", result[s]["model"])] + list(result[s]["baselines"].items())
        for name, values in rows:
            lines.append(f"{s:<10} {name:<12} " + " ".join(f"{values[m]:>9.4f}" for m in METRICS))
    return "\n".join(lines)
