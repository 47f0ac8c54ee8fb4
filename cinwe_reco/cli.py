"""The ``cinwe-reco`` command line: a thin layer over the library.

Each command parses its arguments, makes one library call (``commands.Session``) and renders
the result. Library errors become one line on standard error per problem and exit code 2; the
CLI adds the names of its options to the library's messages where one is to blame. A closed
pipe (``cinwe-reco catalog list | head``) ends quietly with exit code 0.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from ._version import __version__
from .errors import (
    AnswerError,
    CatalogError,
    CinweError,
    MissingOutError,
    NoCatalogError,
    OutputExistsError,
    OutputFormatError,
    ProfileError,
)

FORMATS = ("table", "json", "markdown", "csv")
# profile fields and the ``profile init`` options that give them
INIT_OPTIONS = {"client": "--client", "needs": "--need", "goals": "--goal",
                "sector": "--sector", "country": "--country", "languages": "--languages",
                "employees": "--employees", "current_stack": "--stack", "exclude": "--exclude"}


class Settings:
    """The global options, holding the library session they configure."""

    def __init__(self, session: Any) -> None:
        self.session = session


pass_settings = click.make_pass_decorator(Settings)


class Failure(click.ClickException):
    """Lines on standard error, with the exit code the SPEC gives (2 bad input, 1 internal)."""

    def __init__(self, message: str, exit_code: int, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.details = details or []

    def show(self, file: Any = None) -> None:
        for line in self.details:
            click.echo(line, err=True)
        click.echo(f"error: {self.message}", err=True)


def _quiet_closed_pipe() -> None:
    """After a closed pipe: send what Python still flushes at exit to /dev/null."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout (CliRunner)
        pass


def _failure(exc: CinweError) -> Failure:
    """A library error as the CLI says it: every problem of a profile or catalog on its own
    line, and the option to blame where one is."""
    message = str(exc)
    details: list[str] = []
    if isinstance(exc, AnswerError):
        flag = INIT_OPTIONS.get(exc.field)
        if flag:
            message = f"{flag}: {message.removeprefix(exc.field + ': ')}"
    elif isinstance(exc, ProfileError | CatalogError) and len(exc.problems) > 1:
        details = [str(p) for p in exc.problems]
    elif isinstance(exc, OutputFormatError):
        message = (f"--out {exc.path}: the extension says {exc.found}, but --format {exc.wanted} "
                   f"was given; drop --format or name the file for {exc.wanted}")
    elif isinstance(exc, OutputExistsError) and exc.replaceable:
        message += "; use --force to replace it"
    elif isinstance(exc, OutputExistsError) and exc.wrong_target:
        message += "; choose another --out"
    elif isinstance(exc, MissingOutError):
        message = f"--out: {message}; give a folder to write them into"
    elif isinstance(exc, NoCatalogError):
        message += ": give --catalog PATH, or drop --no-default-catalog"
    return Failure(message, exc.exit_code, details)


class Group(click.Group):
    """Turns library errors into Failure, so CliRunner and the real script behave the same."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # the reader went away (| head): not an error
            _quiet_closed_pipe()
            raise click.exceptions.Exit(0) from None
        except CinweError as exc:
            raise _failure(exc) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise Failure(f"{where}{exc.strerror or exc}", 2) from None
        except Exception as exc:
            if os.environ.get("CINWE_RECO_DEBUG"):
                raise
            raise Failure(f"internal error: {type(exc).__name__}: {exc} "
                          "(set CINWE_RECO_DEBUG=1 for details)", 1) from None


def _width() -> int:
    """The table width: the terminal's when wider than 80 columns, else 80."""
    if "COLUMNS" in os.environ or sys.stdout.isatty():
        return max(80, shutil.get_terminal_size((80, 24)).columns)
    return 80


def _echo_warnings(warnings: list[str], lang: str = "en") -> None:
    from .i18n import say, translate

    for w in warnings:
        click.echo(f"{say('table.warning', lang)} {translate(w, lang)}", err=True)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"],
                                          "max_content_width": 100})
