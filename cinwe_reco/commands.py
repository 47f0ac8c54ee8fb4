"""What each ``cinwe-reco`` command does, as one library call per command.

The CLI parses its options into a :class:`Session` call and renders what comes back; every rule
lives here, so another application (a web questionnaire, a notebook) gets the same behaviour:
which inputs make a batch, which format an output file gets, how ``suggest`` assembles each
format, the rules of ``profile init`` without questions, which model and which training data
are used when none is given, and where the user's own data lives.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import resources
from .catalog import Catalog, load_catalogs
from .errors import (
    CinweError,
    EmptyBatchError,
    InputFileError,
    MissingOutError,
    OutputFormatError,
    UnknownNameError,
    UnknownTermError,
    did_you_mean,
)
from .hints import term_hint_text
from .i18n import pick_language
from .profile import Profile

FORMATS = ("table", "json", "markdown", "csv")
SHORTLIST_ROWS = 5  # tools per need that tables, markdown and CSV describe in full
# output file extensions and the format each one means
EXTENSIONS = {".json": "json", ".jsonl": "json", ".md": "markdown", ".markdown": "markdown",
              ".csv": "csv", ".txt": "table"}
SCHEMAS = {"profile": "profile.schema.json", "suggestions": "suggestions.schema.json"}

Progress = Callable[[int, int], None]


def is_batch(paths: Iterable[str | Path]) -> bool:
    """Several inputs, a folder or a JSONL file make a batch (scored in parallel, JSON lines)."""
    paths = [str(p) for p in paths]
    return len(paths) > 1 or any(Path(p).is_dir() or p.lower().endswith(".jsonl") for p in paths)


def output_format(fmt: str | None, out: str | Path | None, batch: bool) -> str:
    """The format to write: the one asked for; else the one the output file's extension says;
    else table (JSON lines for a batch). An extension that says another format than the one
    asked for is refused, so ``--out x.json`` never holds a table."""
    implied = EXTENSIONS.get(Path(out).suffix.lower()) if out else None
    if fmt and implied and implied != fmt:
        raise OutputFormatError(f"{out}: the extension says {implied}, but {fmt} was asked for",
                                str(out), fmt, implied)
    return fmt or implied or ("json" if batch else "table")


@dataclass
class SuggestOutput:
    """What ``suggest`` produced: the text to write, how many profiles were scored, the ones
    skipped with their error, and notes and warnings for standard error."""

    text: str
    fmt: str
    scored: int = 0
    skipped: list[tuple[str, CinweError]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ReportOutput:
    """What ``report`` produced: the page (one profile), the files written, the profiles
    skipped and the engine's warnings."""

    page: str = ""
    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, CinweError]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Place:
    """One place ``where`` reports."""

    what: str
    path: Path
    exists: bool


