"""A strict reader of LightGBM's text model format: a model file is data until proven sound.

The SHA-256 in a model folder's metadata is not a signature (anyone can recompute it), so the
bytes of ``model.txt`` are checked here before any of them reaches LightGBM's C library, which
trusts its input: an out-of-range feature or child index reads out of bounds, a child pointing
back up loops forever, ``num_tree_per_iteration=0`` divides by zero, arrays shorter than
``num_leaves`` abort, a huge ``cat_boundaries`` allocates gigabytes.

Only the subset cinwe-reco writes is accepted: a LambdaRank model with one tree per iteration,
the schema's feature count, numerical or categorical splits, no linear trees. Every tree is
checked to be a tree (each node reached exactly once from the root, leaves encoded as ``~leaf``),
every array to have the length ``num_leaves`` gives it, every number to be finite (a numerical
threshold may also be ``inf`` or ``-inf``: LightGBM writes that for a split that sends only
missing values one way; never NaN), and sizes to be within the limits below (also listed in the
README under "Limits"). ``tree_sizes`` must match the blocks byte for byte, since LightGBM uses
it to find the trees. Anything else raises ``ModelError`` with one line naming the file and what
is wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import ModelError

MAX_TREES = 10_000  # `train --rounds` allows at most 10,000 rounds
MAX_LEAVES = 1_024  # per tree; cinwe-reco trains 15
MAX_DEPTH = 64  # per tree: TreeSHAP's work space grows with the square of the depth
MAX_CAT_WORDS = 4_096  # 32-bit words of categorical bitsets per tree (131,072 categories)
MAX_ABS_VALUE = 1e12  # leaf values, thresholds and weights: finite and at most this in size
MAX_COUNT = 2**31 - 1

_INT = re.compile(r"-?[0-9]{1,10}")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?")
_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,200}")
_SAFE_LINE = re.compile(r"[\x20-\x7e]*")

HEADER_REQUIRED = ("version", "num_class", "num_tree_per_iteration", "label_index",
                   "max_feature_idx", "objective", "feature_names", "feature_infos",
                   "tree_sizes")
HEADER_OPTIONAL = ("monotone_constraints",)
TREE_REQUIRED = ("num_leaves", "num_cat", "leaf_value", "shrinkage")
TREE_SPLIT = ("split_feature", "threshold", "decision_type", "left_child", "right_child",
              "internal_count")
TREE_OPTIONAL = ("split_gain", "leaf_weight", "leaf_count", "internal_value", "internal_weight",
                 "cat_boundaries", "cat_threshold", "is_linear")
TREE_KEYS = frozenset(TREE_REQUIRED + TREE_SPLIT + TREE_OPTIONAL)


@dataclass(frozen=True)
class ModelSummary:
    """What the reader learnt: enough to load the booster knowing its shape."""

    num_features: int
    num_trees: int
    max_leaves: int
    max_depth: int


class _Bad(Exception):
    pass


def _int(text: str, what: str, low: int = -MAX_COUNT, high: int = MAX_COUNT) -> int:
    if not _INT.fullmatch(text):
        raise _Bad(f"{what}: expected an integer, got {_show(text)}")
    value = int(text)
    if not low <= value <= high:
        raise _Bad(f"{what}: {value} is out of range ({low} to {high})")
    return value


def _float(text: str, what: str, limit: float = MAX_ABS_VALUE) -> float:
    if not _FLOAT.fullmatch(text):
        raise _Bad(f"{what}: expected a finite number, got {_show(text)}")
    value = float(text)
    if not math.isfinite(value) or abs(value) > limit:
        raise _Bad(f"{what}: {_show(text)} is not finite or larger than {limit:g}")
    return value


def _show(text: str) -> str:
    return repr(text if len(text) <= 30 else text[:27] + "...")


def _ints(text: str, n: int, what: str, low: int = -MAX_COUNT, high: int = MAX_COUNT
          ) -> list[int]:
    parts = text.split(" ") if text else []
    if len(parts) != n:
        raise _Bad(f"{what}: {len(parts)} values, expected {n}")
    return [_int(p, what, low, high) for p in parts]


def _floats(text: str, n: int, what: str) -> list[float]:
    parts = text.split(" ") if text else []
    if len(parts) != n:
        raise _Bad(f"{what}: {len(parts)} values, expected {n}")
    return [_float(p, what) for p in parts]


def check_model_text(text: str | bytes, num_features: int, source: str = "model.txt"
                     ) -> ModelSummary:
    """Check a LightGBM text model against the subset cinwe-reco writes; ``ModelError`` (one
    line naming ``source`` and the problem) when anything is off."""
    try:
        return _check(text, num_features)
    except _Bad as exc:
        raise ModelError(f"{source}: not a sound cinwe-reco LightGBM model: {exc}") from None


def _check(text: str | bytes, num_features: int) -> ModelSummary:
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError as exc:
            raise _Bad(f"byte {exc.start} is not ASCII") from None
    elif not text.isascii():
        raise _Bad("a character is not ASCII")
    if "\r" in text or "\x00" in text:
        raise _Bad("carriage return or NUL byte (expected '\\n' line ends)")
    if not text.endswith("\n"):
        raise _Bad("the file does not end with a line break (truncated?)")
    lines = text.split("\n")[:-1]
    for number, line in enumerate(lines, start=1):
        if not _SAFE_LINE.fullmatch(line):
            raise _Bad(f"line {number}: a control character")
    if not lines or lines[0] != "tree":
        raise _Bad("the first line is not 'tree'")

    # ---- header: key=value lines up to the first tree
    header: dict[str, str] = {}
    i = 1
    while i < len(lines) and not lines[i].startswith("Tree="):
        line = lines[i]
        if line:
            key, sep, value = line.partition("=")
            if not sep or "=" in value:
                raise _Bad(f"line {i + 1}: expected key=value in the header")
            if key not in HEADER_REQUIRED and key not in HEADER_OPTIONAL:
                raise _Bad(f"line {i + 1}: unexpected header field '{_show(key)[1:-1]}'")
            if key in header:
                raise _Bad(f"line {i + 1}: '{key}' given twice")
            header[key] = value
        i += 1
    missing = [k for k in HEADER_REQUIRED if k not in header]
    if missing:
        raise _Bad(f"the header lacks {', '.join(missing)}")
    if header["version"] != "v4":
        raise _Bad(f"version {_show(header['version'])}, expected 'v4'")
    if header["objective"] != "lambdarank":
        raise _Bad(f"objective {_show(header['objective'])}, expected 'lambdarank'")
    if _int(header["num_class"], "num_class") != 1:
        raise _Bad("num_class must be 1")
    if _int(header["num_tree_per_iteration"], "num_tree_per_iteration") != 1:
        raise _Bad("num_tree_per_iteration must be 1 (one tree per iteration)")
    if _int(header["label_index"], "label_index") != 0:
        raise _Bad("label_index must be 0")
    n_features = _int(header["max_feature_idx"], "max_feature_idx", 0, 100_000) + 1
    if n_features != num_features:
        raise _Bad(f"{n_features} features (max_feature_idx), expected {num_features}")
    names = header["feature_names"].split(" ")
    if len(names) != n_features or not all(_NAME.fullmatch(n) for n in names):
        raise _Bad(f"feature_names: expected {n_features} names of letters, digits and _")
    if len(header["feature_infos"].split(" ")) != n_features:
        raise _Bad(f"feature_infos: expected {n_features} entries")
    if "monotone_constraints" in header:
        _ints(header["monotone_constraints"], n_features, "monotone_constraints", -1, 1)
    sizes_text = header["tree_sizes"]
    n_trees = len(sizes_text.split(" ")) if sizes_text else 0
    if n_trees == 0:
        raise _Bad("no trees")
    if n_trees > MAX_TREES:
        raise _Bad(f"{n_trees:,} trees, more than the {MAX_TREES:,} allowed")
    sizes = _ints(sizes_text, n_trees, "tree_sizes", 1, len(text))

    # ---- trees: each block "Tree=k", key=value lines, a blank line, a blank line
    offset = sum(len(line) + 1 for line in lines[:i])
    max_leaves = max_depth = 0
    for k in range(n_trees):
        start_line, start_offset = i, offset
        where = f"tree {k}"
        if i >= len(lines) or lines[i] != f"Tree={k}":
            raise _Bad(f"line {i + 1}: expected 'Tree={k}'")
        i += 1
        fields: dict[str, str] = {}
        while i < len(lines) and lines[i]:
            key, sep, value = lines[i].partition("=")
            if not sep:
                raise _Bad(f"line {i + 1}: expected key=value in {where}")
            if key not in TREE_KEYS:
                raise _Bad(f"line {i + 1}: unexpected field '{_show(key)[1:-1]}' in {where}")
            if key in fields:
                raise _Bad(f"line {i + 1}: '{key}' given twice in {where}")
            fields[key] = value
            i += 1
        if i + 1 >= len(lines) or lines[i + 1]:
            raise _Bad(f"{where}: expected two blank lines after it")
        i += 2
        offset = sum(len(line) + 1 for line in lines[start_line:i]) + start_offset
        if offset - start_offset != sizes[k]:
            raise _Bad(f"{where}: tree_sizes says {sizes[k]} bytes, the tree has "
                       f"{offset - start_offset}")
        leaves, depth = _check_tree(fields, n_features, where)
        max_leaves, max_depth = max(max_leaves, leaves), max(max_depth, depth)

    # ---- the tail LightGBM also reads: importances, parameters, pandas_categorical
    _check_tail(lines, i)
    return ModelSummary(n_features, n_trees, max_leaves, max_depth)


def _check_tree(f: dict[str, str], n_features: int, where: str) -> tuple[int, int]:
    missing = [k for k in TREE_REQUIRED if k not in f]
    if missing:
        raise _Bad(f"{where}: lacks {', '.join(missing)}")
    n = _int(f["num_leaves"], f"{where}: num_leaves", 1, MAX_LEAVES)
    if f.get("is_linear", "0") != "0":
        raise _Bad(f"{where}: linear trees are not supported")
    _float(f["shrinkage"], f"{where}: shrinkage")
    _floats(f["leaf_value"], n, f"{where}: leaf_value")
    if "leaf_weight" in f:
        _floats(f["leaf_weight"], n, f"{where}: leaf_weight")
    counts = _ints(f["leaf_count"], n, f"{where}: leaf_count", 0) if "leaf_count" in f else None
    num_cat = _int(f["num_cat"], f"{where}: num_cat", 0, max(n - 1, 0))
    if n == 1:
        for key in TREE_SPLIT + ("split_gain", "internal_value", "internal_weight"):
            if f.get(key):
                raise _Bad(f"{where}: a single-leaf tree with {key}")
        if num_cat or "cat_boundaries" in f or "cat_threshold" in f:
            raise _Bad(f"{where}: a single-leaf tree with categorical splits")
        return 1, 0
    m = n - 1  # internal nodes
    missing = [k for k in TREE_SPLIT if k not in f]
    if missing:
        raise _Bad(f"{where}: lacks {', '.join(missing)}")
    _ints(f["split_feature"], m, f"{where}: split_feature", 0, n_features - 1)
    decision = _ints(f["decision_type"], m, f"{where}: decision_type", 0, 15)
    left = _ints(f["left_child"], m, f"{where}: left_child", -n, m - 1)
    right = _ints(f["right_child"], m, f"{where}: right_child", -n, m - 1)
    internal_count = _ints(f["internal_count"], m, f"{where}: internal_count", 1)
    for key in ("split_gain", "internal_value", "internal_weight"):
        if key in f:
            _floats(f[key], m, f"{where}: {key}")
    thresholds = f["threshold"].split(" ")
    if len(thresholds) != m:
        raise _Bad(f"{where}: threshold: {len(thresholds)} values, expected {m}")
    categorical = 0
    for node, (kind, value) in enumerate(zip(decision, thresholds, strict=True)):
        if (kind >> 2) & 3 == 3:
            raise _Bad(f"{where}: decision_type {kind} of node {node} has no meaning")
        if kind & 1:  # categorical: the threshold is an index into cat_boundaries
            _int(value, f"{where}: threshold of categorical node {node}", 0, num_cat - 1)
            categorical += 1
        elif value not in ("inf", "-inf"):  # LightGBM splits missing values off at inf
            _float(value, f"{where}: threshold of node {node}")
    if num_cat:
        if "cat_boundaries" not in f:
            raise _Bad(f"{where}: categorical splits without cat_boundaries")
        bounds = _ints(f["cat_boundaries"], num_cat + 1, f"{where}: cat_boundaries", 0,
                       MAX_CAT_WORDS)
        if "cat_threshold" not in f:
            raise _Bad(f"{where}: categorical splits without cat_threshold")
        if bounds[0] != 0 or any(b > a for a, b in zip(bounds[1:], bounds, strict=False)):
            raise _Bad(f"{where}: cat_boundaries must start at 0 and never decrease")
        _ints(f["cat_threshold"], bounds[-1], f"{where}: cat_threshold", 0, 2**32 - 1)
    elif "cat_boundaries" in f or "cat_threshold" in f:
        raise _Bad(f"{where}: cat_boundaries without categorical splits")
    if categorical != num_cat:
        raise _Bad(f"{where}: num_cat is {num_cat}, the tree has {categorical} categorical "
                   "splits")

    # a tree: from the root, every internal node and every leaf reached exactly once
    seen_nodes = [False] * m
    seen_leaves = [False] * n
    seen_nodes[0] = True
    stack = [(0, 1)]
    depth = 0
    while stack:
        node, d = stack.pop()
        depth = max(depth, d)
        if depth > MAX_DEPTH:
            raise _Bad(f"{where}: deeper than {MAX_DEPTH} levels")
        for child in (left[node], right[node]):
            if child >= 0:
                if seen_nodes[child]:
                    raise _Bad(f"{where}: node {child} is reached twice (a cycle or a shared "
                               "child)")
                seen_nodes[child] = True
                stack.append((child, d + 1))
            else:
                leaf = ~child
                if seen_leaves[leaf]:
                    raise _Bad(f"{where}: leaf {leaf} is reached twice")
                seen_leaves[leaf] = True
    if not all(seen_nodes) or not all(seen_leaves):
        raise _Bad(f"{where}: some nodes or leaves are not reachable from the root")
    if counts is not None:  # TreeSHAP divides by these counts
        for node in range(m):
            total = sum(internal_count[c] if c >= 0 else counts[~c]
                        for c in (left[node], right[node]))
            if total != internal_count[node]:
                raise _Bad(f"{where}: internal_count of node {node} is {internal_count[node]}, "
                           f"its children hold {total}")
    return n, depth


_TAIL_IMPORTANCE = re.compile(r"[A-Za-z0-9_.\-]{1,200}=[0-9]{1,12}")
_TAIL_PARAMETER = re.compile(r"\[[a-z_0-9]{1,60}: [\x20-\x5c\x5e-\x7e]{0,10000}\]")


def _check_tail(lines: list[str], i: int) -> None:
    if i >= len(lines) or lines[i] != "end of trees":
        raise _Bad(f"line {i + 1}: expected 'end of trees' after the last tree of tree_sizes")
    section = "trees"
    for number in range(i + 1, len(lines)):
        line = lines[number]
        if not line:
            continue
        if line == "feature_importances:" and section == "trees":
            section = "importances"
        elif line == "parameters:" and section in ("trees", "importances"):
            section = "parameters"
        elif line == "end of parameters" and section == "parameters":
            section = "after"
        elif line == "pandas_categorical:null" and section in ("trees", "importances", "after"):
            section = "end"
        elif section == "importances" and _TAIL_IMPORTANCE.fullmatch(line):
            pass
        elif section == "parameters" and _TAIL_PARAMETER.fullmatch(line):
            if line.startswith("[linear_tree: ") and line != "[linear_tree: 0]":
                raise _Bad(f"line {number + 1}: linear trees are not supported")
        else:
            raise _Bad(f"line {number + 1}: unexpected {_show(line)} after the trees")
    if section == "parameters":
        raise _Bad("'parameters:' without 'end of parameters'")
