"""Recorded outcomes: what a client adopted, shortlisted or rejected.

``cinwe-reco feedback add`` appends one JSON line per outcome to
``training/data/feedback/outcomes.jsonl``, under an exclusive file lock, each record written whole
with a single write after making sure the file ends with a line break, then flushed to disk, so
concurrent facilitators never interleave or lose records, and a write cut short (a full disk, a
killed process) never glues a record to a torn one. Each record carries a snapshot of the
profile it was made for, so editing the profile file later loses nothing. Training reads
these outcomes as graded judgments (adopted 3, shortlisted 2, rejected 0) with a higher weight than
simulated ones.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .catalog import Catalog, Tool
from .errors import (
    CinweError,
    OutputError,
    UnknownNeedError,
    UnknownToolError,
    did_you_mean,
)
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


def append_record(data_dir: Path, record: dict[str, Any],
                  on_repair: Callable[[str], None] | None = None) -> Path:
    """Append one record as a JSON line, durably, under an exclusive lock.

    The file must be a regular file (a FIFO or a device is refused, never waited on). If its last
    line has no line break (a writer was killed or the disk filled), that line is closed first,
    in the same single ``write`` as the record, so the torn line stays a line of its own (train
    reports it) and is never glued to the new record. The write is flushed and ``fsync``ed; a
    short or failed write is undone (the file is truncated back) and raises ``OutputError``
    naming the file, so a record is either whole or absent. ``on_repair`` is told (one line)
    when a torn line was closed. Returns the file's path.
    """
    path = Path(data_dir) / FEEDBACK_FILE
    line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not os.path.lexists(path)
        flags = (os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
                 | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
                 | getattr(os, "O_BINARY", 0))
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise OutputError(f"{path}: cannot record the outcome ({exc.strerror or exc})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OutputError(f"{path}: not a regular file; outcomes are only appended to one")
        _lock(fd)
        try:
            repaired = _append_whole(fd, path, line)
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_folder(path.parent)
    if repaired and on_repair is not None:
        on_repair(f"{path}: its last line was torn (a write was cut short); it was closed with a "
                  "line break before this record, and train will report it")
    return path


def _append_whole(fd: int, path: Path, line: bytes) -> bool:
    size = os.fstat(fd).st_size
    torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
    data = (b"\n" if torn else b"") + line
    written = 0
    try:
        written = os.write(fd, data)  # one write of the whole line
        while written < len(data):  # a short write (a nearly full disk): finish or fail
            more = os.write(fd, data[written:])
            if more <= 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written += more
        os.fsync(fd)
    except OSError as exc:
        if written:  # never leave half a record behind
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
                os.fsync(fd)
        raise OutputError(f"{path}: cannot record the outcome ({exc.strerror or exc}); "
                          "nothing was recorded") from None
    return torn


def _fsync_folder(folder: Path) -> None:
    """Make a new file's name durable too (where the system allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
