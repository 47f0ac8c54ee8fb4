"""Training data: profiles with graded judgments, turned into feature matrices by query group.

``training/data/`` holds three sources, kept apart:

* ``simulated/``: ``profiles.jsonl`` and ``judgments.csv`` written by ``training/simulate.py``
  (SIMULATED: see that module for the population and the expert utility);
* ``expert/``: ``profiles/*.yaml`` and ``judgments.csv`` written by hand from the products' facts,
  never trained on: a held-out check outside the simulator;
* ``feedback/outcomes.jsonl``: outcomes facilitators recorded with ``cinwe-reco feedback add``
  (adopted 3, shortlisted 2, rejected 0), trained on with a higher weight.

Features come from the same code as ``suggest`` (candidates, hard constraints, features).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .candidates import CatalogArrays, find_candidates
from .catalog import Catalog
from .constraints import feasible_mask
from .errors import CinweError
from .features import FACT_GROUPS, build_features_batch, hide_facts
from .files import load_document, read_text
from .profile import Profile, profile_from_dict

SOURCES = ("simulated", "expert", "feedback")
OUTCOME_GRADES = {"adopted": 3, "shortlisted": 2, "rejected": 0}
SOURCE_WEIGHTS = {"simulated": 1.0, "expert": 1.0, "feedback": 5.0}
FEEDBACK_FILE = Path("feedback") / "outcomes.jsonl"


@dataclass
class QueryGroup:
    """One profile's judged candidates: features, grades and the weight of its source."""

    id: str
    source: str
    profile: Profile
    tool_ids: list[str]
    X: np.ndarray
    grades: np.ndarray

    @property
    def weight(self) -> float:
        """Training weight of the group's source (feedback counts five times)."""
        return SOURCE_WEIGHTS[self.source]


