"""The strict reader of LightGBM's text format, and the native booster behind it.

A corpus of crafted models, each made from a tiny real model trained here, must be refused with a
ModelError naming the file before any byte reaches LightGBM's C library (several of them crash,
hang or flood the process when they do reach it).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from cinwe_reco import model_file
from cinwe_reco.errors import ModelError
from cinwe_reco.model_file import check_model_text

N_FEATURES = 6


@pytest.fixture(scope="module")
def model_text() -> str:
    """A real LambdaRank model: 3 trees of 6 leaves, with a categorical split in tree 0."""
    import lightgbm

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, N_FEATURES))
    X[:, 5] = rng.integers(0, 40, 600)
    y = (X[:, 5] % 3 == 0).astype(int) * 2 + (X[:, 0] > 0)
    ranker = lightgbm.LGBMRanker(n_estimators=3, num_leaves=6, min_child_samples=5, verbose=-1,
                                 max_cat_to_onehot=2, n_jobs=1)
    ranker.fit(X, y, group=[30] * 20, categorical_feature=[5])
    text = ranker.booster_.model_to_string()
    assert "num_cat=1" in _block(text, 0)  # the corpus below edits a categorical split
    return text


def _block(text: str, k: int) -> str:
    start = text.index(f"\nTree={k}\n") + 1
    end = text.find("\nTree=", start + 1)
    return text[start:end + 1 if end >= 0 else text.index("end of trees")]


def _fields(text: str, k: int) -> dict[str, str]:
    lines = _block(text, k).splitlines()[1:]
    return dict(line.split("=", 1) for line in lines if "=" in line)


def edit(text: str, k: int, key: str, value: str | None, *, resize: bool = True) -> str:
    """Tree ``k`` with ``key`` set to ``value`` (None: removed); ``tree_sizes`` recomputed so the
    edit reaches the checks of the tree itself (as a careful attacker would)."""
    block = _block(text, k)
    pattern = re.compile(rf"^{re.escape(key)}=.*\n", re.M)
    if value is None:
        new_block = pattern.sub("", block)
    elif pattern.search(block):
        new_block = pattern.sub(lambda _: f"{key}={value}\n", block)
    else:
        new_block = block.replace("\nshrinkage=", f"\n{key}={value}\nshrinkage=")
    text = text.replace(block, new_block)
    if resize:
        sizes = [len(_block(text, i)) for i in range(text.count("\nTree="))]
        text = re.sub(r"^tree_sizes=.*$", "tree_sizes=" + " ".join(map(str, sizes)), text,
                      flags=re.M)
    return text


def header(text: str, key: str, value: str) -> str:
    return re.sub(rf"^{key}=.*$", f"{key}={value}", text, count=1, flags=re.M)


def set_item(text: str, k: int, key: str, index: int, value: str) -> str:
    items = _fields(text, k)[key].split(" ")
    items[index] = value
    return edit(text, k, key, " ".join(items))


def test_real_models_are_accepted(model_text):
    summary = check_model_text(model_text, N_FEATURES)
    assert summary.num_trees == 3 and summary.max_leaves == 6


def test_the_shipped_model_is_accepted():
    from cinwe_reco.features import FEATURE_NAMES
    from cinwe_reco.resources import shipped_models_dir

    folder = shipped_models_dir() / "default"
    meta = json.loads((folder / "metadata.json").read_text())
    summary = check_model_text((folder / "model.txt").read_text(), len(FEATURE_NAMES))
    # the reader walked every tree the training kept, each of the trained size at most
    assert summary.num_trees == meta["best_iteration"]
    assert summary.max_leaves <= meta["params"]["num_leaves"]


def _corpus(t: str) -> dict[str, tuple[str, str]]:
    """name -> (crafted text, what the message must say)."""
    f0 = _fields(t, 0)
    n = int(f0["num_leaves"])
    cat_node = f0["decision_type"].split(" ").index("1")
    internal_child = next(int(c) for c in f0["left_child"].split(" ") + f0["right_child"].split(
        " ") if int(c) > 0)
    parent = next(i for i, (a, b) in enumerate(zip(f0["left_child"].split(" "),
                                                   f0["right_child"].split(" "), strict=True))
                  if internal_child in (int(a), int(b)))
    side = "left_child" if int(f0["left_child"].split(" ")[parent]) == internal_child else (
        "right_child")
    return {
        # the cases of the issue
        "split feature out of range": (set_item(t, 0, "split_feature", 0, str(N_FEATURES)),
                                       "split_feature"),
        "negative split feature": (set_item(t, 0, "split_feature", 1, "-1"), "split_feature"),
        "child out of range": (set_item(t, 0, "left_child", 0, str(n + 5)), "left_child"),
        "leaf index out of range": (set_item(t, 1, "right_child", 0, str(-n - 1)),
                                    "right_child"),
        "child pointing to itself": (set_item(t, 0, side, parent, str(parent)),
                                     "reached twice"),
        "child pointing to the root (cycle)": (set_item(t, 0, side, parent, "0"),
                                               "reached twice"),
        "num_tree_per_iteration=0": (header(t, "num_tree_per_iteration", "0"),
                                     "num_tree_per_iteration"),
        "num_leaves larger than the arrays": (edit(t, 0, "num_leaves", str(n + 1)),
                                              "values, expected"),
        "num_leaves smaller than the arrays": (edit(t, 0, "num_leaves", str(n - 1)),
                                               "values, expected"),
        "huge cat_boundaries": (edit(t, 0, "cat_boundaries", "0 1000000000"),
                                "cat_boundaries"),
        "NaN leaf value": (set_item(t, 0, "leaf_value", 0, "nan"), "leaf_value"),
        "inf leaf value": (set_item(t, 2, "leaf_value", 1, "inf"), "leaf_value"),
        "-inf leaf value": (set_item(t, 2, "leaf_value", 1, "-inf"), "leaf_value"),
        "leaf value overflowing to inf": (set_item(t, 1, "leaf_value", 0, "1e999"),
                                          "leaf_value"),
        # and more
        "NaN threshold": (set_item(t, 1, "threshold", 0, "nan"), "threshold"),
        "categorical threshold past num_cat": (set_item(t, 0, "threshold", cat_node, "1"),
                                               "categorical"),
        "cat_threshold shorter than cat_boundaries": (edit(t, 0, "cat_threshold", ""),
                                                      "cat_threshold"),
        "cat_boundaries not starting at 0": (edit(t, 0, "cat_boundaries", "1 1"),
                                             "start at 0"),
        "negative cat_boundaries": (edit(t, 0, "cat_boundaries", "0 -1"), "cat_boundaries"),
        "two children on one leaf": (set_item(t, 1, "right_child", 0,
                                              _fields(t, 1)["left_child"].split(" ")[0]
                                              if int(_fields(t, 1)["left_child"].split(" ")[0])
                                              < 0 else "-1"), "reached twice"),
        "internal counts that do not add up": (set_item(t, 1, "internal_count", 0, "7"),
                                               "internal_count"),
        "zero internal count (division by zero in SHAP)": (
            set_item(t, 1, "internal_count", 0, "0"), "internal_count"),
        "linear tree": (edit(t, 1, "is_linear", "1"), "linear"),
        "unknown tree field": (edit(t, 1, "leaf_coeff", "1"), "unexpected field"),
        "missing leaf_value": (edit(t, 1, "leaf_value", None), "leaf_value"),
        "tree_sizes not matching the trees": (edit(t, 1, "shrinkage", "0.10", resize=False),
                                              "tree_sizes"),
        "objective regression": (header(t, "objective", "regression"), "objective"),
        "two classes": (header(t, "num_class", "2"), "num_class"),
        "wrong feature count": (header(t, "max_feature_idx", str(N_FEATURES)),
                                "features"),
        "huge max_feature_idx": (header(t, "max_feature_idx", "2000000000"), "max_feature_idx"),
        "integer with trailing junk": (header(t, "num_tree_per_iteration", "1x"),
                                       "num_tree_per_iteration"),
        "duplicate header field": (t.replace("objective=lambdarank\n",
                                             "objective=lambdarank\nobjective=lambdarank\n"),
                                   "twice"),
        "average_output": (t.replace("objective=lambdarank\n",
                                     "objective=lambdarank\naverage_output\n"), "key=value"),
        "no trees": (header(t, "tree_sizes", ""), "no trees"),
        "truncated file": (t[: len(t) // 2], "line"),
        "truncated mid-line": (t[: t.index("leaf_value=") + 15], "line break"),
        "empty file": ("", "line break"),
        "NUL byte": (t.replace("Tree=1\n", "Tree=1\x00\n"), "NUL"),
        "CRLF line ends": (t.replace("\n", "\r\n"), "carriage return"),
        "linear_tree parameter": (t.replace("[linear_tree: 0]", "[linear_tree: 1]"), "linear"),
        "a parser section": (t + "parser:\n{}\nend of parser\n", "unexpected"),
        "garbage after the trees": (t.replace("end of trees\n", "end of trees\nTree=9\n"),
                                    "unexpected"),
    }


def test_every_crafted_model_is_refused_with_one_line(model_text):
    corpus = _corpus(model_text)
    assert len(corpus) >= 40
    for name, (text, expected) in corpus.items():
        assert text != model_text, name
        with pytest.raises(ModelError) as info:
            check_model_text(text, N_FEATURES, source="folder/model.txt")
        message = str(info.value)
        assert message.startswith("folder/model.txt: "), name
        assert "\n" not in message, name
        assert expected in message, f"{name}: {message}"


def test_sizes_are_bounded(model_text, monkeypatch):
    monkeypatch.setattr(model_file, "MAX_TREES", 2)
    with pytest.raises(ModelError, match="3 trees, more than the 2 allowed"):
        check_model_text(model_text, N_FEATURES)
    monkeypatch.setattr(model_file, "MAX_TREES", 10)
    monkeypatch.setattr(model_file, "MAX_LEAVES", 5)
    with pytest.raises(ModelError, match="num_leaves"):
        check_model_text(model_text, N_FEATURES)
    monkeypatch.setattr(model_file, "MAX_LEAVES", 1024)
    monkeypatch.setattr(model_file, "MAX_DEPTH", 2)
    with pytest.raises(ModelError, match="deeper than 2 levels"):
        check_model_text(model_text, N_FEATURES)


def test_nothing_reaches_the_c_library_before_the_check(model_text, monkeypatch):
    from cinwe_reco import booster

    def forbidden(*args, **kwargs):
        raise AssertionError("the C library was called with an unchecked model")

    monkeypatch.setattr(booster, "NativeBooster", forbidden)
    bad = header(model_text, "num_tree_per_iteration", "0")
    with pytest.raises(ModelError, match="num_tree_per_iteration"):
        booster.load_booster(bad, N_FEATURES)


# --------------------------------------------------------------------------- in a model folder


def _forge(folder: Path, text: str, dest: Path) -> Path:
    """A copy of a model folder with ``text`` as model.txt and every digest recomputed: the
    SHA-256 in metadata.json is no signature."""
    shutil.copytree(folder, dest)
    (dest / "model.txt").write_text(text)
    meta = json.loads((dest / "metadata.json").read_text())
    meta["model_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    from cinwe_reco.ranker import metadata_digest

    meta["metadata_sha256"] = metadata_digest(meta)
    (dest / "metadata.json").write_text(json.dumps(meta))
    return dest


ISSUE_CASES = ("split feature out of range", "child out of range", "child pointing to itself",
               "num_tree_per_iteration=0", "num_leaves larger than the arrays",
               "huge cat_boundaries", "NaN leaf value", "inf leaf value")


def test_forged_model_folders_are_refused_by_load(tiny_model, tmp_path):
    from cinwe_reco.features import FEATURE_NAMES
    from cinwe_reco.ranker import RankingModel

    text = (tiny_model / "model.txt").read_text()
    n = len(FEATURE_NAMES)
    forged = {
        "split feature out of range": set_item(text, 0, "split_feature", 0, str(n)),
        "child out of range": set_item(text, 0, "left_child", 0, "999"),
        "child pointing to itself": set_item(text, 0, "left_child", 0, "0"),
        "num_tree_per_iteration=0": header(text, "num_tree_per_iteration", "0"),
        "num_leaves larger than the arrays": edit(text, 0, "num_leaves", "99"),
        "huge cat_boundaries": edit(edit(edit(text, 0, "num_cat", "1"), 0, "cat_boundaries",
                                         "0 1000000000"), 0, "cat_threshold", "1"),
        "NaN leaf value": set_item(text, 0, "leaf_value", 0, "nan"),
        "inf leaf value": set_item(text, 0, "leaf_value", 0, "inf"),
    }
    assert set(forged) == set(ISSUE_CASES)
    for name, crafted in forged.items():
        folder = _forge(tiny_model, crafted, tmp_path / name.replace(" ", "_"))
        with pytest.raises(ModelError) as info:
            RankingModel.load(folder)
        assert str(info.value).startswith(str(folder / "model.txt")), name
        if name == "huge cat_boundaries":
            assert "cat_boundaries: 1000000000 is out of range" in str(info.value)


def test_forged_model_exits_2_with_one_line(tiny_model, tmp_path):
    from click.testing import CliRunner

    from cinwe_reco.cli import cli

    text = (tiny_model / "model.txt").read_text()
    folder = _forge(tiny_model, set_item(text, 0, "left_child", 0, "0"), tmp_path / "forged")
    example = Path(__file__).resolve().parent.parent / "examples" / "boulangerie-lemoine.yaml"
    r = CliRunner().invoke(cli, ["--model", str(folder), "explain", str(example), "brevo"])
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(folder / "model.txt") in lines[0]
    assert "reached twice" in lines[0]


# --------------------------------------------------------------------------- the booster


def test_every_c_function_used_has_declared_types():
    from cinwe_reco import booster

    source = Path(booster.__file__).read_text()
    used = set(re.findall(r"\.(LGBM_\w+)\(", source))
    declared = {name for name, _, _ in booster._SIGNATURES}
    assert used and used <= declared
    lib = booster._load_library()
    for name in declared:
        func = getattr(lib, name)
        assert func.argtypes is not None and func.restype is not None, name


def _matrix(n_rows: int, n_features: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 3, size=(n_rows, n_features))
    X[::7, 2] = np.nan  # missing values take the default branches
    return X


def test_native_scores_and_contributions_equal_lightgbm(tiny_model):
    import lightgbm

    from cinwe_reco.booster import NativeBooster
    from cinwe_reco.features import FEATURE_NAMES
    from cinwe_reco.ranker import RankingModel

    model = RankingModel.load(tiny_model)
    assert isinstance(model.booster, NativeBooster)
    reference = lightgbm.Booster(model_str=(tiny_model / "model.txt").read_text())
    X = _matrix(300, len(FEATURE_NAMES))
    np.testing.assert_array_equal(model.booster.predict(X), reference.predict(X))
    np.testing.assert_allclose(model.booster.predict(X, pred_contrib=True),
                               reference.predict(X, pred_contrib=True), rtol=0, atol=1e-12)
    assert model.booster.predict(X[:0]).shape == (0,)
    assert model.booster.predict(X[:0], pred_contrib=True).shape == (0, len(FEATURE_NAMES) + 1)


def test_one_booster_shared_by_many_threads(tiny_model):
    from cinwe_reco.features import FEATURE_NAMES
    from cinwe_reco.ranker import RankingModel

    booster = RankingModel.load(tiny_model).booster
    inputs = [_matrix(20 + 7 * i, len(FEATURE_NAMES), seed=i) for i in range(16)]
    expected = [(booster.predict(X), booster.predict(X, pred_contrib=True)) for X in inputs]
    errors: list[str] = []
    start = threading.Barrier(16)

    def work(i: int) -> None:
        start.wait()
        for round_ in range(15):
            X = inputs[(i + round_) % len(inputs)]
            scores = booster.predict(X, num_threads=2)
            contrib = booster.predict(X, pred_contrib=True, num_threads=1 + round_ % 2)
            want = expected[(i + round_) % len(inputs)]
            if not (np.array_equal(scores, want[0]) and np.allclose(contrib, want[1])):
                errors.append(f"thread {i} round {round_}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
