"""Reading user files safely and writing files atomically.

Inputs come from clients and colleagues, so only regular files are read (a FIFO, a device or a
symbolic link to one is refused before it is read), reading is bounded in size while it reads,
decoding is strict UTF-8 and parsing uses safe loaders only (no YAML tag can construct a Python
object). Every file the tool writes goes to a temporary file in the same folder and is renamed
into place, so an interrupted write leaves the old file intact; an output is only ever a regular
file, and ``--force`` replaces a folder only when the tool wrote it (it holds ``MARKER_FILE``).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from .errors import InputFileError, OutputError, OutputExistsError

MAX_INPUT_BYTES = 5 * 1024 * 1024
# written into every model and layer folder the tool creates: --force replaces only such folders
MARKER_FILE = ".cinwe-reco"
MARKER_TEXT = ("This folder was written by cinwe-reco. `--force` may replace it as a whole; "
               "without this file it never will.\n")
_READ_CHUNK = 1 << 20

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


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _not_regular(path: Path, mode: int) -> InputFileError:
    if stat.S_ISDIR(mode):
        return InputFileError(f"{path}: is a folder, expected a file")
    return InputFileError(f"{path}: is {_kind(mode)}, not a regular file; only regular files "
                          "are read")


def read_bytes(path: Path, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``.

    Anything else (a folder, a FIFO, a device, a symbolic link to one) is refused before it is
    read, and the limit is enforced while reading (at most ``max_bytes + 1`` bytes are read), so
    a file that grows or lies about its size cannot flood memory.
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode  # follows links: a link to /dev/zero is a device
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode)
    flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
             | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    try:
        fd = os.open(path, flags)  # non-blocking: a FIFO swapped in meanwhile cannot hang
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped between the stat and the open
            raise _not_regular(path, info.st_mode)
        if info.st_size > max_bytes:
            raise InputFileError(f"{path}: file is {info.st_size:,} bytes, larger than the "
                                 f"{max_bytes:,} bytes allowed")
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(_READ_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise InputFileError(f"{path}: file is larger than the {max_bytes:,} bytes allowed")
        return b"".join(chunks)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


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


def exists(path: Path | str) -> bool:
    """True when anything is at ``path``, a dangling symbolic link included."""
    return os.path.lexists(path)


def refuse_existing(path: Path | str, force: bool) -> None:
    """OutputExistsError when ``path`` exists (a dangling link counts) and ``force`` is not given:
    nothing the user owns is overwritten by accident. Commands call it before slow work, the
    writers again."""
    if exists(path) and not force:
        raise OutputExistsError(f"{path}: already exists", replaceable=True)


def check_output_file(path: Path | str, force: bool) -> None:
    """Refuse an output file target the tool must not write: an existing one without ``force``,
    and anything but a regular file (a folder, a device such as /dev/full, a FIFO, a link to
    one), with or without ``force``. A symbolic link to a regular file (or a dangling one) is
    replaced by the new file; its target is never written."""
    path = Path(path)
    refuse_existing(path, force)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    if stat.S_ISLNK(mode):
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return  # dangling: the link itself is replaced
    if stat.S_ISDIR(mode):
        raise OutputExistsError(f"{path}: is a folder, expected a file name")
    if not stat.S_ISREG(mode):
        raise OutputExistsError(f"{path}: is {_kind(mode)}, not a regular file; cinwe-reco "
                                "only writes regular files (even with --force)")


def check_writable(path: Path | str, force: bool = False) -> None:
    """Fail fast, before any slow work, when ``path`` cannot be written as an output file: it
    exists (without ``force``), is not a regular file, or its folder refuses new files."""
    path = Path(path)
    check_output_file(path, force)
    parent = path.parent if str(path.parent) else Path(".")
    probe_dir = parent
    while not exists(probe_dir):  # the writer creates missing folders: check the nearest one
        if probe_dir.parent == probe_dir:
            break
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        raise OutputError(f"{path}: cannot write ({probe_dir} is not a folder)")
    if probe_dir != parent:
        if not os.access(probe_dir, os.W_OK | os.X_OK):
            raise OutputError(f"{path}: cannot write (cannot create folders in {probe_dir})")
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def atomic_write_text(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    Refuses to replace an existing file unless ``force`` is true, and never replaces anything but
    a regular file. Errors name ``path``, never the temporary file.
    """
    path = Path(path)
    check_output_file(path, force)
    parent = path.parent if str(path.parent) else Path(".")
    tmp: str | None = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give what open() would
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc}); nothing was "
                          "written") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def is_tool_folder(folder: Path) -> bool:
    """True when ``folder`` (a real folder, not a link) was written by cinwe-reco: it holds
    ``MARKER_FILE``, or it is a model folder of an older version (only the three files a model
    folder has, and cinwe-reco model metadata)."""
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return False
        if stat.S_ISREG(os.lstat(folder / MARKER_FILE).st_mode):
            return True
    except OSError:
        pass
    try:
        names = {p.name for p in folder.iterdir()}
        if not names or not names <= {"model.txt", "metadata.json", "MODEL_CARD.md"}:
            return False
        meta = json.loads(read_text(folder / "metadata.json", 5 * 1024 * 1024))
    except (OSError, ValueError, InputFileError):
        return False
    return isinstance(meta, dict) and meta.get("schema") == "cinwe-reco/model@1"


