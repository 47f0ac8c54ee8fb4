"""Profiles as partitions: planned on the driver from file metadata, read on the workers.

A partition is a run of YAML/JSON files of a folder, a run of lines of a JSONL file (byte
offsets found by counting newlines, so the driver never parses a profile), or a run of row
groups of a Parquet file with one profile per row in a ``profile`` column of JSON text. Each
item keeps the label the local batch gives it (``file``, ``file.jsonl:LINE``; ``file.parquet:ROW``
for Parquet), and an unreadable item is yielded as its error, as ``iter_profile_sources`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CinweError, InputFileError, ProfileError
from ..files import load_document, parse_json
from ..profile import MAX_BATCH_LINE_BYTES

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
PARQUET_COLUMN = "profile"
_BLOCK = 16 * 1024 * 1024


@dataclass(frozen=True)
class Part:
    """One partition of a batch: ``kind`` is "files", "jsonl" or "parquet"."""

    kind: str
    path: str = ""
    files: tuple[str, ...] = ()
    start: int = 0  # jsonl: byte offset; parquet: first row group
    stop: int = 0  # jsonl: end byte offset; parquet: row group after the last
    first: int = 1  # the 1-based number of the part's first line or row


def plan_partitions(paths: list[Path | str], rows: int = 2000) -> list[Part]:
    """Partitions of about ``rows`` profiles over files, folders, JSONL and Parquet files, in
    the order the local batch reads them."""
    if rows < 1:
        raise CinweError(f"expected at least 1 profile per partition, got {rows}")
    parts: list[Part] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            parts.append(Part("files", files=tuple(pending)))
            pending.clear()

    def visit(path: Path) -> None:
        if path.is_dir():
            for p in sorted(path.iterdir()):
                if p.suffix.lower() in (*PROFILE_SUFFIXES, ".jsonl", ".parquet"):
                    visit(p)
            return
        suffix = path.suffix.lower()
        if suffix == ".jsonl" and path.is_file():
            flush()
            parts.extend(_jsonl_parts(path, rows))
        elif suffix == ".parquet" and path.is_file():
            flush()
            parts.extend(_parquet_parts(path, rows))
        else:  # a profile file, or a path that does not exist: its worker reports it
            pending.append(str(path.resolve()))
            if len(pending) >= rows:
                flush()

    for path in paths:
        visit(Path(path))
    flush()
    return parts


def _jsonl_parts(path: Path, rows: int) -> list[Part]:
    """Runs of ``rows`` lines, found by counting newlines block by block."""
    path = path.resolve()
    parts: list[Part] = []
    start = offset = 0
    first = line = 1
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            pos = 0
            while True:
                # the end of the part's last line, if it is in this block
                need = rows - (line - first)
                at = _nth_newline(block, pos, need)
                if at < 0:
                    line += block.count(b"\n", pos)
                    break
                line += need
                end = offset + at + 1
                parts.append(Part("jsonl", str(path), start=start, stop=end, first=first))
                start, first, pos = end, line, at + 1
            offset += len(block)
    if offset > start:
        parts.append(Part("jsonl", str(path), start=start, stop=offset, first=first))
    return parts


def _nth_newline(block: bytes, pos: int, n: int) -> int:
    """Index of the n-th newline of ``block`` from ``pos``, or -1."""
    at = pos - 1
    for _ in range(n):
        at = block.find(b"\n", at + 1)
        if at < 0:
            return -1
    return at


def _parquet_parts(path: Path, rows: int) -> list[Part]:
    """Runs of whole row groups of about ``rows`` rows."""
    import pyarrow.parquet as pq

    path = path.resolve()
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow.ArrowInvalid and OSError: not a Parquet file
        raise InputFileError(f"{path}: not a readable Parquet file ({exc})") from None
    if PARQUET_COLUMN not in meta.schema.names:
        raise InputFileError(f"{path}: expected a '{PARQUET_COLUMN}' column of JSON text, one "
                             f"profile per row (columns: {', '.join(meta.schema.names)})")
    parts: list[Part] = []
    start, first, count, row = 0, 1, 0, 1
    for g in range(meta.num_row_groups):
        count += meta.row_group(g).num_rows
        row += meta.row_group(g).num_rows
        if count >= rows:
            parts.append(Part("parquet", str(path), start=start, stop=g + 1, first=first))
            start, first, count = g + 1, row, 0
    if start < meta.num_row_groups:
        parts.append(Part("parquet", str(path), start=start, stop=meta.num_row_groups,
                          first=first))
    return parts


def read_part(part: Part) -> Iterator[tuple[str, Any]]:
    """(label, raw document or CinweError) for every profile of a partition."""
    if part.kind == "files":
        for name in part.files:
            try:
                yield name, load_document(Path(name))
            except CinweError as exc:
                yield name, exc
    elif part.kind == "jsonl":
        yield from _read_jsonl(part)
    elif part.kind == "parquet":
        yield from _read_parquet(part)
    else:
        raise ValueError(f"unknown partition kind {part.kind!r}")


def _read_jsonl(part: Part) -> Iterator[tuple[str, Any]]:
    try:
        with open(part.path, "rb") as handle:
            handle.seek(part.start)
            raw = handle.read(part.stop - part.start)
    except OSError as exc:
        yield part.path, InputFileError(f"{part.path}: cannot read ({exc.strerror})")
        return
    if part.start == 0 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for number, line in enumerate(raw.split(b"\n"), start=part.first):
        if not line.strip():
            continue
        label = f"{part.path}:{number}"
        if len(line) > MAX_BATCH_LINE_BYTES:
            yield label, ProfileError(f"{label}: line longer than 1 MiB")
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield label, InputFileError(f"{label}: not valid UTF-8 (byte {exc.start})")
            continue
        try:
            yield label, parse_json(text, label)
        except CinweError as exc:
            yield label, exc


def _read_parquet(part: Part) -> Iterator[tuple[str, Any]]:
    import pyarrow.parquet as pq

    table = pq.ParquetFile(part.path).read_row_groups(list(range(part.start, part.stop)),
                                                      columns=[PARQUET_COLUMN])
    for number, value in enumerate(table.column(0).to_pylist(), start=part.first):
        label = f"{part.path}:{number}"
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                yield label, InputFileError(f"{label}: not valid UTF-8")
                continue
        if isinstance(value, str):
            try:
                yield label, parse_json(value, label)
            except CinweError as exc:
                yield label, exc
        elif isinstance(value, dict):
            yield label, value
        else:
            yield label, ProfileError(f"{label}: expected a profile as JSON text in the "
                                      f"'{PARQUET_COLUMN}' column, got {type(value).__name__}")