@click.option("--catalog", "catalogs", metavar="PATH", type=click.Path(), multiple=True,
              help="A catalog layer (folder or file) over the shipped catalog; repeatable, "
                   "later layers on top [default: $CINWE_RECO_CATALOG, paths separated by "
                   f"'{os.pathsep}'].")
@click.option("--no-default-catalog", is_flag=True,
              help="Do not start from the shipped catalog: only the --catalog layers.")
@click.option("--model", "model", envvar="CINWE_RECO_MODEL", metavar="PATH",
              type=click.Path(), help="Model folder (default: the one you trained, else the "
                                      "shipped one; see `cinwe-reco where`).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None,
              help="Language of tables, markdown, CSV headers, explain and profile init "
                   "[default: the profile's languages, else LANG].")
@click.version_option(__version__, prog_name="cinwe-reco")
@click.pass_context
def cli(ctx: click.Context, catalogs: tuple[str, ...], no_default_catalog: bool,
        model: str | None, lang: str | None) -> None:
    """Rank real martech tools for an SME client profile, and say why.

    \b
    Examples:
        cinwe-reco examples boulangerie-lemoine --out client.yaml
        cinwe-reco suggest client.yaml
        cinwe-reco --lang en suggest client.yaml
    """
    from .commands import Session
    from .resources import catalog_layers_from_env

    # CINWE_RECO_CATALOG holds paths separated by os.pathsep, like PATH
    ctx.obj = Settings(Session(catalogs or catalog_layers_from_env(), not no_default_catalog,
                               model, lang))


# --------------------------------------------------------------------------- catalog


@cli.group("catalog")
def catalog_group() -> None:
    """Check, list, show and search the martech catalog.

    \b
    Example:
        cinwe-reco catalog search emailing
    """


@catalog_group.command("validate")
@pass_settings
def catalog_validate(settings: Settings) -> None:
    """Check every catalog entry and report every problem at once (exit 2 if any).

    \b
    Example:
        cinwe-reco catalog validate
    """
    from .catalog import validate_catalogs

    s = settings.session
    catalog, problems = validate_catalogs(s.catalog_paths, include_default=s.include_default)
    if problems:
        raise Failure(f"{len(problems)} problem(s) found in the catalog", 2,
                      [str(p) for p in problems])
    categories = {c for t in catalog for c in t.categories}
    imported = sum(t.status == "imported" for t in catalog)
    click.echo(f"catalog OK: {len(catalog)} tools in {len(categories)} categories"
               + (f", {imported} imported and unreviewed" if imported else "")
               + f" ({catalog.source})")


