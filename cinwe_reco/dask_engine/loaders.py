"""What a worker loads once: the catalog and the Recommender, cached per process by path.

Tasks run these functions on the workers; the first task of a worker process loads, the others
(and the other threads of the process) reuse the same read-only objects.
"""

from __future__ import annotations

import threading
from typing import Any

from . import EngineSpec

_LOCK = threading.RLock()  # a recommender loads its catalog under the lock
_CACHE: dict[tuple[str, EngineSpec], Any] = {}


def _cached(kind: str, spec: EngineSpec, make: Any) -> Any:
    key = (kind, spec)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = make()
        return _CACHE[key]


def worker_catalog(spec: EngineSpec) -> Any:
    """The catalog of the spec's layers."""
    from ..catalog import load_catalogs

    return _cached("catalog", spec, lambda: load_catalogs(
        list(spec.catalogs), include_default=spec.include_default))


def worker_arrays(spec: EngineSpec) -> Any:
    """The catalog's arrays (what training groups are built on)."""
    from ..candidates import CatalogArrays

    return _cached("arrays", spec, lambda: CatalogArrays(worker_catalog(spec)))


def worker_recommender(spec: EngineSpec) -> Any:
    """The Recommender of the spec's catalog and model (the shipped model when none is given;
    the rule-based scorer with a warning when that one cannot be loaded, as locally)."""
    from ..recommender import Recommender

    def make() -> Any:
        rec = Recommender.load(model=spec.model, catalog=worker_catalog(spec))
        if rec.model is not None:
            rec.model.max_threads = _worker_threads()
        return rec

    return _cached("recommender", spec, make)


def _worker_threads() -> int:
    """The threads of this Dask worker (1 outside a worker)."""
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return 1


def clear() -> None:
    """Forget every loaded object (tests)."""
    with _LOCK:
        _CACHE.clear()
