"""Recorded outcomes: what a client adopted, shortlisted or rejected.

``cinwe-reco feedback add`` appends one JSON line per outcome to
``training/data/feedback/outcomes.jsonl``, under an exclusive file lock, each record written whole
with a single write, so concurrent facilitators never interleave or lose records. Training reads
these outcomes as graded judgments (adopted 3, shortlisted 2, rejected 0) with a higher weight than
simulated ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from .catalog import Catalog, Tool
from .errors import CinweError, UnknownNeedError, UnknownToolError, did_you_mean
from .profile import Profile
from .training_data import FEEDBACK_FILE, OUTCOME_GRADES

OUTCOMES = tuple(OUTCOME_GRADES)


def profile_id(profile: Profile) -> str:
    """A stable id for a profile's content (same answers, same id)."""
    canonical = json.dumps(profile.to_dict(), sort_keys=True, ensure_ascii=False)
    return "fb-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def outcome_need(profile: Profile, tool: Tool, need: str | None) -> str:
    """The need an outcome is for: the one given, or the only need of the profile the tool
    covers; an error listing the choices otherwise."""
    covered = [n.id for n in profile.needs
               if n.id in tool.capabilities or n.id in tool.categories]
    if need is not None:
        if need not in profile.need_keys:
            raise UnknownNeedError(f"the profile has no need '{need}' (its needs: "
                                   f"{', '.join(profile.need_keys)})"
                                   f"{did_you_mean(need, profile.need_keys)}")
        return need
    if len(covered) == 1:
        return covered[0]
    if not covered:
        raise UnknownNeedError(f"{tool.id} covers none of the profile's needs "
                               f"({', '.join(profile.need_keys)})")
    raise UnknownNeedError(f"{tool.id} covers several needs of the profile: say which one the "
                           f"outcome is for ({', '.join(covered)})")


def feedback_record(profile: Profile, tool: str, outcome: str, catalog: Catalog,
                    model_version: str, need: str | None = None) -> dict[str, Any]:
    """The record ``feedback add`` appends; errors name the unknown tool, need or outcome.

    The record carries the whole profile, so editing the profile file later loses nothing.
    """
    if outcome not in OUTCOMES:
        raise CinweError(f"unknown outcome '{outcome}'; expected one of {', '.join(OUTCOMES)}"
                         f"{did_you_mean(outcome, OUTCOMES)}")
    tool_id = catalog.resolve(tool)
    if tool_id is None:
        raise UnknownToolError(catalog.unknown_message(tool))
    need_id = outcome_need(profile, catalog.get(tool_id), need)
    return {
        "profile_id": profile_id(profile),
        "client": profile.client,
        "tool_id": tool_id,
        "need": need_id,
        "outcome": outcome,
        "grade": OUTCOME_GRADES[outcome],
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "model_version": model_version,
        "profile": profile.to_dict(),
    }


def append_record(data_dir: Path, record: dict[str, Any]) -> Path:
    """Append one record as a JSON line under an exclusive lock; returns the file's path."""
    path = Path(data_dir) / FEEDBACK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        _lock(fd)
        try:
            written = os.write(fd, line)
            while written < len(line):  # a short write is finished, still under the lock
                written += os.write(fd, line[written:])
            os.fsync(fd)
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
    return path


def _lock(fd: int) -> None:
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)


def _unlock(fd: int) -> None:
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
