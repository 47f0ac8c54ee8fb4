"""The Dask engine (SPEC section 10) on real dask.distributed LocalClusters: partitions, batch
scoring equal to the local batch, training groups never split, training metrics within 0.005
of the local engine, and the optional extra."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from .conftest import EXAMPLES, GOOD, ROOT

distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from cinwe_reco.cli import cli  # noqa: E402
from cinwe_reco.dask_engine import ClusterOptions, EngineSpec  # noqa: E402
from cinwe_reco.dask_engine.batch import read_results, suggest_dask  # noqa: E402
from cinwe_reco.dask_engine.partitions import plan_partitions, read_part  # noqa: E402
from cinwe_reco.profile import iter_profile_sources  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes of one thread each (LightGBM's network needs processes)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The shipped examples, a JSONL copy of them with a broken line, and a broken file."""
    root = tmp_path_factory.mktemp("batch")
    folder = root / "profiles"
    folder.mkdir()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "zz-broken.yaml").write_text("client: Broken\nneeds: []\n", encoding="utf-8")
    import yaml

    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.yaml"))]
    lines = [json.dumps(d, ensure_ascii=False) for d in docs]
    lines.insert(3, "{not json")
    (root / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _local_lines(args, tiny_model):
    result = CliRunner().invoke(cli, ["--model", str(tiny_model), "suggest", *args,
                                      "--format", "json"])
    return result, [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


# --------------------------------------------------------------------------- the extra


def test_import_cinwe_reco_does_not_import_dask():
    code = ("import sys, cinwe_reco, cinwe_reco.cli, cinwe_reco.recommender, cinwe_reco.train; "
            "bad = [m for m in ('dask', 'distributed', 'pyarrow') if m in sys.modules]; "
            "sys.exit(f'imported {bad}' if bad else 0)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("command", [["suggest", "x.yaml", "--out", "o"], ["train"]])
def test_engine_dask_without_the_extra_says_how_to_install(monkeypatch, tmp_path, command):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*command, "--engine", "dask"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'pip install "cinwe-reco[dask]"' in lines[0]


# --------------------------------------------------------------------------- partitions


def test_partitions_cover_every_profile_with_the_local_labels(batch):
    paths = [batch / "profiles", batch / "batch.jsonl"]
    local = [(label, doc if not isinstance(doc, Exception) else type(doc))
             for label, doc in iter_profile_sources(paths)]
    for rows in (1, 4, 7, 1000):
        parts = plan_partitions(paths, rows)
        got = [(label, doc if not isinstance(doc, Exception) else type(doc))
               for part in parts for label, doc in read_part(part)]
        assert got == local
        assert all(len(list(read_part(p))) <= rows for p in parts)


def test_parquet_partitions_are_runs_of_row_groups(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    docs = [json.dumps({**GOOD, "client": f"Client {i}"}) for i in range(10)]
    pq.write_table(pa.table({"profile": docs}), tmp_path / "p.parquet", row_group_size=3)
    parts = plan_partitions([tmp_path / "p.parquet"], rows=5)
    assert [(p.start, p.stop, p.first) for p in parts] == [(0, 2, 1), (2, 4, 7)]
    items = [x for p in parts for x in read_part(p)]
    assert [label.rsplit(":", 1)[1] for label, _ in items] == [str(i) for i in range(1, 11)]
    assert items[9][1]["client"] == "Client 9"


# --------------------------------------------------------------------------- batch


def test_dask_batch_equals_the_local_batch(batch, tiny_model, tmp_path):
    """Identical by_need and stacks (indeed identical output) for the shipped examples, on an
    in-process LocalCluster; a broken profile is reported with the local message."""
    out = tmp_path / "out"
    report = suggest_dask([batch / "profiles"], out, EngineSpec.of(model=tiny_model),
                          ClusterOptions(workers=2, processes=False), rows=4)
    assert len(report.parts) == 4 and report.scored == 15 and report.skipped == 1
    parts = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert parts == [f"part-0000{k}.jsonl" for k in range(4)]
    result, local = _local_lines([str(batch / "profiles")], tiny_model)
    assert result.exit_code == 2
    dask_rows = read_results(out)
    assert [r["by_need"] for r in dask_rows] == [r["by_need"] for r in local]
    assert [r["stack"] for r in dask_rows] == [r["stack"] for r in local]
    assert dask_rows == local
    (source, why), = report.parts[-1].skipped
    assert source.endswith("zz-broken.yaml") and f"skipped {source}: {why}" in result.stderr


def test_cli_dask_batch_on_worker_processes(batch, tiny_model, tmp_path, cluster):
    """``suggest --engine dask --scheduler``: JSONL in, partitioned JSONL out, the broken line
    reported and exit 2 at the end, the rest written."""
    out = tmp_path / "out"
    jsonl = batch / "batch.jsonl"
    result = CliRunner().invoke(cli, ["--model", str(tiny_model), "suggest", str(jsonl),
                                      "--engine", "dask", "--scheduler",
                                      cluster.scheduler_address, "--out", str(out),
                                      "--partition-rows", "5"])
    assert result.exit_code == 2, result.output
    assert f"skipped {jsonl}:4:" in result.stderr and "1 profile(s) skipped, 15" in result.stderr
    assert "dask: 2 worker(s)" in result.stderr
    _, local = _local_lines([str(jsonl)], tiny_model)
    assert read_results(out) == local
    assert len(list(out.glob("part-*.jsonl"))) == 4


def test_parquet_in_and_out(batch, tiny_model, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = (batch / "batch.jsonl").read_text(encoding="utf-8").splitlines()
    pq.write_table(pa.table({"profile": lines}), tmp_path / "clients.parquet", row_group_size=4)
    out = tmp_path / "out"
    report = suggest_dask([tmp_path / "clients.parquet"], out, EngineSpec.of(model=tiny_model),
                          ClusterOptions(workers=2, processes=False), fmt="parquet", rows=8)
    assert report.scored == 15 and report.skipped == 1
    _, local = _local_lines([str(batch / "batch.jsonl")], tiny_model)
    assert read_results(out) == local
    table = pq.read_table(sorted(out.glob("*.parquet"))[0])
    assert table.column_names == ["source", "client", "suggestions"]


def test_dask_batch_refuses_an_existing_folder(tmp_path, tiny_model):
    (tmp_path / "out").mkdir()
    result = CliRunner().invoke(cli, ["--model", str(tiny_model), "suggest", str(EXAMPLES),
                                      "--engine", "dask", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "already exists" in result.stderr


# --------------------------------------------------------------------------- training


def test_training_partitions_never_split_a_query_group(cluster, tiny_data):
    from cinwe_reco.dask_engine.training import build_training_parts, check_whole_groups

    with distributed.Client(cluster) as client:
        parts = build_training_parts(client, EngineSpec.of(), tiny_data, seed=3, rows=50)
        rows = parts.X.chunks[0]
        sizes = client.compute([c.sum() for c in parts.group.to_delayed().ravel()], sync=True)
        assert parts.partitions == len(rows) == len(sizes) > 4
        assert list(rows) == [int(s) for s in sizes]  # each partition: whole groups
        ids = [gid for s in parts.summaries for gid in s["group_ids"]]
        assert len(ids) == len(set(ids))  # no group id in two partitions
        assert parts.y.shape[0] == parts.w.shape[0] == sum(rows)
    # the check that train_dask runs before fitting fails on a split group
    whole = [{"rows": 5, "group_sizes": np.array([2, 3]), "group_ids": ["a/x", "b/x"]},
             {"rows": 4, "group_sizes": np.array([4]), "group_ids": ["c/x"]}]
    check_whole_groups(whole)
    split = [{"rows": 5, "group_sizes": np.array([2, 3]), "group_ids": ["a/x", "b/x"]},
             {"rows": 2, "group_sizes": np.array([2]), "group_ids": ["b/x"]}]
    with pytest.raises(Exception, match="split across partitions"):
        check_whole_groups(split)
    cut = [{"rows": 6, "group_sizes": np.array([2, 3]), "group_ids": ["a/x", "b/x"]}]
    with pytest.raises(Exception, match="add up to 5, not its 6 rows"):
        check_whole_groups(cut)


def test_dask_training_matches_the_local_engine(cluster, tiny_data, tiny_model, tmp_path):
    """Same tiny data and seed as the tiny_model fixture (local engine): the same data counts
    and per-need metrics within 0.005 (SPEC section 10), written as the same verified model
    folder. Both engines bin the features identically (feature_bins) and every worker holds
    simulated rows, so they split on the same thresholds."""
    from cinwe_reco.dask_engine.training import train_dask
    from cinwe_reco.ranker import CARD_FILE, RankingModel, read_metadata

    out = tmp_path / "dask-model"
    meta = train_dask(tiny_data, out, EngineSpec.of(),
                      ClusterOptions(scheduler=cluster.scheduler_address), seed=3,
                      n_estimators=40)
    local = read_metadata(tiny_model)
    assert {k: v for k, v in meta["data"].items()} == local["data"]
    assert meta["params"] == local["params"]
    assert meta["engine"]["estimator"] == "lightgbm.dask.DaskLGBMRanker"
    assert meta["engine"]["workers"] == 2
    for name, value in local["metrics"]["per_need"]["model"].items():
        assert abs(meta["metrics"]["per_need"]["model"][name] - value) <= 0.005, name
    model = RankingModel.load(out)  # digests verified
    assert model.metadata["engine"]["partitions"] == meta["engine"]["partitions"]
    assert "DaskLGBMRanker" in (out / CARD_FILE).read_text(encoding="utf-8")


def _worker_model_threads(model: str) -> int:
    from cinwe_reco.dask_engine.loaders import worker_recommender

    return worker_recommender(EngineSpec.of(model=model)).model.max_threads


def test_a_worker_predicts_with_its_own_threads(cluster, tiny_model):
    """On a one-thread worker the model's LightGBM calls use one thread: OpenMP threads of
    several worker processes on one machine would otherwise spin against each other."""
    with distributed.Client(cluster.scheduler_address) as client:
        threads = client.gather([client.submit(_worker_model_threads, str(tiny_model),
                                               workers=[w], pure=False)
                                 for w in client.scheduler_info()["workers"]])
    assert threads == [1, 1]