def _contains(folder: Path, inner: Path) -> bool:
    try:
        folder, inner = folder.resolve(), Path(inner).resolve()
    except (OSError, RuntimeError):
        return False
    return inner == folder or folder in inner.parents


def check_folder_target(out: Path | str, *, force: bool = False,
                        inputs: Iterable[Path | str] = ()) -> None:
    """Refuse a folder output the tool must not replace: an existing one without ``force``; with
    ``force``, anything but a folder the tool wrote (see ``is_tool_folder``), and a folder that
    holds one of ``inputs`` (or is one)."""
    out = Path(out)
    for given in inputs:
        if _contains(out, Path(given)):
            raise OutputExistsError(f"{out}: holds the input {given}", wrong_target=True)
    refuse_existing(out, force)
    if not exists(out):
        return
    if os.path.islink(out):
        raise OutputExistsError(f"{out}: is a symbolic link; give the folder itself, or a new "
                                "name")
    if not out.is_dir():
        raise OutputExistsError(f"{out}: is not a folder, and only a folder cinwe-reco wrote "
                                "is replaced", wrong_target=True)
    if not is_tool_folder(out):
        raise OutputExistsError(
            f"{out}: was not written by cinwe-reco (no {MARKER_FILE} file in it), so it is not "
            "replaced; remove it yourself", wrong_target=True)


def _recover(out: Path) -> None:
    """Finish a swap a killed run left half done: ``.NAME.old`` (a folder the tool wrote) is put
    back when ``out`` is missing, and removed when ``out`` is there."""
    old = out.with_name(f".{out.name}.old")
    if not exists(old) or not is_tool_folder(old):
        return
    if exists(out):
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(old, out)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return False
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                     ctypes.c_uint]
    func.restype = ctypes.c_int
    at_fdcwd = -100
    if func(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # an old kernel or a file system without it: the fallback
    raise OSError(code, os.strerror(code), str(b))


@contextmanager
def atomic_folder(out: Path, *, force: bool = False,
                  inputs: Iterable[Path | str] = ()) -> Iterator[Path]:
    """Build a folder in a temporary sibling, then put it at ``out``.

    Refuses to replace an existing ``out`` unless ``force``, and even then replaces only a folder
    the tool wrote that holds none of ``inputs`` (``check_folder_target``). The new folder gets
    ``MARKER_FILE``. The swap is one atomic exchange where the system has it (Linux), so ``out``
    is the old or the new folder at every instant; elsewhere ``out`` is renamed to ``.NAME.old``
    first, and a run killed between the two renames is finished by the next one. On any error
    the temporary folder is removed and ``out`` is left as it was.
    """
    out = Path(out)
    try:
        _recover(out)
    except OSError as exc:
        raise OutputError(f"{out}: cannot restore .{out.name}.old ({exc.strerror or exc})"
                          ) from None
    check_folder_target(out, force=force, inputs=inputs)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"{out}: cannot write ({exc.strerror or exc})") from None
    try:
        tmp.chmod(0o777 & ~_UMASK)  # mkdtemp makes 0700; a model or layer is meant to be shared
        (tmp / MARKER_FILE).write_text(MARKER_TEXT, encoding="utf-8")
        yield tmp
        check_folder_target(out, force=force, inputs=inputs)  # again: it may have changed
        if not exists(out):
            os.rename(tmp, out)
        elif _exchange(tmp, out):
            shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old folder
        else:
            old = out.with_name(f".{out.name}.old")
            os.rename(out, old)
            os.rename(tmp, out)  # a kill before this line is undone by _recover
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        # name the target, not the temporary folder the error happened in
        raise OutputError(f"{out}: cannot write ({exc.strerror or exc}); "
                          f"{'it was left as it was' if exists(out) else 'nothing was written'}"
                          ) from None
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
