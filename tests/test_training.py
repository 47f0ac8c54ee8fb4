"""Simulator, features, training, model folders and evaluation."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from cinwe_reco.candidates import CatalogArrays, find_candidates
from cinwe_reco.cli import cli
from cinwe_reco.errors import ModelError, OutputExistsError
from cinwe_reco.features import FEATURE_NAMES, FEATURES, build_features
from cinwe_reco.profile import load_profile
from cinwe_reco.ranker import RankingModel, metadata_digest
from cinwe_reco.train import train_model
from cinwe_reco.training_data import load_training_data

from .conftest import EXAMPLES, ROOT, load_simulator


def test_simulator_is_seeded_and_valid(catalog):
    sim = load_simulator()
    a = sim.simulate(30, seed=11, catalog=catalog)
    b = sim.simulate(30, seed=11, catalog=catalog)
    c = sim.simulate(30, seed=12, catalog=catalog)
    assert a == b and a != c
    profiles, judgments = sim.simulate(200, seed=5, catalog=catalog)
    grades = np.bincount([j[2] for j in judgments], minlength=4)
    assert (grades > 0).all()  # every grade occurs
    sizes = [p["profile"]["employees"] for p in profiles]
    assert np.mean(np.array(sizes) < 10) > 0.5  # micro-enterprises dominate


def test_shipped_training_data_is_labelled_and_big_enough():
    sim_dir = ROOT / "training" / "data" / "simulated"
    lines = (sim_dir / "profiles.jsonl").read_text().splitlines()
    assert len(lines) >= 3000
    header = (sim_dir / "judgments.csv").open().readline().strip()
    assert header == "profile_id,tool_id,grade,source,unknown_facts"
    expert = ROOT / "training" / "data" / "expert"
    assert len(list((expert / "profiles").glob("*.yaml"))) >= 40
    rows = (expert / "judgments.csv").read_text().splitlines()
    assert rows[0].startswith("profile_id,tool_id,grade,source")
    assert all(",expert," in r for r in rows[1:] if r.strip())


def test_features_documented_and_in_range(catalog, example_paths):
    assert len({f.name for f in FEATURES}) == len(FEATURES)
    arrays = CatalogArrays(catalog)
    for path in example_paths:
        p = load_profile(path, catalog)
        cand = find_candidates(p, arrays)
        X = build_features(p, arrays, cand)
        assert X.shape == (len(cand), len(FEATURE_NAMES))
        col = {n: X[:, i] for i, n in enumerate(FEATURE_NAMES)}
        for frac in ("must_frac", "should_frac", "nice_frac", "need_coverage", "redundancy"):
            v = col[frac][~np.isnan(col[frac])]
            assert ((v >= 0) & (v <= 1)).all(), frac
        assert (col["size_fit"] <= 0).all()
        assert set(np.unique(col["language_fit"])) <= {-1.0, 0.0, 1.0}
        assert (col["need_coverage"] > 0).all()  # every candidate covers a need
        assert not np.isin(cand.rows, arrays.rows(p.current_stack)).any()


def test_features_same_alone_and_in_a_batch(catalog, recommender, example_paths, tiny_data):
    """The training loader and suggest compute identical features for one profile."""
    arrays = CatalogArrays(catalog)
    data = load_training_data(tiny_data, catalog, arrays)
    group = data["simulated"][0]
    cand = find_candidates(group.profile, arrays)
    alone = build_features(group.profile, arrays, cand)
    ids = list(arrays.ids[cand.rows])
    rows = [ids.index(t) for t in group.tool_ids]
    # the loader only adds missing values where the simulator hid facts; all else is equal
    expected = alone[rows].copy()
    hidden = np.isnan(group.X) & ~np.isnan(expected)
    cost, unknown = FEATURE_NAMES.index("monthly_cost_eur"), FEATURE_NAMES.index("price_unknown")
    expected[hidden[:, cost], unknown] = 1.0  # a hidden price reads as an unknown price
    np.testing.assert_array_equal(np.where(hidden, np.nan, expected), group.X)
    assert any(np.isnan(g.X).any() for g in data["simulated"])
    single = [recommender.suggest(p).to_dict() for p in example_paths[:4]]
    batch = [r.to_dict() for r in recommender.suggest_many(example_paths[:4], workers=3)]
    assert single == batch


def test_training_is_deterministic(tmp_path, tiny_data, catalog):
    a = train_model(tiny_data, tmp_path / "a", catalog, seed=1, n_estimators=25)
    b = train_model(tiny_data, tmp_path / "b", catalog, seed=1, n_estimators=25)
    assert a["metrics"] == b["metrics"]
    assert (tmp_path / "a" / "model.txt").read_text() == (tmp_path / "b" / "model.txt").read_text()
    for name in ("model.txt", "metadata.json", "MODEL_CARD.md"):
        assert (tmp_path / "a" / name).is_file()
    meta = json.loads((tmp_path / "a" / "metadata.json").read_text())
    assert meta["feature_names"] == list(FEATURE_NAMES)
    assert meta["seed"] == 1 and meta["catalog_fingerprint"] == catalog.fingerprint
    for key in ("training_data_fingerprint", "library_versions", "trained_at", "metrics"):
        assert key in meta


def test_train_refuses_to_overwrite_and_replaces_with_force(tmp_path, tiny_data, catalog):
    out = tmp_path / "m"
    train_model(tiny_data, out, catalog, seed=2, n_estimators=15)
    with pytest.raises(OutputExistsError):
        train_model(tiny_data, out, catalog, seed=2, n_estimators=15)
    meta = train_model(tiny_data, out, catalog, seed=4, n_estimators=15, force=True)
    assert meta["previous_metrics"] is not None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_model_with_other_feature_schema_is_refused(tmp_path, tiny_model):
    bad = tmp_path / "bad"
    shutil.copytree(tiny_model, bad)
    meta = json.loads((bad / "metadata.json").read_text())
    meta["feature_names"] = meta["feature_names"][:-1]  # as a model of another version has
    meta["metadata_sha256"] = metadata_digest(meta)
    (bad / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="feature schema"):
        RankingModel.load(bad)


def test_tampered_or_missing_model_files_are_refused(tmp_path, tiny_model):
    edited = tmp_path / "edited"
    shutil.copytree(tiny_model, edited)
    text = (edited / "model.txt").read_text()
    (edited / "model.txt").write_text(text[: len(text) // 2])
    with pytest.raises(ModelError, match="SHA-256"):
        RankingModel.load(edited)
    missing = tmp_path / "missing"
    shutil.copytree(tiny_model, missing)
    (missing / "model.txt").unlink()
    with pytest.raises(ModelError, match="missing"):
        RankingModel.load(missing)
    with pytest.raises(ModelError, match="not a model folder"):
        RankingModel.load(tmp_path)


def test_model_beats_baselines_on_simulated_holdout(tiny_model):
    meta = json.loads((tiny_model / "metadata.json").read_text())
    sim = meta["metrics"]["simulated"]
    for baseline in sim["baselines"].values():
        assert sim["model"]["ndcg@10"] > baseline["ndcg@10"]


def test_train_and_evaluate_commands(tmp_path, tiny_data):
    runner = CliRunner()
    out = tmp_path / "cli-model"
    result = runner.invoke(cli, ["train", "--data", str(tiny_data), "--out", str(out),
                                 "--seed", "0", "--rounds", "20"])
    assert result.exit_code == 0, result.output
    assert "ndcg@10" in result.output and (out / "model.txt").is_file()
    again = runner.invoke(cli, ["train", "--data", str(tiny_data), "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.stderr
    ev = runner.invoke(cli, ["evaluate", "--model", str(out), "--data", str(tiny_data),
                             "--format", "json"])
    assert ev.exit_code == 0, ev.output
    payload = json.loads(ev.output)
    assert set(payload) == {"simulated", "expert"}
    for part in payload.values():
        assert set(part) == {"model", "baselines"}
        assert set(part["model"]) == {"ndcg@5", "ndcg@10", "map@10", "recall@10"}
        assert set(part["baselines"]) == {"popularity", "rules"}


def test_feedback_is_recorded_and_trained_on(tmp_path, tiny_data, catalog, recommender):
    data = tmp_path / "data"
    shutil.copytree(tiny_data, data)
    profile = EXAMPLES / "maison-lavande.yaml"
    first, second = (s.tool_id for s in recommender.suggest(profile, top=2).suggestions)
    runner = CliRunner()
    for tool, outcome in ((first, "adopted"), (catalog.get(second).name, "rejected")):
        r = runner.invoke(cli, ["feedback", "add", str(profile), tool, "--outcome",
                                outcome, "--data", str(data)])
        assert r.exit_code == 0, r.output
    lines = (data / "feedback" / "outcomes.jsonl").read_text().splitlines()
    records = [json.loads(x) for x in lines]
    assert [r["outcome"] for r in records] == ["adopted", "rejected"]
    assert records[1]["tool_id"] == second  # the product name was resolved to its id
    assert {"profile", "tool_id", "outcome", "date", "model_version"} <= set(records[0])
    groups = load_training_data(data, catalog)["feedback"]
    assert len(groups) == 1 and groups[0].weight == 5.0
    assert dict(zip(groups[0].tool_ids, groups[0].grades.tolist(), strict=True)) == {
        first: 3, second: 0}
    bad = runner.invoke(cli, ["feedback", "add", str(profile), "trustpilott",
                              "--outcome", "adopted", "--data", str(data)])
    assert bad.exit_code == 2 and "did you mean 'trustpilot'" in bad.stderr


def test_single_need_features_equal_a_one_need_profile(catalog, example_paths):
    from dataclasses import replace

    from cinwe_reco.features import single_need_features
    from cinwe_reco.profile import Need

    arrays = CatalogArrays(catalog)
    for path in example_paths:
        p = load_profile(path, catalog)
        cand = find_candidates(p, arrays)
        X = build_features(p, arrays, cand)
        for j, need in enumerate(p.needs):
            keep = cand.covers[:, j]
            one = replace(p, needs=(Need(need.kind, need.id, "must"),))
            expected = build_features(one, arrays, find_candidates(one, arrays))
            got = single_need_features(X[keep], bool(cand.stack_covers[j]),
                                       bool(cand.stack_specialist[j]))
            np.testing.assert_array_equal(got, expected)
