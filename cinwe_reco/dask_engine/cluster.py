"""A Dask client: on a running scheduler (``--scheduler ADDRESS``) or on a LocalCluster."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from . import ClusterOptions

Say = Callable[[str], None]


@contextmanager
def dask_client(options: ClusterOptions, say: Say | None = None) -> Iterator[Any]:
    """A ``distributed.Client``; a LocalCluster it started is closed on exit.

    ``say`` receives one line naming the scheduler, the workers and the dashboard link.
    """
    from distributed import Client, LocalCluster

    cluster = None
    if options.scheduler:
        client = Client(options.scheduler)
    else:
        cluster = LocalCluster(n_workers=options.workers, threads_per_worker=options.threads,
                               processes=options.processes, dashboard_address=":0",
                               silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        if say is not None:
            workers = workers_info(client)
            threads = sum(w.get("nthreads", 0) for w in workers.values())
            where = options.scheduler or "a local cluster"
            link = _dashboard(client)
            say(f"dask: {len(workers)} worker(s), {threads} thread(s) on {where}"
                + (f"; dashboard {link}" if link else ""))
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _dashboard(client: Any) -> str | None:
    """The dashboard link, when the scheduler serves one (it needs bokeh)."""
    try:
        info = client.scheduler_info()
        return client.dashboard_link if info.get("services", {}).get("dashboard") else None
    except Exception:  # pragma: no cover - an old scheduler without the field
        return None


def workers_info(client: Any) -> dict[str, dict]:
    """Every worker's info by address (recent releases list five unless asked for all)."""
    try:
        info = client.scheduler_info(n_workers=-1)
    except TypeError:  # pragma: no cover - releases before the n_workers argument
        info = client.scheduler_info()
    return info.get("workers", {})
