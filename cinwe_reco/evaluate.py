"""Evaluation: the model and two baselines, per need, on the frozen expert test set.

The yardstick (SPEC section 8) is the per-need NDCG of what ``suggest`` shows: each test
profile goes through the whole pipeline (candidates, hard constraints, features, scores,
shortlists), and each judged need's ``by_need`` list is compared with the judges' grades, an
unjudged tool counting 0. Alongside: the share of unjudged tools and of ``basic``-strength tools
(side modules) in each list's top 5. The v1 figures (held-out simulated groups; the expert
groups ranked among their judged tools only) are kept for comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .baselines import PresenceBaseline, RuleBasedScorer
from .candidates import CatalogArrays
from .catalog import Catalog
from .metrics import (
    METRICS,
    PER_NEED_METRICS,
    evaluate_groups,
    judged_ndcg_at_k,
    mean_metrics,
    split_groups,
    unjudged_share,
)
from .scoring import Scorer, prepare_many, score_many
from .shortlists import build_shortlists
from .training_data import (
    Problems,
    QueryGroup,
    load_expert,
    load_training_data,
    read_judgments,
    read_profile_folder,
    split_by_profile,
)

TEST_FOLDER = Path("expert") / "test"


class CalibratedScorer:
    """A raw scoring function with its 0..100 calibration (a model being trained)."""

    def __init__(self, predict: Callable[[np.ndarray], np.ndarray], cal: dict[str, list]):
        self.predict = predict
        self._raw, self._fit = np.array(cal["raw"]), np.array(cal["fit"])

    def fit_percent(self, raw: np.ndarray) -> np.ndarray:
        """The calibrated 0..100 fit."""
        return np.interp(raw, self._raw, self._fit)


def baselines() -> dict[str, Scorer]:
    """The two baselines the model must beat."""
    return {"rules": RuleBasedScorer().fit(), "presence": PresenceBaseline().fit()}


def score_groups(predict: Callable[[np.ndarray], np.ndarray], groups: list[QueryGroup]
                 ) -> dict[str, float]:
    """v1 metrics of one scorer over query groups (ranking their judged tools only)."""
    if not groups:
        return evaluate_groups([])
    # one call over all rows: a booster call per small group costs more than its trees
    scores = predict(np.vstack([g.X for g in groups]))
    return evaluate_groups(split_groups(np.concatenate([g.grades for g in groups]), scores,
                                        np.array([len(g.grades) for g in groups])))


def per_need(scorers: dict[str, Scorer], test_dir: Path, catalog: Catalog,
             arrays: CatalogArrays, problems: Problems | None = None) -> dict[str, Any]:
    """Per-need metrics of ``by_need`` on an expert test folder (SPEC section 8), for each
    scorer; the profiles go through candidates, constraints and features once."""
    problems = problems if problems is not None else Problems()
    profiles = read_profile_folder(test_dir, catalog, problems)
    judged = read_judgments(sorted(test_dir.glob("judgments*.csv")))
    ids = [pid for pid in sorted(profiles) if pid in judged]
    preps = prepare_many([profiles[pid] for pid in ids], arrays)
    return {name: _per_need(score_many(preps, scorer), ids, judged, arrays)
            for name, scorer in scorers.items()}


def _per_need(scored: list, ids: list[str], judged: dict, arrays: CatalogArrays
              ) -> dict[str, Any]:
    values: dict[str, list[float]] = {m: [] for m in PER_NEED_METRICS}
    groups = 0
    for pid, s in zip(ids, scored, strict=True):
        lists = build_shortlists(s)
        p = s.prep.profile
        for j, need in enumerate(p.needs):
            grades = judged[pid].get(need.id)
            if not grades:
                continue
            ranked_pos = lists.orders[j]
            ranked = [str(t) for t in arrays.ids[s.prep.cand.rows[ranked_pos[:10]]]]
            col = arrays.need_column[(need.kind, need.id)]
            strength = arrays.need_strength[s.prep.cand.rows[ranked_pos[:5]], col]
            groups += 1
            values["ndcg@5"].append(judged_ndcg_at_k(ranked, grades, 5))
            values["ndcg@10"].append(judged_ndcg_at_k(ranked, grades, 10))
            values["unjudged@5"].append(unjudged_share(ranked, grades, 5))
            values["basic@5"].append(float(np.mean(strength == 1)) if len(strength)
                                     else float("nan"))
    return {"groups": groups, **mean_metrics(values)}


def compare(scorer: Scorer, simulated_test: list[QueryGroup], expert_test: list[QueryGroup],
            test_dir: Path | None, catalog: Catalog, arrays: CatalogArrays) -> dict[str, Any]:
    """``{"simulated": {...}, "expert": {...}, "per_need": {"model": ..., "baselines": ...}}``;
    the first two have the v1 shape ``{"groups", "model", "baselines"}``."""
    bases = baselines()
    out: dict[str, Any] = {}
    for name, groups in (("simulated", simulated_test), ("expert", expert_test)):
        out[name] = {
            "groups": len(groups),
            "model": score_groups(scorer.predict, groups),
            "baselines": {b: score_groups(s.predict, groups) for b, s in bases.items()},
        }
    if test_dir is not None and test_dir.is_dir():
        results = per_need({"model": scorer, **bases}, test_dir, catalog, arrays)
        out["per_need"] = {"model": results.pop("model"), "baselines": results}
    return out


def evaluate_model(model_dir: Path, data_dir: Path, catalog: Catalog) -> dict[str, Any]:
    """Evaluate a saved model on the held-out simulated groups of its seed and the frozen
    expert test set of ``data_dir``."""
    from .ranker import RankingModel

    model = RankingModel.load(model_dir)
    seed = int(model.metadata.get("seed", 0))
    arrays = CatalogArrays(catalog)
    problems = Problems()
    data = load_training_data(data_dir, catalog, arrays, problems)
    _, _, sim_test = split_by_profile(data["simulated"], seed)
    test_dir = Path(data_dir) / TEST_FOLDER
    expert_test = load_expert(test_dir, catalog, arrays, problems) if test_dir.is_dir() else []
    result = compare(model, sim_test, expert_test, test_dir, catalog, arrays)
    result["model_name"] = model.name
    result["model_version"] = model.version
    return result


def metrics_table(result: dict[str, Any]) -> str:
    """A plain-text table of the comparison."""
    lines = []
    if "per_need" in result:
        pn = result["per_need"]
        lines.append(f"per-need shortlists on the frozen expert test set "
                     f"({pn['model']['groups']} (profile, need) groups)")
        lines.append(f"{'scorer':<12} " + " ".join(f"{m:>10}" for m in PER_NEED_METRICS))
        for name, values in [("model", pn["model"]), *pn["baselines"].items()]:
            lines.append(f"{name:<12} " + " ".join(f"{values[m]:>10.4f}"
                                                    for m in PER_NEED_METRICS))
        lines.append("")
    lines.append(f"{'set':<10} {'scorer':<12} " + " ".join(f"{m:>9}" for m in METRICS))
    for s in ("simulated", "expert"):
        if s not in result:
            continue
        rows = [("model", result[s]["model"])] + list(result[s]["baselines"].items())
        for name, values in rows:
            lines.append(f"{s:<10} {name:<12} " + " ".join(f"{values[m]:>9.4f}" for m in METRICS))
    return "\n".join(lines)
