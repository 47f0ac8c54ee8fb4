"""Domain errors of cinwe-reco.

The library raises these; only ``cli.py`` turns them into click errors (exit code 2 for bad input,
1 for internal failures). Each message is one line that names the file, the field, what was
expected and, where one is close, the value that was probably meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class CinweError(Exception):
    """Base class: an error the user can fix (bad input). The CLI exits with code 2."""

    exit_code = 2


class InputFileError(CinweError):
    """A file cannot be read: missing, too large, not UTF-8, not YAML/JSON."""


class ProfileError(CinweError):
    """A client profile breaks the schema ``cinwe-reco/profile@1``.

    ``problems`` holds every problem found in the profile (file, field, expectation, hint);
    the message is the only problem, or a count when there are several.
    """

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class AnswerError(ProfileError):
    """An answer to the questionnaire (or an option of ``profile init --no-input``) is missing
    or invalid; ``field`` names the profile field it is for."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class EmptyBatchError(InputFileError):
    """A folder or JSONL file that holds no profile at all."""


class OutputFormatError(CinweError):
    """An output file name whose extension says another format than the one asked for."""

    def __init__(self, message: str, path: str = "", wanted: str = "", found: str = "") -> None:
        super().__init__(message)
        self.path, self.wanted, self.found = path, wanted, found


class UnknownNameError(CinweError):
    """A name of something the package ships (an example, a schema) that it does not ship."""


class UnknownTermError(CinweError):
    """A taxonomy id (category, capability, sector, goal) that the taxonomy does not define."""


class CatalogError(CinweError):
    """The catalog or its taxonomy cannot be loaded, or breaks the entry schema."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class NoCatalogError(CatalogError):
    """No catalog layer was given and the shipped catalog was left out."""


class UnknownToolError(CinweError):
    """A tool id or name that is not in the catalog."""


class UnknownNeedError(CinweError):
    """A need id that is neither a capability nor a category of the taxonomy."""


class TrainingDataError(CinweError):
    """Training data (profiles, judgments, outcomes) that cannot be used."""


class ModelError(CinweError):
    """A model folder is missing, damaged, or built for another feature schema."""


class ReportError(CinweError):
    """The client report was asked for something it cannot do (an unknown language...)."""


class MissingOutError(CinweError):
    """A command that writes several files was given no folder to write them into."""


class OutputExistsError(CinweError):
    """Refusing to overwrite a file or folder the user owns. ``replaceable`` says whether
    asking again with force would replace it (the CLI then names its ``--force`` option);
    ``wrong_target`` that another output path is needed (the CLI names ``--out``)."""

    def __init__(self, message: str, *, replaceable: bool = False,
                 wrong_target: bool = False) -> None:
        super().__init__(message)
        self.replaceable = replaceable
        self.wrong_target = wrong_target


class OutputError(CinweError):
    """An output cannot be written (permissions, a full disk); the message names the target."""


def printable(text: object, limit: int = 80) -> str:
    """``text`` safe for one line of a terminal: control characters escaped, long text cut."""
    raw = str(text)
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw)
    return out if len(out) <= limit else out[: limit - 3] + "..."


class Problem:
    """One validation problem: where it is and what was expected."""

    __slots__ = ("file", "entry", "field", "message")

    def __init__(self, file: str, entry: str | None, field: str | None, message: str) -> None:
        self.file = file
        self.entry = entry
        self.field = field
        self.message = message

    def __str__(self) -> str:
        where = self.file
        if self.entry:
            where += f": {printable(self.entry)}"
        if self.field:
            where += f": {printable(self.field)}"
        return f"{where}: {printable(self.message, 400)}"

    def __repr__(self) -> str:
        return f"Problem({str(self)!r})"


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice closest to ``word`` (case-insensitive), or None when nothing is close."""
    lowered = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(str(word).lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` when a choice is close, else an empty string."""
    guess = closest(word, choices)
    return f"; did you mean '{guess}'?" if guess else ""


def show_value(value: object) -> str:
    """A short, readable description of a bad value for an error message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, str):
        if any(not c.isprintable() for c in value):
            return f"{printable(value, 40)!r} (it holds a tab, line break or control character)"
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, int | float):
        return repr(value) if len(repr(value)) <= 40 else "a huge number"
    if isinstance(value, list | tuple):
        return "an empty list" if not value else f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an empty mapping" if not value else "a mapping"
    return type(value).__name__
