"""Fixed histogram bins for every feature, the same whatever data or engine trains the model.

LightGBM cuts each feature into bins before training and only ever splits between bins. By
default it finds the bins on a sample of the training rows; on a Dask cluster each feature's bins
come from one worker's rows. Two engines then split on different thresholds, and their models
drift apart by more than the SPEC allows (0.005 on the per-need metrics). The bins below depend
only on what each feature means (its documented range and step), so both engines, and any
partitioning of the data, see the same bins.

Each feature's bounds include LightGBM's two zero bounds (±1e-35 as a float32, which LightGBM
inserts itself otherwise) and its bin count is capped at exactly the bounds given, so LightGBM
adds no bin from the data.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from .features import FEATURE_NAMES

ZERO = float(np.float32(1e-35))


def _integers(lo: int, hi: int) -> list[float]:
    return [k + 0.5 for k in range(lo, hi)]


def _steps(lo: float, hi: float, step: float) -> list[float]:
    """Midpoints of a grid of ``step`` from lo to hi."""
    n = round((hi - lo) / step)
    return [lo + (k + 0.5) * step for k in range(n)]


def _log(lo: float, hi: float, per_decade: int) -> list[float]:
    a, b = round(math.log10(lo) * per_decade), round(math.log10(hi) * per_decade)
    return [10 ** (k / per_decade) for k in range(a, b + 1)]


_BOUNDS: dict[str, list[float]] = {
    "need_strength": _integers(1, 3),
    "need_home": _integers(0, 1),
    "plan_upgrade": _integers(0, 1),
    "other_needs_fit": _steps(0, 1, 0.05),
    "monthly_cost_eur": _log(0.5, 100_000, 10),
    "cost_budget_ratio": _log(0.001, 10_000, 10),
    "free_plan_fits": _integers(0, 1),
    "price_unknown": _integers(0, 1),
    "presence": _integers(1, 5),
    "platform_fit": _integers(-1, 1),
    "size_fit": _steps(-10, 0, 0.25),
    "language_fit": _integers(-1, 1),
    "eu_fit": _integers(-1, 1),
    "oss_fit": _integers(-1, 1),
    "ease_of_use": _integers(1, 5),
    "skill_gap": _integers(0, 4),
    # complexity is 1 + capabilities / 6: steps of a sixth
    "maturity_gap": _steps(0, 4, 1 / 6),
    "stack_integrations": _integers(0, 30),
    "stack_integration_frac": _steps(0, 1, 0.05),
    "main_category_in_stack": _integers(0, 1),
    "sector_fit": _integers(-1, 1),
    "goal_fit": _steps(0, 1, 0.05),
    "per_user": _integers(0, 1),
    "self_hostable": _integers(0, 1),
    "popularity": _steps(0, 1, 0.05),
}


def feature_bounds() -> list[list[float]]:
    """Each feature's bin upper bounds, in feature order, zero bounds included."""
    out = []
    for name in FEATURE_NAMES:
        bounds = {round(b, 9) for b in _BOUNDS[name] if abs(b) > ZERO} | {-ZERO, ZERO}
        out.append(sorted(bounds))
    return out


def bins_file(rank: int = 0, machines: int = 1) -> Path:
    """The bounds file of a machine (see bins_json), in the temporary folder. Its name is its
    content's digest, so concurrent trainings share it safely and the path LightGBM records
    in the model's parameters is the same from run to run (same data, same model file)."""
    text = bins_json(rank, machines)
    digest = hashlib.sha256(text.encode()).hexdigest()[:24]
    path = Path(tempfile.gettempdir()) / f"cinwe-reco-bins-{digest}.json"
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return path
        fd, tmp = tempfile.mkstemp(prefix=".cinwe-reco-bins-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
        return path
    except (OSError, UnicodeDecodeError):
        # a shared temporary folder where another user owns that name: a private copy
        private = Path(tempfile.mkdtemp(prefix="cinwe-reco-bins-")) / path.name
        private.write_text(text, encoding="utf-8")
        return private


def bin_params() -> dict[str, object]:
    """The bounds file parameter of a one-machine training (the bin counts are in
    ``LambdaRanker.lgbm_params``, which the Dask engine shares)."""
    return {"forcedbins_filename": str(bins_file())}


def bins_json(rank: int = 0, machines: int = 1) -> str:
    """The bounds in LightGBM's ``forcedbins_filename`` format, for the machine of this rank.

    On a cluster, LightGBM's machine ``rank`` finds the bins of the features
    ``[start, start + n)`` (``n = ceil(features / machines)``, ``start = rank * n``) and, in
    LightGBM 4 (``DatasetLoader::ConstructFromSampleData``), reads their forced bounds at the
    machine-local index ``i`` rather than at ``start + i``. The file of a machine of rank > 0
    therefore also holds its features' bounds at the local indexes; these (all below
    ``start``) never collide with the features it bins, so the same file stays right for a
    LightGBM that reads the global index."""
    bounds = feature_bounds()
    entries = {i: b for i, b in enumerate(bounds)}
    step = max(1, -(-len(bounds) // machines))
    start = rank * step
    if start:
        for i, b in enumerate(bounds[start:start + step]):
            entries[i] = b
    return json.dumps([{"feature": i, "bin_upper_bound": b} for i, b in sorted(entries.items())])