def _read_judgments(path: Path, hidden: dict[tuple[str, str], list[str]] | None = None
                    ) -> dict[str, dict[str, int]]:
    """Grades by profile and tool; ``hidden`` collects the optional ``unknown_facts`` column
    (fact groups the simulator hid for that pair, separated by ';')."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    if not path.is_file():
        return out
    reader = csv.DictReader(io.StringIO(read_text(path, max_bytes=500 * 1024 * 1024)))
    for line, row in enumerate(reader, start=2):
        try:
            grade = int(row["grade"])
            if not 0 <= grade <= 3:
                raise ValueError
            out[row["profile_id"]][row["tool_id"]] = grade
            groups = [g for g in (row.get("unknown_facts") or "").split(";") if g]
            if groups and hidden is not None:
                if set(groups) - set(FACT_GROUPS):
                    raise ValueError
                hidden[(row["profile_id"], row["tool_id"])] = groups
        except (KeyError, TypeError, ValueError):
            raise CinweError(f"{path}: line {line}: expected profile_id, tool_id and a grade "
                             "from 0 to 3") from None
    return out


def build_groups(records: list[tuple[str, str, Profile, dict[str, int]]],
                 arrays: CatalogArrays, hidden: dict[tuple[str, str], list[str]] | None = None
                 ) -> list[QueryGroup]:
    """Query groups of (profile id, source, profile, judgments): each profile's feasible
    candidates that have a judgment, with features built for all profiles in one batch.
    ``hidden`` names fact groups to make missing for some (profile id, tool id) pairs."""
    kept, cands = [], []
    for pid, source, profile, judged in records:
        cand = find_candidates(profile, arrays)
        keep = feasible_mask(profile, arrays, cand) & np.isin(arrays.ids[cand.rows], list(judged))
        if keep.sum() >= 2:
            kept.append((pid, source, profile, judged))
            cands.append(cand.subset(keep))
    X = build_features_batch([r[2] for r in kept], arrays, cands)
    groups, start = [], 0
    for (pid, source, profile, judged), cand in zip(kept, cands, strict=True):
        tool_ids = [str(t) for t in arrays.ids[cand.rows]]
        grades = np.array([judged[t] for t in tool_ids], dtype=np.int32)
        for k, tool_id in enumerate(tool_ids):
            unknown = (hidden or {}).get((pid, tool_id))
            if unknown:
                hide_facts(X, start + k, unknown)
        groups.append(QueryGroup(pid, source, profile, tool_ids, X[start:start + len(cand)],
                                 grades))
        start += len(cand)
    return groups


def load_simulated(data_dir: Path, catalog: Catalog, arrays: CatalogArrays) -> list[QueryGroup]:
    """Query groups of ``simulated/`` (hidden facts applied)."""
    folder = data_dir / "simulated"
    profiles_path = folder / "profiles.jsonl"
    if not profiles_path.is_file():
        return []
    hidden: dict[tuple[str, str], list[str]] = {}
    judgments = _read_judgments(folder / "judgments.csv", hidden)
    records = []
    text = read_text(profiles_path, max_bytes=500 * 1024 * 1024)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        profile = profile_from_dict(record["profile"], catalog, f"{profiles_path}:{number}")
        records.append((record["id"], "simulated", profile, judgments.get(record["id"], {})))
    return build_groups(records, arrays, hidden)


def load_expert(data_dir: Path, catalog: Catalog, arrays: CatalogArrays) -> list[QueryGroup]:
    """Query groups of ``expert/``."""
    folder = data_dir / "expert"
    judgments = _read_judgments(folder / "judgments.csv")
    records = []
    for path in sorted((folder / "profiles").glob("*.yaml")):
        profile = profile_from_dict(load_document(path), catalog, str(path))
        records.append((path.stem, "expert", profile, judgments.get(path.stem, {})))
    return build_groups(records, arrays)


def load_feedback(data_dir: Path, catalog: Catalog, arrays: CatalogArrays) -> list[QueryGroup]:
    """Query groups of the recorded outcomes, one per distinct profile."""
    path = data_dir / FEEDBACK_FILE
    if not path.is_file():
        return []
    docs: dict[str, dict] = {}
    judged: dict[str, dict[str, int]] = defaultdict(dict)
    for line in read_text(path, max_bytes=500 * 1024 * 1024).splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            pid = record["profile_id"]
            docs[pid] = record["profile"]
            judged[pid][record["tool_id"]] = OUTCOME_GRADES[record["outcome"]]
        except (ValueError, KeyError, TypeError):
            continue  # a damaged line is skipped, never fatal: the other outcomes still count
    records = []
    for pid, doc in docs.items():
        try:
            profile = profile_from_dict(doc, catalog, f"{path} ({pid})")
        except CinweError:
            continue  # a profile naming tools since removed from the catalog
        records.append((pid, "feedback", profile, judged[pid]))
    return build_groups(records, arrays)


def load_training_data(data_dir: Path, catalog: Catalog, arrays: CatalogArrays | None = None
                       ) -> dict[str, list[QueryGroup]]:
    """Every query group of ``data_dir``, by source."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise CinweError(f"{data_dir}: no such training data folder")
    arrays = arrays or CatalogArrays(catalog)
    return {
        "simulated": load_simulated(data_dir, catalog, arrays),
        "expert": load_expert(data_dir, catalog, arrays),
        "feedback": load_feedback(data_dir, catalog, arrays),
    }


def data_fingerprint(data_dir: Path) -> str:
    """SHA-256 over the training files (names and bytes), in a stable order."""
    digest = hashlib.sha256()
    data_dir = Path(data_dir)
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(data_dir)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def split_simulated(groups: list[QueryGroup], seed: int
                    ) -> tuple[list[QueryGroup], list[QueryGroup], list[QueryGroup]]:
    """(train, valid, test) by profile: about 80/10/10, stable for a seed."""
    train, valid, test = [], [], []
    for g in groups:
        digest = hashlib.sha256(f"{seed}:{g.id}".encode()).digest()
        bucket = int.from_bytes(digest[:4], "little") % 10
        (test if bucket == 0 else valid if bucket == 1 else train).append(g)
    return train, valid, test


def stack_groups(groups: list[QueryGroup]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                     np.ndarray]:
    """(X, grades, group sizes, row weights) of groups laid end to end."""
    if not groups:
        from .features import FEATURE_NAMES

        return (np.empty((0, len(FEATURE_NAMES))), np.empty(0, np.int32), np.empty(0, np.int64),
                np.empty(0))
    X = np.vstack([g.X for g in groups])
    y = np.concatenate([g.grades for g in groups])
    sizes = np.array([len(g.grades) for g in groups], dtype=np.int64)
    weights = np.concatenate([np.full(len(g.grades), g.weight) for g in groups])
    return X, y, sizes, weights