@catalog_group.command("list")
@click.option("--category", metavar="ID", help="Only tools of this category.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@pass_settings
def catalog_list(settings: Settings, category: str | None, fmt: str) -> None:
    """List the catalog's tools, optionally of one category.

    \b
    Examples:
        cinwe-reco catalog list --category crm
        cinwe-reco catalog list --format json
    """
    from .errors import UnknownTermError

    try:
        tools = settings.session.catalog_tools(category)
    except UnknownTermError as exc:
        raise Failure(f"--category: {exc}", exc.exit_code) from None
    if fmt == "json":
        click.echo(json.dumps([t.to_dict() for t in tools], ensure_ascii=False, indent=2))
        return
    from .render import tool_rows

    click.echo(tool_rows(tools, _width()))
    click.echo(f"{len(tools)} tools")


@catalog_group.command("show")
@click.argument("tool")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_settings
def catalog_show(settings: Settings, tool: str, fmt: str) -> None:
    """Show every fact of one tool (an id, a product name or a former name).

    \b
    Examples:
        cinwe-reco catalog show brevo
        cinwe-reco catalog show Sendinblue --format json
    """
    entry = settings.session.catalog_tool(tool)
    if fmt == "json":
        click.echo(json.dumps(entry.to_dict(), ensure_ascii=False, indent=2))
        return
    from .render import tool_card

    click.echo(tool_card(entry, settings.session.catalog(), _width()))


@catalog_group.command("search")
@click.argument("text", nargs=-1, required=True)
@pass_settings
def catalog_search(settings: Settings, text: tuple[str, ...]) -> None:
    """Find tools by name, former name, capability (English or French), vendor or
    description; the best matches first.

    \b
    Example:
        cinwe-reco catalog search prise de rendez-vous
    """
    from .render import tool_rows

    found = settings.session.catalog().search(" ".join(text))
    if not found:
        click.echo(f"no tool matches '{' '.join(text)}'")
        return
    click.echo(tool_rows(found, _width()))
    click.echo(f"{len(found)} tools")


@catalog_group.group("import")
def catalog_import() -> None:
    """Import public data sets as catalog layers (entries marked imported, unreviewed).

    \b
    Example:
        cinwe-reco catalog import webappanalyzer --help
    """


@catalog_import.command("webappanalyzer")
@click.argument("folder", type=click.Path())
@click.option("--out", required=True, type=click.Path(), help="Layer folder to write.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@pass_settings
def import_webappanalyzer(settings: Settings, folder: str, out: str, force: bool) -> None:
    """Turn a Wappalyzer-format folder (technologies/*.json, categories.json) into a layer.

    Marketing-relevant technologies become imported entries; those matching a catalog entry by
    name or website domain only add their source to it. Use the layer with --catalog OUT.
    FOLDER is a copy of the public webappanalyzer data set (it is not shipped).

    \b
    Example:
        cinwe-reco catalog import webappanalyzer --help
    """
    report = settings.session.import_layer("webappanalyzer", folder, out, force=force)
    click.echo(report.summary())
    click.echo(f"wrote {out}")


@catalog_import.command("stackshare")
@click.argument("csv_file", metavar="CSV", type=click.Path())
@click.option("--out", required=True, type=click.Path(), help="Layer folder to write.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@pass_settings
def import_stackshare(settings: Settings, csv_file: str, out: str, force: bool) -> None:
    """Attach StackShare popularity (stack_count, log-scaled) to matching catalog entries.

    Matches the catalog given by the global --catalog layers (curated and imported), by name or
    StackShare slug, and writes a patch layer. Reports the match rate. CSV is a copy of the
    public StackShare data set (it is not shipped).

    \b
    Example:
        cinwe-reco catalog import stackshare --help
    """
    report = settings.session.import_layer("stackshare", csv_file, out, force=force)
    click.echo(report.summary())
    click.echo(f"wrote {out}")


@catalog_import.command("awesome-selfhosted")
@click.argument("folder", type=click.Path())
@click.option("--out", required=True, type=click.Path(), help="Layer folder to write.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@pass_settings
def import_awesome_selfhosted(settings: Settings, folder: str, out: str, force: bool) -> None:
    """Turn the awesome-selfhosted data set (software/*.yml) into a layer of open-source,
    self-hostable tools; archived and inactive projects are skipped and counted.

    FOLDER is a copy of the public awesome-selfhosted-data set (it is not shipped), e.g.
    `cinwe-reco catalog import awesome-selfhosted awesome-selfhosted-data --out selfhosted/`.

    \b
    Example:
        cinwe-reco catalog import awesome-selfhosted --help
    """
    report = settings.session.import_layer("awesome_selfhosted", folder, out, force=force)
    click.echo(report.summary())
    click.echo(f"wrote {out}")


@catalog_group.command("stats")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@pass_settings
def catalog_stats_command(settings: Settings, fmt: str) -> None:
    """Coverage report: entries per category and capability (core/solid/basic), shares with
    contact tiers, presence and a French interface, vendor countries.

    \b
    Example:
        cinwe-reco catalog stats
    """
    from .catalog.stats import catalog_stats, stats_text

    stats = catalog_stats(settings.session.catalog())
    click.echo(json.dumps(stats, indent=2) if fmt == "json" else stats_text(stats))


# --------------------------------------------------------------------------- profile


@cli.group("profile")
def profile_group() -> None:
    """Write and check client profiles.

    \b
    Example:
        cinwe-reco examples maison-lavande --out client.yaml
        cinwe-reco profile validate client.yaml
    """


@profile_group.command("validate")
@click.argument("profiles", nargs=-1, required=True, type=click.Path())
@pass_settings
def profile_validate(settings: Settings, profiles: tuple[str, ...]) -> None:
    """Check profiles (files, folders or JSONL batches) and report every problem of each,
    with the value probably meant; exit 2 if any is invalid.

    \b
    Examples:
        cinwe-reco examples --all --out clients/
        cinwe-reco profile validate clients/
    """
    bad = good = 0
    for source, result in settings.session.validate_profiles(profiles):
        if isinstance(result, CinweError):
            bad += 1
            problems = getattr(result, "problems", None) or [result]
            for problem in problems:
                click.echo(f"invalid: {problem}", err=True)
        else:
            good += 1
            click.echo(f"ok: {source} ({result.client})")
    if bad:
        raise Failure(f"{bad} invalid profile(s), {good} valid", 2)


class _ClickAsker:
    """The questionnaire's Asker, with click prompts."""

    def ask(self, prompt: str, default: str | None) -> str:
        return click.prompt(prompt, default=default if default is not None else "",
                            show_default=bool(default), err=True)

    def tell(self, text: str) -> None:
        click.echo(text, err=True)


@profile_group.command("init")
@click.option("--out", type=click.Path(), help="Write the profile here (default: print it).")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option("--no-input", is_flag=True, help="Do not ask; take the answers from the options.")
@click.option("--client", help="Business name.")
@click.option("--country", default=None, help="ISO country code [default: FR].")
@click.option("--languages", default=None, help="Comma-separated ISO codes [default: fr].")
@click.option("--sector", help="Sector id or name.")
@click.option("--business-model", type=click.Choice(["b2b", "b2c", "mixed"]))
@click.option("--employees", type=click.IntRange(0, 1_000_000))
@click.option("--users", type=click.IntRange(1, 100_000))
@click.option("--contacts", type=click.IntRange(0, 1_000_000_000))
@click.option("--budget", "budget_eur_month", type=click.FloatRange(0, 10_000_000),
              help="Monthly budget for new tools, EUR.")
@click.option("--maturity", "digital_maturity", type=click.IntRange(1, 5))
@click.option("--skill", "tech_skill", type=click.IntRange(1, 5))
@click.option("--stack", "current_stack", default="", help="Comma-separated tool ids or names.")
@click.option("--other-tools", default="", help="Comma-separated free text.")
@click.option("--need", "needs", multiple=True, metavar="ID[:PRIORITY]",
              help="A capability or category (id or name), e.g. email-campaigns:must "
                   "(repeatable).")
@click.option("--goal", "goals", multiple=True, metavar="ID", help="A goal id (repeatable).")
@click.option("--budget-mode", type=click.Choice(["strict", "flexible"]), default=None)
@click.option("--eu-hosting", type=click.Choice(["required", "preferred", "any"]), default=None)
@click.option("--open-source", type=click.Choice(["required", "preferred", "any"]),
              default=None)
@click.option("--language", type=click.Choice(["required", "preferred", "any"]), default=None)
@click.option("--exclude", default="", help="Comma-separated tool ids or names.")
@pass_settings
def profile_init(settings: Settings, out: str | None, force: bool, no_input: bool,
                 **answers: Any) -> None:
    """Write a new client profile by answering a short questionnaire.

    Each answer is checked when it is given and asked again if wrong; needs, sectors and goals
    are offered as numbered lists (English or French names work too). With --no-input, the
    answers come from the options (for scripts).

    \b
    Example:
        cinwe-reco profile init --no-input --client "Boulangerie Dupont" --sector food-retail \\
            --employees 6 --budget 80 --need email-campaigns:must --need reviews:nice \\
            --out client.yaml
    """
    from .files import check_writable

    if out:
        check_writable(out, force)
    answers["needs"] = list(answers["needs"])
    answers["goals"] = list(answers["goals"])
    session = settings.session
    if no_input:
        text = session.init_profile(answers)
    else:
        defaults = {k: v for k, v in answers.items() if v not in (None, "", [])}
        text = session.init_profile(asker=_ClickAsker(), defaults=defaults)
    _emit_text(text, out, force)


def _emit_text(text: str, out: str | None, force: bool) -> None:
    """``text`` to the file ``out`` (said on stderr), or to stdout without one."""
    if out:
        from .files import atomic_write_text

        atomic_write_text(Path(out), text, force=force)
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)


# --------------------------------------------------------------------------- suggest


@cli.command("suggest")
@click.argument("profiles", nargs=-1, required=True, type=click.Path())
@click.option("--top", type=click.IntRange(1, 100), default=None,
              help="How many suggestions to list (JSON: default 10), and how many tools of "
                   "each need's shortlist the table, markdown and CSV describe (default 5).")
@click.option("--need", "needs", multiple=True, metavar="ID",
              help="Only this need (a need of the profile, or any capability or category id); "
                   "repeatable.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format [default: from the --out extension (.json, .jsonl, .md, "
                   ".csv, .txt), else table; json lines for a batch].")
@click.option("--out", type=click.Path(), help="Write the output to this file (atomically).")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Profiles scored in parallel in a batch (with --engine dask: the workers "
                   "of the local cluster).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="dask: score partitions on a Dask cluster and write "
                                      "part files to the --out folder.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler (with --engine dask; default: a local cluster).")
@click.option("--out-format", type=click.Choice(["jsonl", "parquet"]), default="jsonl",
              show_default=True, help="Part files of --engine dask.")
@click.option("--partition-rows", type=click.IntRange(1, 10_000_000), default=2000,
              show_default=True, help="Profiles per partition with --engine dask.")
@pass_settings
def suggest(settings: Settings, profiles: tuple[str, ...], top: int, needs: tuple[str, ...],
            fmt: str | None, out: str | None, force: bool, workers: int, engine: str,
            scheduler: str | None, out_format: str, partition_rows: int) -> None:
    """Rank the catalog for client profiles: shortlists per need, reasons, and a stack.

    PROFILE is a YAML or JSON file; several files, a folder or a JSONL file make a batch,
    scored in parallel and written as JSON lines (one broken profile is reported and skipped;
    a batch without any profile is an error).

    \b
    Examples:
        cinwe-reco examples boulangerie-lemoine --out client.yaml
        cinwe-reco suggest client.yaml
        cinwe-reco suggest client.yaml --format json --top 5
        cinwe-reco suggest client.yaml --out client.md
        cinwe-reco examples --all --out clients/
        cinwe-reco suggest clients/ --out suggestions.jsonl
        cinwe-reco suggest clients/ --engine dask --out suggestions/
    """
    if engine == "dask":
        from .dask_engine.commands import suggest_command

        return suggest_command(settings.session, profiles, out=out, force=force, top=top or 10,
                               needs=needs, fmt=fmt, out_format=out_format,
                               scheduler=scheduler, workers=workers, rows=partition_rows)
    if scheduler:
        raise CinweError("--scheduler: only with --engine dask")
    from .files import atomic_write_text, check_writable

    if out:
        check_writable(out, force)  # before the scoring: a bad --out fails in a second
    session = settings.session
    state: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        if total < 2:
            return
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label="scoring", file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(1)

    try:
        result = session.suggest(profiles, top=top, needs=needs, fmt=fmt, out=out,
                                 workers=workers, width=_width(), progress=progress)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    # notes and skipped profiles after the progress bar, never inside it
    _echo_warnings(result.warnings)
    for line in result.notes:
        click.echo(line, err=True)
    for source, error in result.skipped:
        click.echo(f"skipped {source}: {error}", err=True)
        problems = getattr(error, "problems", [])
        for problem in problems if len(problems) > 1 else []:
            click.echo(f"  {problem}", err=True)
    if out:
        atomic_write_text(Path(out), result.text, force=force)
        click.echo(f"wrote {out} ({result.fmt}, {result.scored} profile(s))", err=True)
    else:
        click.echo(result.text, nl=False)
    if result.skipped:
        if not result.scored:
            raise Failure(f"no profile scored ({len(result.skipped)} skipped)", 2)
        raise Failure(f"{len(result.skipped)} profile(s) skipped, {result.scored} scored", 2)


@cli.command("explain")
@click.argument("profile", type=click.Path())
@click.argument("tool")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_settings
def explain(settings: Settings, profile: str, tool: str, fmt: str) -> None:
    """Why does TOOL rank where it does for this client, or why is it not suggested?

    \b
    Examples:
        cinwe-reco examples boulangerie-lemoine --out client.yaml
        cinwe-reco explain client.yaml mailchimp
        cinwe-reco --lang en explain client.yaml trustpilot
    """
    from .render import explanation_text

    result, lang, warnings = settings.session.explain(profile, tool)
    _echo_warnings(warnings, lang)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(explanation_text(result, lang=lang,
                                    taxonomy=settings.session.catalog().taxonomy,
                                    width=_width()))


@cli.command("report")
@click.argument("profiles", nargs=-1, required=True, type=click.Path())
@click.option("--out", type=click.Path(),
              help="The HTML file to write (default: print it); for a batch, the folder to "
                   "write one report per client into (required).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None,
              help="The report's language [default: the profile's first language when it is "
                   "French or English, else English].")
@click.option("--top", type=click.IntRange(1, 10), default=3, show_default=True,
              help="Tools per need described in full (the rest of each shortlist is named).")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Profiles scored in parallel in a batch.")
@pass_settings
def report(settings: Settings, profiles: tuple[str, ...], out: str | None, lang: str | None,
           top: int, force: bool, workers: int) -> None:
    """Write the client report: one self-contained HTML page (charts inline, nothing loaded
    from the network) to send to the client, in French or English, that prints well on A4.

    PROFILE is a YAML or JSON file; several files, a folder or a JSONL file make a batch,
    written as one report per client into the --out folder (one broken profile is reported
    and skipped).

    \b
    Examples:
        cinwe-reco examples boulangerie-lemoine --out client.yaml
        cinwe-reco report client.yaml --out client.html
        cinwe-reco report client.yaml --lang en --top 2 --out client-en.html
        cinwe-reco examples --all --out clients/
        cinwe-reco report clients/ --out reports/
    """
    result = settings.session.report(profiles, out=out, lang=lang, top=top, force=force,
                                     workers=workers)
    _echo_warnings(result.warnings)
    for source, error in result.skipped:
        click.echo(f"skipped {source}: {error}", err=True)
    if not out:
        click.echo(result.page, nl=False)
        return
    click.echo(f"wrote {out} ({len(result.written)} report(s))", err=True)
    if result.skipped:
        raise Failure(f"{len(result.skipped)} profile(s) skipped, {len(result.written)} "
                      "report(s) written", 2)


# --------------------------------------------------------------------------- training


@cli.command("train")
@click.option("--data", "data_dir", type=click.Path(), default=None,
              help="Training data folder [default: the shipped training data and your recorded "
                   "outcomes].")
@click.option("--out", type=click.Path(), default=None,
              help="Model folder to write [default: models/default in your data folder, used "
                   "from then on].")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--rounds", type=click.IntRange(10, 10_000), default=400, show_default=True,
              help="Boosting rounds at most (early stopping picks the best).")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="dask: build the training groups on a Dask cluster and "
                                      "train with lightgbm.dask.DaskLGBMRanker.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler (with --engine dask; default: a local cluster of 2 workers).")
@pass_settings
def train(settings: Settings, data_dir: str | None, out: str | None, seed: int, rounds: int,
          force: bool, engine: str, scheduler: str | None) -> None:
    """Train the LambdaRank model and write a model folder.

    Without --data, it learns from the training data shipped with cinwe-reco (expert
    judgments and simulated profiles) and the outcomes you recorded with `feedback add`;
    `cinwe-reco where` shows these places. `--engine dask` builds the training groups on a
    Dask cluster and trains with lightgbm.dask.DaskLGBMRanker.

    \b
    Example:
        cinwe-reco train --rounds 10 --out my-model
    """
    from .evaluate import metrics_table
    from .files import check_folder_target
    from .train import metric_changes

    session = settings.session
    if out is not None:
        check_folder_target(out, force=force, inputs=[data_dir] if data_dir else [])
    trainer = None
    if engine == "dask":
        from .dask_engine.commands import dask_trainer

        trainer = dask_trainer(session, scheduler)  # train_model's signature, on the cluster
    elif scheduler:
        raise CinweError("--scheduler: only with --engine dask")
    if data_dir is None:
        for place in session.training_sources():
            status = "" if place.exists else " (none yet)"
            click.echo(f"training data: {place.what}: {place.path}{status}", err=True)
    state: dict[str, Any] = {}

    def progress(stage: str, i: int, n: int) -> None:
        if stage != "training":
            click.echo(f"{stage}...", err=True)
            return
        if "bar" not in state:
            state["bar"] = click.progressbar(length=n, label="training", file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(1)

    try:
        meta = session.train(data_dir, out, seed=seed, rounds=rounds, force=force,
                             progress=progress, trainer=trainer)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    for problem in meta.get("problems", []):
        click.echo(f"not used: {problem}", err=True)
    click.echo(f"wrote {meta['out']} (best iteration {meta['best_iteration']}, "
               f"{meta['data']['train_pairs']:,} training pairs)")
    click.echo(metrics_table(meta["metrics"]))
    changes = metric_changes(meta)
    if changes:
        click.echo("change against the replaced model:")
        for line in changes:
            click.echo(f"  {line}")


@cli.command("evaluate")
@click.option("--model", "model_dir", type=click.Path(), default=None,
              help="Model folder (default: the global --model, or the model in use).")
@click.option("--data", "data_dir", type=click.Path(), default=None,
              help="Training data folder with the expert test set [default: the shipped one].")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@pass_settings
def evaluate(settings: Settings, model_dir: str | None, data_dir: str | None, fmt: str) -> None:
    """Compare the model with the rule-based and presence baselines.

    Per need, on the frozen expert test set: NDCG@5 and @10 of the shortlists (by_need), and
    the shares of unjudged and of side-module (basic) tools in their top 5. Also NDCG, MAP and
    recall on held-out simulated groups and on the expert groups' judged tools.

    \b
    Examples:
        cinwe-reco train --rounds 10 --out my-model
        cinwe-reco evaluate --model my-model --format json
    """
    from .evaluate import metrics_table

    result = settings.session.evaluate(model_dir, data_dir)
    if fmt == "json":
        # the v1 shape {"model": {...}, "baselines": {...}} per set, plus the per-need figures
        out: dict[str, Any] = {k: {"model": result[k]["model"],
                                   "baselines": result[k]["baselines"]}
                               for k in ("simulated", "expert")}
        if "per_need" in result:
            out["per_need"] = result["per_need"]
        click.echo(json.dumps(out, indent=2))
    else:
        click.echo(f"model {result['model_name']} {result['model_version']} "
                   f"({result['model_dir']}) on {result['data_dir']}: "
                   f"{result['simulated']['groups']} held-out simulated groups, "
                   f"{result['expert']['groups']} expert test groups")
        click.echo(metrics_table(result))


@cli.group("feedback")
def feedback_group() -> None:
    """Record what clients adopted or rejected, for the next training.

    \b
    Example:
        cinwe-reco examples boulangerie-lemoine --out client.yaml
        cinwe-reco feedback add client.yaml trustpilot --outcome adopted
    """


@feedback_group.command("add")
@click.argument("profile", type=click.Path())
@click.argument("tool")
@click.option("--outcome", required=True, type=click.Choice(["adopted", "shortlisted",
                                                              "rejected"]))
@click.option("--need", default=None,
              help="The need the outcome is for (inferred when the tool covers only one).")
@click.option("--data", "data_dir", type=click.Path(), default=None,
              help="Training data folder [default: your data folder, see `cinwe-reco where`].")
@pass_settings
def feedback_add(settings: Settings, profile: str, tool: str, outcome: str, need: str | None,
                 data_dir: str | None) -> None:
    """Append one outcome (the profile, the need, the tool, the outcome, the date, the model
    version) to the recorded outcomes that `train` learns from.

    \b
    Example:
        cinwe-reco examples boulangerie-lemoine --out client.yaml
        cinwe-reco feedback add client.yaml trustpilot --outcome adopted
    """
    record, path = settings.session.feedback_add(
        profile, tool, outcome, need, data_dir,
        on_repair=lambda m: click.echo(f"warning: {m}", err=True))
    click.echo(f"recorded: {record['client']} {outcome} {record['tool_id']} for "
               f"{record['need']} ({path})")


# --------------------------------------------------------------------------- where, examples


@cli.command("where")
@pass_settings
def where(settings: Settings) -> None:
    """Show where cinwe-reco keeps your data (recorded outcomes, trained models), which model
    it uses and where its shipped data is.

    \b
    Example:
        cinwe-reco where
    """
    for place in settings.session.where():
        status = "" if place.exists else "  (not created yet)"
        click.echo(f"{place.what + ':':<26} {place.path}{status}")


@cli.command("examples")
@click.argument("name", required=False)
@click.option("--out", type=click.Path(), help="Write the example to this file (a folder with "
                                                "--all).")
@click.option("--all", "all_", is_flag=True, help="Write every example into the --out folder.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
def examples(name: str | None, out: str | None, all_: bool, force: bool) -> None:
    """List the example client profiles shipped with cinwe-reco, or write one (or all).

    \b
    Examples:
        cinwe-reco examples
        cinwe-reco examples maison-lavande
        cinwe-reco examples maison-lavande --out client.yaml
        cinwe-reco examples --all --out clients/
    """
    from .commands import example_text
    from .commands import examples as shipped

    if all_:
        if not out:
            raise click.UsageError("--all needs --out FOLDER")
        from .files import atomic_write_text

        folder = Path(out)
        for stem, _ in shipped():
            atomic_write_text(folder / f"{stem}.yaml", example_text(stem), force=force)
        click.echo(f"wrote {len(shipped())} examples to {folder}", err=True)
        return
    if name is None:
        for stem, about in shipped():
            click.echo(f"{stem:<28} {about}")
        return
    _emit_text(example_text(name), out, force)


@cli.command("schema")
@click.argument("name", type=click.Choice(["profile", "suggestions"]))
def schema(name: str) -> None:
    """Print the JSON Schema of a client profile or of the suggest JSON output.

    \b
    Examples:
        cinwe-reco schema profile
        cinwe-reco schema suggestions
    """
    from .commands import schema_text

    click.echo(schema_text(name), nl=False)


def main() -> None:
    """Entry point of the ``cinwe-reco`` script."""
    try:
        cli()
    except BrokenPipeError:  # `cinwe-reco ... | head` closed the pipe: not an error
        _quiet_closed_pipe()
        sys.exit(0)
