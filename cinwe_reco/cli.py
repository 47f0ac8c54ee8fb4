"""The ``cinwe-reco`` command line: a thin layer over the library.

Each command parses its arguments, makes one library call and formats the result. Commands that
rank or train import the heavy libraries themselves, so ``--help``, ``catalog`` and ``profile``
start fast. Library errors become one line on standard error and exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import CinweError

FORMATS = ("table", "json", "markdown", "csv")


class Settings:
    """Global options: which catalog and which model."""

    def __init__(self, catalog: str | None, model: str | None) -> None:
        self.catalog_path = Path(catalog) if catalog else None
        self.model_path = Path(model) if model else None
        self._catalog = None

    def catalog(self):
        """The loaded catalog (shipped unless --catalog / $CINWE_RECO_CATALOG)."""
        if self._catalog is None:
            from .catalog import load_catalog
            from .resources import default_catalog_dir

            self._catalog = load_catalog(self.catalog_path or default_catalog_dir())
        return self._catalog


pass_settings = click.make_pass_decorator(Settings)


class Failure(click.ClickException):
    """One line on standard error, with the exit code the SPEC gives (2 bad input, 1 internal)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True)


class Group(click.Group):
    """Turns library errors into Failure, so CliRunner and the real script behave the same."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CinweError as exc:
            raise Failure(str(exc), exc.exit_code) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:
            raise Failure(f"{exc.filename or ''}: {exc.strerror or exc}", 2) from None
        except Exception as exc:
            if os.environ.get("CINWE_RECO_DEBUG"):
                raise
            raise Failure(f"internal error: {type(exc).__name__}: {exc} "
                          "(set CINWE_RECO_DEBUG=1 for details)", 1) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--catalog", "catalog", envvar="CINWE_RECO_CATALOG", metavar="PATH",
              type=click.Path(), help="Catalog folder or file (default: the shipped catalog).")
@click.option("--model", "model", envvar="CINWE_RECO_MODEL", metavar="PATH",
              type=click.Path(), help="Model folder (default: the shipped models/default).")
@click.version_option(__version__, prog_name="cinwe-reco")
@click.pass_context
def cli(ctx: click.Context, catalog: str | None, model: str | None) -> None:
    """Rank real martech tools for an SME client profile, and say why.

    \b
    Example:
        cinwe-reco suggest examples/boulangerie-dupont.yaml
    """
    ctx.obj = Settings(catalog, model)


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
        cinwe-reco --catalog my-catalog/ catalog validate
    """
    from .catalog import validate_catalog
    from .resources import default_catalog_dir

    catalog, problems = validate_catalog(settings.catalog_path or default_catalog_dir())
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.exceptions.Exit(_fail(f"{len(problems)} problem(s) found in the catalog"))
    categories = {c for t in catalog for c in t.categories}
    click.echo(f"catalog OK: {len(catalog)} tools in {len(categories)} categories "
               f"({catalog.source})")


