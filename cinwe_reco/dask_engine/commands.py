"""The command-line side of ``--engine dask`` (``cli.py`` delegates here): progress and
reports on standard error, the exit codes of the local commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import CinweError
from . import ClusterOptions, EngineSpec, require_dask


def _spec(session: Any) -> EngineSpec:
    """What a worker needs to load the same catalog and model as this session."""
    return EngineSpec.of(session.catalog_paths, session.include_default, session.model)


def _say(line: str) -> None:
    click.echo(line, err=True)


def suggest_command(session: Any, profiles: tuple[str, ...], *, out: str | None, force: bool,
                    top: int, needs: tuple[str, ...], fmt: str | None, out_format: str,
                    scheduler: str | None, workers: int, rows: int) -> None:
    """``suggest --engine dask``: partitions scored on the cluster, part files in ``out``."""
    require_dask(parquet=out_format == "parquet")
    from .batch import suggest_dask

    if not out:
        raise CinweError("--out: required with --engine dask (a folder for the part files)")
    if fmt not in (None, "json"):
        raise CinweError(f"--format {fmt}: the Dask engine writes JSON lines or Parquet "
                         "(--out-format)")
    session.catalog()  # a broken catalog layer is reported before the cluster starts
    shown: set[str] = set()
    state: dict[str, Any] = {}

    def on_part(report: Any, done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label="scoring partitions",
                                             file=sys.stderr)
            state["bar"].__enter__()
        for w in report.warnings:
            if w not in shown:
                shown.add(w)
                _say(f"\nwarning: {w}")
        for source, why in report.skipped:
            _say(f"\nskipped {source}: {why} (partition {report.index})")
        state["bar"].update(1)

    try:
        report = suggest_dask(list(profiles), Path(out), _spec(session),
                              ClusterOptions(scheduler, workers=workers), top=top,
                              needs=needs, fmt=out_format, force=force, rows=rows,
                              on_part=on_part, say=_say)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    rate = report.scored / report.seconds if report.seconds else 0.0
    _say(f"wrote {out} ({report.scored:,} profile(s) in {len(report.parts)} partition(s), "
         f"{rate:,.0f} profiles/s on {report.threads} thread(s))")
    if report.skipped:
        click.echo(f"error: {report.skipped} profile(s) skipped, {report.scored} scored",
                   err=True)
        raise click.exceptions.Exit(2)


def dask_trainer(session: Any, scheduler: str | None, workers: int = 2) -> Any:
    """A function with ``train.train_model``'s signature that trains on the Dask cluster."""
    require_dask()
    from .training import train_dask

    def run(data_dir: Path, out: Path, catalog: Any, *, seed: int = 0, force: bool = False,
            n_estimators: int = 400, progress: Any = None) -> dict:
        seen: set[str] = set()

        def stages(stage: str, i: int, n: int) -> None:
            # one line a stage: the command's own bar counts boosting rounds, which the Dask
            # estimator does not report
            if stage == "training":
                stage = (f"training with lightgbm.dask.DaskLGBMRanker ({n} rounds, early "
                         "stopping replayed afterwards)")
            if stage not in seen and progress is not None:
                seen.add(stage)
                progress(stage, i, n)

        return train_dask(data_dir, out, _spec(session),
                          ClusterOptions(scheduler, workers=workers), seed=seed, force=force,
                          n_estimators=n_estimators, progress=stages, say_line=_say,
                          catalog=catalog)

    return run
