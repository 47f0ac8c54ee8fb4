"""The Dask engine (SPEC section 10): batch scoring and training on a Dask cluster.

``cinwe-reco suggest PROFILES --engine dask --out DIR`` and ``cinwe-reco train --engine dask``
run here. Profiles are read as partitions on the workers and scored with the same code as the
local batch (``Recommender.suggest_batch``); training groups are built on the workers, one
partition of whole (profile, need) groups each, and trained with
``lightgbm.dask.DaskLGBMRanker``; the model folder is the local engine's (``train.finish_model``).

Dask is an optional extra (``pip install "cinwe-reco[dask]"``): nothing here imports it at
module level, and ``import cinwe_reco`` never imports this package.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import CinweError

INSTALL_HINT = 'pip install "cinwe-reco[dask]"'


class DaskMissingError(CinweError):
    """The optional Dask extra is not installed (exit 2, one line saying how to install it)."""


def require_dask(parquet: bool = False) -> None:
    """DaskMissingError unless dask, distributed (and pyarrow for Parquet) import."""
    needed = ["dask", "distributed", "dask.array"] + (["pyarrow"] if parquet else [])
    import importlib

    for name in needed:
        try:
            importlib.import_module(name)
        except ImportError:
            raise DaskMissingError(
                f"--engine dask needs the optional Dask extra ({name} is not installed): "
                f"{INSTALL_HINT}") from None


@dataclass(frozen=True)
class EngineSpec:
    """What a worker loads, by path, once per worker process: the catalog layers and the model.

    Paths are made absolute on the driver; on a real cluster they must name the same files on
    every worker (a shared file system, or the same copy deployed on each machine).
    """

    catalogs: tuple[str, ...] = ()
    include_default: bool = True
    model: str | None = None

    @classmethod
    def of(cls, catalogs: list[Path | str] | tuple = (), include_default: bool = True,
           model: Path | str | None = None) -> EngineSpec:
        """A spec with absolute paths."""
        return cls(tuple(str(Path(c).resolve()) for c in catalogs), include_default,
                   None if model is None else str(Path(model).resolve()))


@dataclass(frozen=True)
class ClusterOptions:
    """Where to run: a scheduler's address, or a LocalCluster of ``workers`` x ``threads``."""

    scheduler: str | None = None
    workers: int = 2
    threads: int = 1
    processes: bool = True


__all__ = ["INSTALL_HINT", "ClusterOptions", "DaskMissingError", "EngineSpec", "require_dask"]