@catalog_group.command("list")
@click.option("--category", metavar="ID", help="Only tools of this category.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@pass_settings
def catalog_list(settings: Settings, category: str | None, fmt: str) -> None:
    """List the catalog's tools, optionally of one category.

    \b
    Example:
        cinwe-reco catalog list --category crm --format json
    """
    from .errors import did_you_mean

    catalog = settings.catalog()
    tools = list(catalog)
    if category:
        if category not in catalog.taxonomy.categories:
            raise CinweError(f"--category: unknown category '{category}'"
                             f"{did_you_mean(category, catalog.taxonomy.categories)}")
        tools = catalog.in_category(category)
    if fmt == "json":
        click.echo(json.dumps([t.to_dict() for t in tools], ensure_ascii=False, indent=2))
        return
    from .render import tool_rows

    click.echo(tool_rows(tools))
    click.echo(f"{len(tools)} tools")


@catalog_group.command("show")
@click.argument("tool")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_settings
def catalog_show(settings: Settings, tool: str, fmt: str) -> None:
    """Show every fact of one tool (an id or a product name).

    \b
    Example:
        cinwe-reco catalog show brevo
    """
    catalog = settings.catalog()
    tool_id = catalog.resolve(tool)
    entry = catalog.get(tool_id or tool)
    if fmt == "json":
        click.echo(json.dumps(entry.to_dict(), ensure_ascii=False, indent=2))
        return
    from .render import tool_card

    click.echo(tool_card(entry, catalog))


@catalog_group.command("search")
@click.argument("text", nargs=-1, required=True)
@pass_settings
def catalog_search(settings: Settings, text: tuple[str, ...]) -> None:
    """Find tools by name, vendor, description or capability (English or French).

    \b
    Example:
        cinwe-reco catalog search prise de rendez-vous
    """
    from .render import tool_rows

    catalog = settings.catalog()
    found = catalog.search(" ".join(text))
    if not found:
        click.echo(f"no tool matches '{' '.join(text)}'")
        return
    click.echo(tool_rows(found))
    click.echo(f"{len(found)} tools")


# --------------------------------------------------------------------------- profile


@cli.group("profile")
def profile_group() -> None:
    """Write and check client profiles.

    \b
    Example:
        cinwe-reco profile validate examples/*.yaml
    """


@profile_group.command("validate")
@click.argument("profiles", nargs=-1, required=True, type=click.Path())
@pass_settings
def profile_validate(settings: Settings, profiles: tuple[str, ...]) -> None:
    """Check profiles (files, folders or JSONL batches); exit 2 if any is invalid.

    \b
    Example:
        cinwe-reco profile validate client.yaml
    """
    from .profile import load_profiles

    bad = good = 0
    for source, result in load_profiles(list(profiles), settings.catalog()):
        if isinstance(result, CinweError):
            bad += 1
            click.echo(f"invalid: {result}", err=True)
        else:
            good += 1
            click.echo(f"ok: {source} ({result.client})")
    if bad:
        raise click.exceptions.Exit(_fail(f"{bad} invalid profile(s), {good} valid"))


@profile_group.command("init")
@click.option("--out", type=click.Path(), help="Write the profile here (default: print it).")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option("--no-input", is_flag=True, help="Do not ask; take the answers from the options.")
@click.option("--client", help="Business name.")
@click.option("--country", default="FR", show_default=True)
@click.option("--languages", default="fr", show_default=True, help="Comma-separated ISO codes.")
@click.option("--sector", help="Sector id.")
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
              help="A capability or category id, e.g. email-campaigns:must (repeatable).")
@click.option("--goal", "goals", multiple=True, metavar="ID", help="A goal id (repeatable).")
@click.option("--budget-mode", type=click.Choice(["strict", "flexible"]), default="flexible")
@click.option("--eu-hosting", type=click.Choice(["required", "preferred", "any"]), default="any")
@click.option("--open-source", type=click.Choice(["required", "preferred", "any"]),
              default="any")
@click.option("--language", type=click.Choice(["required", "preferred", "any"]),
              default="preferred")
@click.option("--exclude", default="", help="Comma-separated tool ids or names.")
@pass_settings
def profile_init(settings: Settings, out: str | None, force: bool, no_input: bool,
                 **answers: Any) -> None:
    """Write a new client profile by answering a short questionnaire.

    With --no-input, the answers come from the options (for scripts).

    \b
    Examples:
        cinwe-reco profile init --out client.yaml
        cinwe-reco profile init --no-input --client "Boulangerie Dupont" --sector food-retail \\
            --employees 6 --budget 80 --need email-campaigns:must --need reviews:nice
    """
    from .files import atomic_write_text, dump_yaml
    from .questionnaire import ask, build_profile

    catalog = settings.catalog()
    if out and Path(out).exists() and not force:
        raise CinweError(f"{out}: already exists; use --force to overwrite it")
    answers["needs"] = list(answers["needs"])
    answers["goals"] = list(answers["goals"])
    if no_input:
        if not answers.get("client"):
            raise CinweError("--client: required with --no-input")
        if not answers["needs"]:
            raise CinweError("--need: at least one is required with --no-input")
        if answers.get("employees") is None:
            answers["employees"] = 1
    else:
        defaults = {k: v for k, v in answers.items() if v not in (None, "", [])}
        defaults["needs"] = ", ".join(answers["needs"]) or None
        defaults["goals"] = ", ".join(answers["goals"])
        answers = ask(catalog, defaults)
    doc = build_profile(answers, catalog)
    text = "# cinwe-reco client profile (schema cinwe-reco/profile@1)\n" + dump_yaml(doc)
    if out:
        atomic_write_text(Path(out), text, force=force)
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)


# --------------------------------------------------------------------------- helpers


def _fail(message: str) -> int:
    click.echo(f"error: {message}", err=True)
    return 2


def main() -> None:
    """Entry point of the ``cinwe-reco`` script."""
    try:
        cli()
    except BrokenPipeError:  # `cinwe-reco ... | head` closed the pipe: not an error
        sys.exit(0)
