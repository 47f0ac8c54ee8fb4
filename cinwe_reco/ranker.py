"""The ranking model: a LightGBM LambdaRank booster in a model folder.

A model folder holds ``model.txt`` (LightGBM's own text format), ``metadata.json`` and
``MODEL_CARD.md``. Loading never unpickles anything: a folder someone sent you cannot run code.
The metadata records a SHA-256 of ``model.txt``, checked on load, and the feature names in
order; a model built for another feature schema is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputFileError, ModelError
from .feature_bins import bin_params, feature_bounds
from .features import FEATURE_NAMES, FEATURE_SCHEMA_VERSION, MONOTONE_CONSTRAINTS
from .files import read_bytes, read_text

MODEL_SCHEMA = "cinwe-reco/model@1"
MODEL_FILE = "model.txt"
METADATA_FILE = "metadata.json"
CARD_FILE = "MODEL_CARD.md"
MAX_MODEL_BYTES = 200 * 1024 * 1024
MAX_METADATA_BYTES = 5 * 1024 * 1024


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def metadata_digest(meta: dict[str, Any]) -> str:
    """SHA-256 of the metadata's canonical JSON, without its own digest field."""
    body = {k: v for k, v in meta.items() if k != "metadata_sha256"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def read_metadata(folder: Path) -> dict[str, Any]:
    """The checked metadata of a model folder (without loading the booster)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"{folder}: no such model folder")
    meta_path = folder / METADATA_FILE
    if not os.path.lexists(meta_path):
        raise ModelError(f"{folder}: not a model folder (no {METADATA_FILE})")
    try:
        meta = json.loads(read_text(meta_path, MAX_METADATA_BYTES))
    except InputFileError as exc:
        raise ModelError(str(exc)) from None
    except (ValueError, RecursionError) as exc:
        raise ModelError(f"{meta_path}: unreadable metadata ({exc})") from None
    if not isinstance(meta, dict) or meta.get("schema") != MODEL_SCHEMA:
        raise ModelError(f"{meta_path}: not cinwe-reco model metadata "
                         f"(expected schema '{MODEL_SCHEMA}')")
    if meta.get("metadata_sha256") != metadata_digest(meta):
        raise ModelError(f"{meta_path}: the metadata was edited after training (its SHA-256 "
                         "does not match); retrain the model or restore the original file")
    names = meta.get("feature_names")
    if meta.get("feature_schema_version") != FEATURE_SCHEMA_VERSION or names != list(
            FEATURE_NAMES):
        raise ModelError(
            f"{folder}: the model was trained for feature schema "
            f"{meta.get('feature_schema_version')!r} with {len(names or [])} features; this "
            f"version of cinwe-reco computes schema {FEATURE_SCHEMA_VERSION} with "
            f"{len(FEATURE_NAMES)} features. Retrain it with `cinwe-reco train`.")
    return meta


def model_version(folder: Path) -> str:
    """The version recorded in a model folder's metadata, or "none" when it has no usable
    model (an outcome recorded without a model is still an outcome)."""
    try:
        return str(read_metadata(folder).get("version", ""))
    except ModelError:
        return "none"


class RankingModel:
    """A loaded, verified model: scores, per-feature contributions and the 0..100 fit figure."""

    def __init__(self, booster: Any, metadata: dict[str, Any], path: Path | None = None) -> None:
        self.booster = booster
        self.metadata = metadata
        self.path = path
        # LightGBM's threads for one call; a Dask worker lowers it to its own thread count, as
        # OpenMP threads spinning in several worker processes of one machine starve each other
        self.max_threads = min(2, os.cpu_count() or 1)
        cal = metadata.get("calibration") or {}
        self._cal_raw = np.asarray(cal.get("raw", [-1.0, 1.0]), dtype=float)
        self._cal_fit = np.asarray(cal.get("fit", [0.0, 100.0]), dtype=float)

    @property
    def name(self) -> str:
        """The model's name (its folder name when it was trained)."""
        return str(self.metadata.get("name", "model"))

    @property
    def version(self) -> str:
        """The cinwe-reco version that trained it."""
        return str(self.metadata.get("version", ""))

    @property
    def trained_at(self) -> str:
        """UTC time of training, ISO 8601."""
        return str(self.metadata.get("trained_at", ""))

    @classmethod
    def load(cls, folder: Path | str) -> RankingModel:
        """Load and verify a model folder; ModelError says what is wrong."""
        folder = Path(folder)
        meta = read_metadata(folder)
        model_path = folder / MODEL_FILE
        if not os.path.lexists(model_path):
            raise ModelError(f"{folder}: model file {MODEL_FILE} is missing")
        try:
            raw = read_bytes(model_path, MAX_MODEL_BYTES)
        except InputFileError as exc:
            raise ModelError(str(exc)) from None
        expected = meta.get("model_sha256")
        if hashlib.sha256(raw).hexdigest() != expected:
            raise ModelError(f"{model_path}: SHA-256 does not match metadata.json: the model "
                             "file was truncated or edited, or the metadata was changed")
        from .booster import NativeBoosterError, load_booster

        try:
            # the digest is no signature: load_booster checks every byte before LightGBM sees it
            booster = load_booster(raw.decode("ascii"), len(FEATURE_NAMES), str(model_path))
        except UnicodeDecodeError as exc:
            raise ModelError(f"{model_path}: not a LightGBM text model (byte {exc.start} is "
                             "not ASCII)") from None
        except (NativeBoosterError, ValueError) as exc:
            raise ModelError(f"{model_path}: not a LightGBM text model ({exc})") from None
        except Exception as exc:  # lightgbm.basic.LightGBMError from the fallback path
            if type(exc).__name__ != "LightGBMError":
                raise
            raise ModelError(f"{model_path}: not a LightGBM text model ({exc})") from None
        if booster.num_feature() != len(FEATURE_NAMES):
            raise ModelError(f"{model_path}: the booster has {booster.num_feature()} features, "
                             f"expected {len(FEATURE_NAMES)}")
        return cls(booster, meta, folder)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Raw ranking scores (higher is better; comparable within one profile)."""
        # a large candidate set (a 10,000-tool catalog) is worth a second thread
        return self.booster.predict(X, num_threads=self.max_threads if len(X) >= 1000 else 1)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """(rows x features+1) SHAP contributions; the last column is the expected value."""
        # TreeSHAP costs about 0.6 ms a row; a ten-row explanation is worth two threads
        threads = self.max_threads if len(X) >= 4 else 1
        return self.booster.predict(X, pred_contrib=True, num_threads=threads)

    def fit_percent(self, raw: np.ndarray) -> np.ndarray:
        """The 0..100 fit figure: the expected grade / 3, calibrated on held-out groups."""
        return np.interp(raw, self._cal_raw, self._cal_fit)


class LambdaRanker:
    """LightGBM LambdaRank with an estimator interface (wraps ``LGBMRanker``, does not subclass).

    ``fit(X, y, group=..., eval_set=..., eval_group=...)`` returns self; the fitted booster is
    ``booster_``.
    """

    def __init__(self, *, n_estimators: int = 400, learning_rate: float = 0.1,
                 num_leaves: int = 7, min_child_samples: int = 40, subsample: float = 1.0,
                 colsample_bytree: float = 0.9, reg_lambda: float = 1.0, seed: int = 0,
                 early_stopping_rounds: int = 40, n_jobs: int = 2, monotone: bool = True,
                 monotone_method: str = "basic") -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.seed = seed
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.monotone = monotone
        self.monotone_method = monotone_method

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments (recorded in the model's metadata)."""
        return dict(vars(self)) if not hasattr(self, "booster_") else {
            k: v for k, v in vars(self).items() if not k.endswith("_")}

    def lgbm_params(self) -> dict[str, Any]:
        """The keyword arguments of ``lightgbm.LGBMRanker`` (also given, as they are, to
        ``lightgbm.dask.DaskLGBMRanker`` by the Dask engine)."""
        return dict(
            objective="lambdarank", n_estimators=self.n_estimators,
            learning_rate=self.learning_rate, num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples, subsample=self.subsample,
            subsample_freq=1, colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda, random_state=self.seed, n_jobs=self.n_jobs,
            deterministic=True, force_row_wise=True, verbose=-1,
            # linear gains, as the evaluation's NDCG (sklearn's convention) uses
            label_gain=[0.0, 1.0, 2.0, 3.0],
            monotone_constraints=list(MONOTONE_CONSTRAINTS) if self.monotone else None,
            monotone_constraints_method=self.monotone_method if self.monotone else "basic",
            # the bins come from feature_bins only (with its bounds file, see fit)
            max_bin_by_feature=[len(b) + 1 for b in feature_bounds()],
        )

    def fit(self, X: np.ndarray, y: np.ndarray, *, group: np.ndarray,
            sample_weight: np.ndarray | None = None, eval_set: tuple | None = None,
            eval_group: np.ndarray | None = None, callbacks: list | None = None
            ) -> LambdaRanker:
        """Fit on query groups (``group``: sizes), early stopping on ``eval_set``."""
        import lightgbm

        ranker = lightgbm.LGBMRanker(**{**self.lgbm_params(), **bin_params()})
        cbs = list(callbacks or [])
        kwargs: dict[str, Any] = {}
        if eval_set is not None:
            import inspect

            # LightGBM 4.7 renamed eval_set to eval_X/eval_y; older releases only know eval_set
            if "eval_X" in inspect.signature(ranker.fit).parameters:
                kwargs.update(eval_X=(eval_set[0],), eval_y=(eval_set[1],))
            else:
                kwargs.update(eval_set=[eval_set])
            kwargs.update(eval_group=[eval_group], eval_at=[10], eval_metric="ndcg")
            cbs.append(lightgbm.early_stopping(self.early_stopping_rounds, verbose=False))
        ranker.fit(X, y, group=group, sample_weight=sample_weight,
                   feature_name=list(FEATURE_NAMES), callbacks=cbs, **kwargs)
        self.booster_ = ranker.booster_
        self.best_iteration_ = int(ranker.best_iteration_ or ranker.n_estimators)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Scores at the best iteration."""
        if not hasattr(self, "booster_"):
            raise ModelError("this LambdaRanker is not fitted yet; call fit first")
        return self.booster_.predict(X, num_iteration=self.best_iteration_)
