"""A catalog's content fingerprint, and a shortcut that avoids re-reading unchanged sources.

The fingerprint is a SHA-256 over the taxonomy and every entry file: it names the catalog
cache and is recorded by each trained model. Reading and hashing 800 small files costs more
than the rest of ``suggest``'s catalog load, so, as git's index and make do, the fingerprint of
a source set is remembered beside the cache with the files' stat signature (name, size,
mtime, ctime, inode). While the signature is unchanged the remembered fingerprint is used.
Any write to a file changes its ctime, which no user command can set back; files changed less
than ``SETTLE_SECONDS`` before the record would be written are never remembered, so an edit
within the file system's timestamp granularity cannot hide behind an unchanged signature.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from ..errors import CinweError, Problem
from ..files import InputFileError, read_bytes
from .cache import cache_dir

MAX_CATALOG_FILE_BYTES = 20 * 1024 * 1024
SETTLE_SECONDS = 2.0
_RECORD_FORMAT = 1
_MAX_RECORD_BYTES = 4096


def content_fingerprint(tax_file: Path, files: list[Path]
                        ) -> tuple[str, dict[Path, bytes | Problem]]:
    """(content hash, each entry file's bytes or the problem reading it): the files are read
    once, for the hash and, on a cache miss, for parsing."""
    # the sources only: a new cache format must not make every model look out of date
    digest = hashlib.sha256(b"cinwe-reco catalog")
    digest.update(read_bytes(tax_file, MAX_CATALOG_FILE_BYTES) + b"\0")
    contents: dict[Path, bytes | Problem] = {}
    for p in files:
        try:
            data = read_bytes(p, MAX_CATALOG_FILE_BYTES)
        except InputFileError as exc:
            contents[p] = Problem(str(p), None, None, str(exc).removeprefix(f"{p}: "))
            digest.update(p.name.encode() + b"\0unreadable\0")
            continue
        contents[p] = data
        digest.update(p.name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest(), contents


def _signature(tax_file: Path, files: list[Path]) -> tuple[str, float] | None:
    """(digest of the files' stat signature, newest change time), or None when a file cannot
    be stat'ed (the full read then reports it)."""
    digest = hashlib.sha256(b"cinwe-reco catalog stat")
    newest = 0.0
    try:
        for p in (tax_file, *files):
            st = os.stat(p)
            digest.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0"
                          f"{st.st_ino}\0{st.st_mode}\n".encode())
            newest = max(newest, st.st_mtime, st.st_ctime)
    except OSError:
        return None
    return digest.hexdigest(), newest


def _record_file(tax_file: Path, files: list[Path]) -> Path:
    where = f"{Path(tax_file).resolve()}\0" + "\0".join(str(Path(p).resolve().parent)
                                                        for p in files[:1])
    return cache_dir() / f"sources-{hashlib.sha256(where.encode()).hexdigest()[:32]}.json"


def remembered_fingerprint(tax_file: Path, files: list[Path]) -> str | None:
    """The fingerprint recorded for these files while their stat signature is unchanged."""
    sig = _signature(tax_file, files)
    if sig is None:
        return None
    path = _record_file(tax_file, files)
    try:
        with open(path, "rb") as f:
            raw = f.read(_MAX_RECORD_BYTES + 1)
        record = json.loads(raw) if len(raw) <= _MAX_RECORD_BYTES else None
    except (OSError, ValueError):
        return None
    if (not isinstance(record, dict) or record.get("format") != _RECORD_FORMAT
            or record.get("signature") != sig[0]):
        return None
    fingerprint = record.get("fingerprint")
    if not isinstance(fingerprint, str) or len(fingerprint) != 64 or any(
            c not in "0123456789abcdef" for c in fingerprint):
        return None
    return fingerprint


def remember_fingerprint(tax_file: Path, files: list[Path], fingerprint: str) -> None:
    """Record the fingerprint just computed from the files' bytes (best effort), unless a file
    changed too recently for its stat signature to be trusted."""
    sig = _signature(tax_file, files)
    if sig is None or time.time() - sig[1] < SETTLE_SECONDS:
        return
    body = json.dumps({"format": _RECORD_FORMAT, "signature": sig[0],
                       "fingerprint": fingerprint})
    try:
        from ..files import atomic_write_text

        atomic_write_text(_record_file(tax_file, files), body, force=True)
    except (OSError, ValueError, CinweError):
        pass
