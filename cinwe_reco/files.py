"""Reading user files safely and writing files atomically.

Inputs come from clients and colleagues, so reading is bounded in size, decoded strictly as
UTF-8 and parsed with safe loaders only (no YAML tag can construct a Python object). Every file
the tool writes goes to a temporary file in the same folder and is renamed into place, so an
interrupted write leaves the old file intact.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from .errors import InputFileError, OutputExistsError

MAX_INPUT_BYTES = 5 * 1024 * 1024

try:  # the C loader is about ten times faster, and just as safe
    _SafeLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _SafeLoader = yaml.SafeLoader


# An anchor or alias token; only a document that has one is scanned event by event.
_MAYBE_ALIAS = re.compile(r"[&*][^\s,\[\]{}]")


def _has_alias(text: str) -> bool:
    """True when the YAML document uses an alias. No human-written profile or catalog entry needs
    one, and aliases are how a small file expands exponentially ("billion laughs")."""
    if not _MAYBE_ALIAS.search(text):
        return False
    return any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=_SafeLoader))


def read_text(path: Path, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The file's text, decoded as UTF-8; a clear error when it cannot be read."""
    return decode_text(read_bytes(path, max_bytes), str(path))


def read_bytes(path: Path, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """The file's bytes; its size is checked before anything is read."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc.strerror})") from None
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, expected a file")
    if size > max_bytes:
        raise InputFileError(
            f"{path}: file is {size:,} bytes, larger than the {max_bytes:,} bytes allowed"
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc.strerror})") from None


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 text of a file's bytes; binary data and other encodings are clear errors."""
    if b"\x00" in raw:
        raise InputFileError(f"{source}: binary data, expected a UTF-8 text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{source}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8"
        ) from None


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML with the safe loader, aliases refused; errors name the file and line."""
    try:
        if _has_alias(text):
            raise InputFileError(f"{source}: YAML aliases (*name) are not allowed")
        return yaml.load(text, Loader=_SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = exc.problem or str(exc)
        raise InputFileError(f"{source}:{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputFileError(f"{source}: invalid YAML: {_first_line(exc)}") from None
    except RecursionError:
        raise InputFileError(f"{source}: invalid YAML: nesting too deep") from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of thousands of digits
        raise InputFileError(f"{source}: invalid YAML: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def parse_json(text: str, source: str) -> Any:
    """Parse JSON, refusing NaN and Infinity (they are not JSON)."""

    def _no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a valid JSON number")

    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{source}: line {exc.lineno}: invalid JSON: {exc.msg}"
        ) from None
    except ValueError as exc:
        raise InputFileError(f"{source}: invalid JSON: {_first_line(exc)}") from None
    except RecursionError:
        raise InputFileError(f"{source}: invalid JSON: nesting too deep") from None


def load_document(path: Path, max_bytes: int = MAX_INPUT_BYTES) -> Any:
    """A YAML or JSON document from a file (JSON when the name ends in .json)."""
    text = read_text(path, max_bytes)
    if path.suffix.lower() == ".json":
        return parse_json(text, str(path))
    return parse_yaml(text, str(path))


def refuse_existing(path: Path | str, force: bool) -> None:
    """OutputExistsError when ``path`` exists and ``force`` is not given: nothing the user owns
    is overwritten by accident. Commands call it before slow work, the writers again."""
    if Path(path).exists() and not force:
        raise OutputExistsError(f"{path}: already exists; use --force to replace it")


def atomic_write_text(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    Refuses to replace an existing file unless ``force`` is true.
    """
    path = Path(path)
    refuse_existing(path, force)
    if path.is_dir():
        raise OutputExistsError(f"{path}: is a folder, expected a file name")
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give what open() would
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_folder(out: Path, *, force: bool = False) -> Iterator[Path]:
    """Build a folder in a temporary sibling, then rename it to ``out``.

    Refuses to replace an existing ``out`` unless ``force``; on any error the temporary folder
    is removed and ``out`` is left as it was.
    """
    out = Path(out)
    refuse_existing(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        tmp.chmod(0o777 & ~_UMASK)  # mkdtemp makes 0700; a model or layer is meant to be shared
        yield tmp
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# read once at import: os.umask() changes the whole process, so it must not race with writers
_UMASK = _read_umask()


def dump_yaml(data: Any) -> str:
    """Human-readable YAML, keys in the order given, unicode kept."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
