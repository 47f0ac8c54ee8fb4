"""Training data: profiles with graded judgments, as query groups of one (profile, need) each.

``training/data/`` holds these sources, kept apart (see ``training/README.md``):

* ``expert/train/``: profiles and judgments written by hand from the products' facts, per need,
  for tools pooled from what the engine shows; the main labels, trained on with weight 3;
* ``expert/test/``: the frozen expert test set, written before any model work of this version
  by judges who never saw the engine's output; never trained on, only measured on;
* ``simulated/``: ``profiles.jsonl`` and ``judgments.csv`` written by ``training/simulate.py``
  (SIMULATED: see that module), for what experts cannot judge at scale, weight 0.1;
* ``feedback/outcomes.jsonl``: outcomes facilitators recorded with ``cinwe-reco feedback add``
  (adopted 3, shortlisted 2, rejected 0), weight 5.

A judgment file is CSV with ``profile_id, need, tool_id, grade`` (and optionally ``rationale``,
``unknown_facts``); a judgment without ``need`` grades the tool for the client as a whole and
counts for every need of the profile the tool covers. Features come from the one scoring
pipeline (``scoring.py``), so training sees exactly what ``suggest`` computes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .candidates import CatalogArrays
from .catalog import Catalog
from .errors import CinweError, TrainingDataError
from .features import FACT_GROUPS, FEATURE_NAMES, hide_facts
from .files import load_document, read_text
from .profile import Profile, profile_from_dict
from .scoring import prepare_many

SOURCES = ("simulated", "expert", "feedback")
OUTCOME_GRADES = {"adopted": 3, "shortlisted": 2, "rejected": 0}
SOURCE_WEIGHTS = {"simulated": 0.1, "expert": 3.0, "feedback": 5.0}
FEEDBACK_FILE = Path("feedback") / "outcomes.jsonl"
# judgments whose judge chose the tools from the whole catalog (see build_groups)
OPEN_JUDGMENTS = "judgments-open-*.csv"
MAX_DATA_BYTES = 500 * 1024 * 1024

# (profile id) -> need id ("" for the whole client) -> tool id -> grade
Judged = dict[str, dict[str, dict[str, int]]]


@dataclass
class QueryGroup:
    """One (profile, need) group: the judged candidates covering the need, with features."""

    id: str
    source: str
    profile: Profile
    need: str
    tool_ids: list[str]
    X: np.ndarray
    grades: np.ndarray
    weight: float = 1.0
    open: bool = False  # every feasible candidate is in the group, the unjudged graded 0


@dataclass
class Problems:
    """Records that could not be used, each with why (reported by ``train``)."""

    items: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        """Note one unusable record."""
        self.items.append(message)


def read_judgments(paths: list[Path], hidden: dict[tuple[str, str, str], list[str]] | None = None,
                   only: set[str] | None = None) -> Judged:
    """Grades by profile, need and tool from judgment CSV files. ``hidden`` collects the
    optional ``unknown_facts`` column (fact groups the simulator hid for that pair). Two
    different grades for the same (profile, need, tool) in one file are an error; two judges
    (two files) who disagree are averaged, as a panel would. ``only`` keeps the judgments of
    these profile ids (a partition of the Dask engine)."""
    out: Judged = defaultdict(lambda: defaultdict(dict))
    panel: dict[tuple[str, str, str], list[int]] = {}
    for path in paths:
        mine: dict[tuple[str, str, str], int] = {}
        reader = csv.DictReader(io.StringIO(read_text(path, max_bytes=MAX_DATA_BYTES)))
        for line, row in enumerate(reader, start=2):
            if only is not None and (row.get("profile_id") or "").strip() not in only:
                continue
            try:
                grade = int(row["grade"])
                if not 0 <= grade <= 3:
                    raise ValueError
                pid, tool = row["profile_id"].strip(), row["tool_id"].strip()
                need = (row.get("need") or "").strip()
            except (KeyError, TypeError, ValueError, AttributeError):
                raise TrainingDataError(f"{path}: line {line}: expected profile_id, tool_id, "
                                        "a grade from 0 to 3 and optionally need") from None
            previous = mine.get((pid, need, tool))
            if previous is not None and previous != grade:
                raise TrainingDataError(f"{path}: line {line}: '{tool}' for {pid}"
                                        f"{' / ' + need if need else ''} is graded {previous} "
                                        f"and {grade}: keep one judgment")
            if previous is None:
                mine[(pid, need, tool)] = grade
                panel.setdefault((pid, need, tool), []).append(grade)
            groups = [g for g in (row.get("unknown_facts") or "").split(";") if g]
            if groups and hidden is not None:
                if set(groups) - set(FACT_GROUPS):
                    raise TrainingDataError(f"{path}: line {line}: unknown fact group in "
                                            f"unknown_facts ({row['unknown_facts']})")
                hidden[(pid, need, tool)] = groups
    for (pid, need, tool), votes in panel.items():
        # the panel's mean, halves rounded up
        out[pid][need][tool] = votes[0] if len(votes) == 1 else int(
            np.floor(sum(votes) / len(votes) + 0.5))
    return out


def build_groups(records: list[tuple[str, str, Profile, dict[str, dict[str, int]]]],
                 arrays: CatalogArrays, weight: float = 1.0,
                 hidden: dict[tuple[str, str, str], list[str]] | None = None,
                 min_size: int = 2, open_needs: set[tuple[str, str]] | None = None
                 ) -> list[QueryGroup]:
    """Query groups of (profile id, source, profile, judgments by need): for each need, the
    feasible candidates covering it that have a judgment. A (profile id, need) of
    ``open_needs`` was judged by someone choosing from the whole catalog: its group holds every
    feasible candidate covering the need, the ones nobody chose graded 0 (as the evaluation
    counts them). Features are built for all profiles in one batch; ``hidden`` makes some
    (profile, need, tool) facts missing."""
    open_needs = open_needs or set()
    profiles = [r[2] for r in records]
    keep = []
    for pid, _, profile, judged in records:
        if any((pid, need.id) in open_needs for need in profile.needs):
            keep.append(np.ones(len(arrays.ids), dtype=bool))
            continue
        index = arrays.catalog.index
        rows = [index[t] for by_tool in judged.values() for t in by_tool if t in index]
        wanted = np.zeros(len(arrays.ids), dtype=bool)
        wanted[rows] = True
        keep.append(wanted)
    preps = prepare_many(profiles, arrays, keep, reasons=False)
    groups: list[QueryGroup] = []
    for (pid, source, profile, judged), prep, wanted in zip(records, preps, keep, strict=True):
        ids = arrays.ids[prep.pairs.rows]
        for j, need in enumerate(profile.needs):
            grades_for = dict(judged.get("", {}))
            grades_for.update(judged.get(need.id, {}))
            is_open = (pid, need.id) in open_needs
            sel = np.flatnonzero((prep.pairs.need == j) & prep.pair_ok
                                 & wanted[prep.pairs.rows])
            if not is_open:
                sel = np.array([i for i in sel if str(ids[i]) in grades_for], dtype=np.int64)
            if len(sel) < min_size:
                continue
            tool_ids = [str(ids[i]) for i in sel]
            X = prep.X[sel].copy()
            for k, tool_id in enumerate(tool_ids):
                unknown = (hidden or {}).get((pid, need.id, tool_id)) or (hidden or {}).get(
                    (pid, "", tool_id))
                if unknown:
                    hide_facts(X, k, unknown)
            grades = np.array([grades_for.get(t, 0) for t in tool_ids], dtype=np.int32)
            groups.append(QueryGroup(f"{pid}/{need.id}", source, profile, need.id, tool_ids,
                                     X, grades, weight, is_open))
    return groups


def _judgment_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("judgments*.csv"))


def read_open_needs(folder: Path, only: set[str] | None = None) -> set[tuple[str, str]]:
    """The (profile id, need) pairs of the folder's open judgment files
    (``judgments-open-*.csv``), whose judges chose the tools from the whole catalog."""
    judged = read_judgments(sorted(folder.glob(OPEN_JUDGMENTS)), only=only)
    return {(pid, need) for pid, by_need in judged.items() for need in by_need if need}


def read_profile_folder(folder: Path, catalog: Catalog, problems: Problems
                        ) -> dict[str, Profile]:
    """The profiles of ``folder/profiles/*.yaml`` by id (file stem); broken ones reported."""
    out: dict[str, Profile] = {}
    for path in sorted((folder / "profiles").glob("*.yaml")):
        try:
            out[path.stem] = profile_from_dict(load_document(path), catalog, str(path))
        except CinweError as exc:
            problems.add(f"{path}: skipped ({exc})")
    return out


def load_expert(folder: Path, catalog: Catalog, arrays: CatalogArrays, problems: Problems,
                min_size: int = 2) -> list[QueryGroup]:
    """Query groups of an expert folder (``expert/train`` or ``expert/test``)."""
    profiles = read_profile_folder(folder, catalog, problems)
    judged = read_judgments(_judgment_files(folder))
    for pid in sorted(set(judged) - set(profiles)):
        problems.add(f"{folder}: judgments for '{pid}', which has no profile file")
    records = [(pid, "expert", profiles[pid], judged[pid]) for pid in sorted(profiles)
               if pid in judged]
    return build_groups(records, arrays, SOURCE_WEIGHTS["expert"], min_size=min_size,
                        open_needs=read_open_needs(folder))


def load_simulated(data_dir: Path, catalog: Catalog, arrays: CatalogArrays,
                   problems: Problems) -> list[QueryGroup]:
    """Query groups of ``simulated/`` (hidden facts applied)."""
    folder = data_dir / "simulated"
    profiles_path = folder / "profiles.jsonl"
    if not profiles_path.is_file():
        return []
    hidden: dict[tuple[str, str, str], list[str]] = {}
    judgments = read_judgments(_judgment_files(folder), hidden)
    records = []
    text = read_text(profiles_path, max_bytes=MAX_DATA_BYTES)
    for number, line in enumerate(text.splitlines(), start=1):
        parsed = parse_simulated_line(line, f"{profiles_path}: line {number}", catalog, problems)
        if parsed is not None:
            pid, profile = parsed
            records.append((pid, "simulated", profile, judgments.get(pid, {})))
    return build_groups(records, arrays, SOURCE_WEIGHTS["simulated"], hidden)


def parse_simulated_line(line: str, where: str, catalog: Catalog, problems: Problems
                         ) -> tuple[str, Profile] | None:
    """(id, profile) of one line of ``simulated/profiles.jsonl``; None for a blank line or a
    profile that does not validate (noted in ``problems``); TrainingDataError for a line that
    is not a record."""
    if not line.strip():
        return None
    try:
        record = json.loads(line)
        pid = str(record["id"])
        profile = profile_from_dict(record["profile"], catalog, where)
    except (ValueError, KeyError, TypeError) as exc:
        raise TrainingDataError(f"{where}: expected a JSON object with id and profile "
                                f"({type(exc).__name__})") from None
    except CinweError as exc:
        problems.add(f"{where}: skipped ({exc})")
        return None
    return pid, profile


def load_feedback(data_dir: Path, catalog: Catalog, arrays: CatalogArrays,
                  problems: Problems) -> list[QueryGroup]:
    """Query groups of the recorded outcomes: one per (profile, need); a single outcome for a
    profile is used (graded against nothing else it still teaches its grade's level)."""
    path = data_dir / FEEDBACK_FILE
    if not path.is_file():
        return []
    docs: dict[str, dict] = {}
    judged: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for number, line in enumerate(read_text(path, max_bytes=MAX_DATA_BYTES).splitlines(),
                                  start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            pid = str(record["profile_id"])
            docs[pid] = record["profile"]
            judged[pid][str(record.get("need") or "")][str(record["tool_id"])] = \
                OUTCOME_GRADES[record["outcome"]]
        except (ValueError, KeyError, TypeError):
            problems.add(f"{path}: line {number}: not a complete outcome record, skipped")
    records = []
    for pid, doc in docs.items():
        try:
            profile = profile_from_dict(doc, catalog, f"{path} ({pid})")
        except CinweError as exc:
            problems.add(f"{path}: outcomes of {pid} skipped ({exc})")
            continue
        records.append((pid, "feedback", profile, judged[pid]))
    groups = build_groups(records, arrays, SOURCE_WEIGHTS["feedback"], min_size=1)
    used = {g.id.split("/")[0] for g in groups}
    for pid in sorted(set(judged) - used):
        problems.add(f"{path}: outcomes of {pid} skipped (the tools no longer cover a need of "
                     "the profile, or break one of its hard constraints)")
    return groups


def load_training_data(data_dir: Path, catalog: Catalog, arrays: CatalogArrays | None = None,
                       problems: Problems | None = None) -> dict[str, list[QueryGroup]]:
    """Every query group of ``data_dir``, by source (``expert`` is the training part)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise TrainingDataError(f"{data_dir}: no such training data folder")
    arrays = arrays or CatalogArrays(catalog)
    problems = problems if problems is not None else Problems()
    return {
        "simulated": load_simulated(data_dir, catalog, arrays, problems),
        "expert": load_expert(data_dir / "expert" / "train", catalog, arrays, problems),
        "feedback": load_feedback(data_dir, catalog, arrays, problems),
    }


def data_fingerprint(data_dir: Path) -> str:
    """SHA-256 over the training files (names and bytes), in a stable order."""
    digest = hashlib.sha256()
    data_dir = Path(data_dir)
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(data_dir)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def split_by_profile(groups: list[QueryGroup], seed: int, valid: int = 1, test: int = 1
                     ) -> tuple[list[QueryGroup], list[QueryGroup], list[QueryGroup]]:
    """(train, valid, test) by profile, in tenths: a profile's needs stay together."""
    out: tuple[list, list, list] = ([], [], [])
    for g in groups:
        pid = g.id.split("/")[0]
        digest = hashlib.sha256(f"{seed}:{pid}".encode()).digest()
        bucket = int.from_bytes(digest[:4], "little") % 10
        out[2 if bucket < test else 1 if bucket < test + valid else 0].append(g)
    return out


def stack_groups(groups: list[QueryGroup]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                     np.ndarray]:
    """(X, grades, group sizes, row weights) of groups laid end to end."""
    if not groups:
        return (np.empty((0, len(FEATURE_NAMES))), np.empty(0, np.int32), np.empty(0, np.int64),
                np.empty(0))
    X = np.vstack([g.X for g in groups])
    y = np.concatenate([g.grades for g in groups])
    sizes = np.array([len(g.grades) for g in groups], dtype=np.int64)
    weights = np.concatenate([np.full(len(g.grades), g.weight) for g in groups])
    return X, y, sizes, weights