class Session:
    """The global options (catalog layers, model, language) and the commands' library calls."""

    def __init__(self, catalogs: Iterable[str | Path] = (), include_default: bool = True,
                 model: str | Path | None = None, lang: str | None = None) -> None:
        self.catalog_paths = [Path(c) for c in catalogs]
        self.include_default = include_default
        self.model = Path(model) if model else None
        self.lang = lang
        self._catalog: Catalog | None = None

    # ------------------------------------------------------------------ shared

    def catalog(self) -> Catalog:
        """The shipped catalog, then every layer in order (loaded once)."""
        if self._catalog is None:
            self._catalog = load_catalogs(self.catalog_paths,
                                          include_default=self.include_default)
        return self._catalog

    def model_dir(self) -> Path:
        """The model folder: the one given, ``$CINWE_RECO_MODEL``, the user's trained default,
        or the shipped default (in that order)."""
        return resources.model_dir(self.model)

    def language(self, profile: Profile | None = None) -> str:
        """The output language: the one given, else the profile's, else ``LANG``."""
        return pick_language(self.lang, profile.languages if profile is not None else ())

    def recommender(self) -> Any:
        from .recommender import Recommender

        return Recommender.load(model=self.model, catalog=self.catalog())

    # ------------------------------------------------------------------ catalog

    def catalog_tools(self, category: str | None = None) -> list[Any]:
        """The catalog's tools, or those of one category."""
        catalog = self.catalog()
        if category is None:
            return list(catalog)
        if category not in catalog.taxonomy.categories:
            hint = term_hint_text(catalog.taxonomy, ["categories"], category) or did_you_mean(
                category, catalog.taxonomy.categories)
            raise UnknownTermError(f"unknown category '{category}'{hint}")
        return catalog.in_category(category)

    def catalog_tool(self, text: str) -> Any:
        """One tool, by id, name or alias."""
        catalog = self.catalog()
        return catalog.get(catalog.resolve(text) or text)

    # ------------------------------------------------------------------ profiles

    def validate_profiles(self, paths: Iterable[str | Path]
                          ) -> list[tuple[str, Profile | CinweError]]:
        """Every profile of the inputs, validated: (source, Profile or its error, which lists
        every problem of that profile)."""
        from .profile import load_profiles

        return list(load_profiles(list(paths), self.catalog()))

    def init_profile(self, answers: dict[str, Any] | None = None, asker: Any = None,
                     defaults: dict[str, Any] | None = None) -> str:
        """The YAML of a new profile: asked through ``asker`` (each answer checked when
        given), or built from ``answers`` at once (``--no-input``)."""
        from .questionnaire import ask_profile, profile_from_answers, profile_text

        catalog = self.catalog()
        if asker is None:
            doc = profile_from_answers(answers or {}, catalog)
        else:
            doc = ask_profile(catalog, asker, defaults or {}, pick_language(self.lang))
        return profile_text(doc)

    # ------------------------------------------------------------------ suggest

    def suggest(self, paths: Iterable[str | Path], *, top: int | None = None,
                needs: Iterable[str] = (), fmt: str | None = None, out: str | Path | None = None,
                workers: int = 2, width: int = 80, progress: Progress | None = None
                ) -> SuggestOutput:
        """Rank the catalog for each profile and render every result in one format.

        ``top`` is how many suggestions a result lists (default 10) and how many tools of each
        need's shortlist the human formats describe (default ``SHORTLIST_ROWS``).

        A single profile's error is raised; in a batch, a broken profile is skipped and
        reported, and a batch without any profile is an error.
        """
        from .profile import load_profiles
        from .render import suggestions_csv, suggestions_markdown, suggestions_table

        paths = list(paths)
        batch = is_batch(paths)
        fmt = output_format(fmt, out, batch)
        # profiles first: a bad file is reported before the model is loaded
        items = list(load_profiles(paths, self.catalog()))
        if not batch and isinstance(items[0][1], CinweError):
            raise items[0][1]
        if all(isinstance(p, EmptyBatchError) for _, p in items):
            raise items[0][1]  # nothing to score at all
        rec = self.recommender()
        output = SuggestOutput("", fmt, warnings=list(rec.warnings))
        chunks: list[str] = []
        profiles = [p for _, p in items]
        rows = top or SHORTLIST_ROWS  # tools per need described in the human formats
        results = rec.suggest_many(profiles, top=top or 10, needs=list(needs) or None,
                                   workers=workers, shortlist_details=0 if fmt == "json" else rows)
        tax = self.catalog().taxonomy
        for done, ((source, profile), result) in enumerate(zip(items, results, strict=True), 1):
            if progress is not None:
                progress(done, len(items))
            if isinstance(result, CinweError):
                if not batch:
                    raise result
                output.skipped.append((source, result))
                continue
            lang = self.language(profile if isinstance(profile, Profile) else None)
            if fmt == "json":
                import json

                chunks.append(json.dumps(result.to_dict(), ensure_ascii=False,
                                         indent=None if batch else 2) + "\n")
                output.notes += [f"note ({result.client}): {n}" for n in result.notes]
            elif fmt == "csv":
                chunks.append(suggestions_csv(result, lang=lang, header=not chunks))
            elif fmt == "markdown":
                chunks.append(suggestions_markdown(result, rows, lang=lang, taxonomy=tax))
            else:
                chunks.append(suggestions_table(result, rows, lang=lang, width=width, taxonomy=tax)
                              + "\n")
        output.scored = len(chunks)
        output.text = ("" if fmt in ("json", "csv") else "\n").join(chunks)
        return output

    def report(self, paths: Iterable[str | Path], *, out: str | Path | None = None,
               lang: str | None = None, top: int = 3, force: bool = False, workers: int = 2
               ) -> ReportOutput:
        """The client report of each profile: one HTML page for a single profile (returned,
        or written to ``out``), one page per client into the folder ``out`` for a batch (a
        broken profile is skipped and reported). ``--out`` is checked before any scoring."""
        from .files import check_folder_target, check_writable
        from .profile import load_profiles
        from .report import render_report, write_reports

        paths = list(paths)
        batch = is_batch(paths)
        if batch and not out:
            raise MissingOutError("a batch writes one report per client into a folder")
        if out:
            if batch:
                check_folder_target(out, force=force, inputs=paths)
            else:
                check_writable(out, force)
        items = list(load_profiles(paths, self.catalog()))
        if not batch and isinstance(items[0][1], CinweError):
            raise items[0][1]
        if all(isinstance(p, EmptyBatchError) for _, p in items):
            raise items[0][1]
        rec = self.recommender()
        lang = lang or self.lang
        output = ReportOutput(warnings=list(rec.warnings))
        results = list(rec.suggest_many([p for _, p in items], workers=workers,
                                        shortlist_details=top))
        if not batch:
            if isinstance(results[0], CinweError):
                raise results[0]
            output.page = render_report(results[0], rec, lang, top=top)
            if out:
                from .files import atomic_write_text

                atomic_write_text(Path(out), output.page, force=force)
                output.written = [Path(out)]
            return output
        good = []
        for (source, _), result in zip(items, results, strict=True):
            if isinstance(result, CinweError):
                output.skipped.append((source, result))
            else:
                good.append(result)
        output.written = write_reports(good, rec, out, lang, top=top, force=force,
                                       inputs=paths)
        return output

    def import_layer(self, importer: str, source: str | Path, out: str | Path, *,
                     force: bool = False) -> Any:
        """Import a public data set (``webappanalyzer``, ``stackshare`` or
        ``awesome_selfhosted``) as a layer over this session's catalog, written to ``out``
        (checked first; never a folder holding the source or a catalog layer)."""
        from importlib import import_module

        from .files import check_folder_target

        module = import_module(f".importers.{importer}", __package__)
        inputs = [source, *self.catalog_paths]
        check_folder_target(out, force=force, inputs=inputs)
        return module.run(Path(source), Path(out), self.catalog(), force=force, inputs=inputs)

    def explain(self, profile: str | Path, tool: str) -> tuple[Any, str, list[str]]:
        """The explanation of one tool for one profile, the language to say it in, and the
        warnings of the model loading."""
        from .profile import load_profile

        loaded = load_profile(profile, self.catalog())
        rec = self.recommender()
        result = rec.explain(loaded, tool)
        return result, self.language(loaded), rec.warnings

    # ------------------------------------------------------------------ learning

    def feedback_add(self, profile: str | Path, tool: str, outcome: str,
                     need: str | None = None, data: str | Path | None = None,
                     on_repair: Any = None) -> tuple[dict[str, Any], Path]:
        """Record one outcome (with the version of the model in use) in the training folder
        (default: the user's data folder); returns the record and the file it went to."""
        from .feedback import append_record, feedback_record
        from .profile import load_profile
        from .ranker import model_version

        catalog = self.catalog()
        loaded = load_profile(profile, catalog)
        record = feedback_record(loaded, tool, outcome, catalog, model_version(self.model_dir()),
                                 need)
        folder = Path(data) if data else resources.user_training_dir()
        return record, append_record(folder, record, on_repair=on_repair)

    def training_sources(self) -> list[Place]:
        """What ``train`` learns from when no folder is given."""
        shipped = resources.shipped_training_dir()
        mine = resources.user_training_dir() / "feedback" / "outcomes.jsonl"
        return [Place("shipped training data (expert judgments; simulated data in a checkout)",
                      shipped, shipped.is_dir()),
                Place("your recorded outcomes (cinwe-reco feedback add)", mine, mine.is_file())]

    @contextmanager
    def training_folder(self, data: str | Path | None) -> Iterator[Path]:
        """The training folder to use: the one given; else a temporary folder that joins the
        shipped training data and the user's recorded outcomes (removed afterwards)."""
        if data:
            yield Path(data)
            return
        with tempfile.TemporaryDirectory(prefix="cinwe-reco-training-") as tmp:
            root = Path(tmp) / "data"
            shipped = resources.shipped_training_dir()
            if shipped.is_dir():
                shutil.copytree(shipped, root)
            root.mkdir(exist_ok=True)
            mine = resources.user_training_dir() / "feedback"
            if mine.is_dir():
                shutil.copytree(mine, root / "feedback", dirs_exist_ok=True)
            yield root

    def default_model_out(self) -> Path:
        """Where ``train`` writes without ``--out``: the user's default model (used from then
        on instead of the shipped one)."""
        return resources.user_models_dir() / resources.DEFAULT_MODEL_NAME

    def train(self, data: str | Path | None = None, out: str | Path | None = None, *,
              seed: int = 0, rounds: int = 400, force: bool = False,
              progress: Callable[[str, int, int], None] | None = None,
              trainer: Callable[..., dict[str, Any]] | None = None) -> dict[str, Any]:
        """Train a model and write its folder; returns the metadata (with ``out`` and
        ``data`` saying where). ``trainer`` replaces ``train.train_model`` (same signature:
        the Dask engine's)."""
        from .files import refuse_existing
        from .train import train_model

        target = Path(out) if out else self.default_model_out()
        refuse_existing(target, force)
        with self.training_folder(data) as folder:
            self._require_folder(folder)
            meta = (trainer or train_model)(folder, target, self.catalog(), seed=seed,
                                            force=force, n_estimators=rounds,
                                            progress=progress)
        meta["out"] = str(target)
        return meta

    def evaluate(self, model: str | Path | None = None, data: str | Path | None = None
                 ) -> dict[str, Any]:
        """Evaluate a model (default: the one in use) on a training folder (default: the
        shipped data, with the frozen expert test set)."""
        from .evaluate import evaluate_model

        folder = Path(data) if data else resources.shipped_training_dir()
        self._require_folder(folder)
        model_dir = Path(model) if model else self.model_dir()
        result = evaluate_model(model_dir, folder, self.catalog())
        result["data_dir"] = str(folder)
        result["model_dir"] = str(model_dir)
        return result

    @staticmethod
    def _require_folder(folder: Path) -> None:
        if not folder.is_dir():
            raise InputFileError(
                f"{folder}: no such training data folder (a training folder holds expert/, "
                "simulated/ and feedback/; see training/README.md in the repository)")

    # ------------------------------------------------------------------ where, examples, schemas

    def where(self) -> list[Place]:
        """The folders and files the tool reads and writes."""
        data = resources.user_data_dir()
        places = [
            Place("your data folder", data, data.is_dir()),
            Place("your recorded outcomes", resources.user_training_dir() / "feedback"
                  / "outcomes.jsonl",
                  (resources.user_training_dir() / "feedback" / "outcomes.jsonl").is_file()),
            Place("your trained models", resources.user_models_dir(),
                  resources.user_models_dir().is_dir()),
            Place("model in use", self.model_dir(), self.model_dir().is_dir()),
            Place("shipped catalog", resources.shipped_catalog_dir(),
                  resources.shipped_catalog_dir().is_dir()),
            Place("shipped training data", resources.shipped_training_dir(),
                  resources.shipped_training_dir().is_dir()),
            Place("shipped examples", resources.shipped_examples_dir(),
                  resources.shipped_examples_dir().is_dir()),
        ]
        places += [Place("catalog layer", p, p.exists()) for p in self.catalog_paths]
        return places


def examples() -> list[tuple[str, str]]:
    """The shipped example profiles: (name, first line of their description)."""
    out = []
    for path in sorted(resources.shipped_examples_dir().glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[:1]
        about = first[0].lstrip("# ").strip() if first and first[0].startswith("#") else ""
        out.append((path.stem, about))
    return out


def example_text(name: str) -> str:
    """The text of one shipped example (``name`` with or without ``.yaml``)."""
    stem = name[:-5] if name.endswith(".yaml") else name
    names = [n for n, _ in examples()]
    if stem not in names:
        raise UnknownNameError(f"no example named '{name}'{did_you_mean(stem, names)}")
    return (resources.shipped_examples_dir() / f"{stem}.yaml").read_text(encoding="utf-8")


def schema_text(name: str) -> str:
    """The JSON Schema ``profile`` or ``suggestions`` shipped in the package."""
    if name not in SCHEMAS:
        raise UnknownNameError(f"no schema named '{name}'; expected one of "
                               f"{', '.join(SCHEMAS)}{did_you_mean(name, SCHEMAS)}")
    return (resources.schemas_dir() / SCHEMAS[name]).read_text(encoding="utf-8")
