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

from ._version import __version__
from .errors import CinweError

FORMATS = ("table", "json", "markdown", "csv")
SHORTLIST_ROWS = 5  # tools per need that tables, markdown and CSV describe in full


class Settings:
    """Global options: which catalog layers and which model."""

    def __init__(self, catalogs: tuple[str, ...], no_default: bool, model: str | None) -> None:
        self.catalog_paths = [Path(c) for c in catalogs]
        self.include_default = not no_default
        self.model_path = Path(model) if model else None
        self._catalog = None

    def catalog(self):
        """The loaded catalog: the shipped one, then every --catalog layer in order."""
        if self._catalog is None:
            from .catalog import load_catalogs

            self._catalog = load_catalogs(self.catalog_paths,
                                          include_default=self.include_default)
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
            where = f"{exc.filename}: " if exc.filename else ""
            raise Failure(f"{where}{exc.strerror or exc}", 2) from None
        except Exception as exc:
            if os.environ.get("CINWE_RECO_DEBUG"):
                raise
            raise Failure(f"internal error: {type(exc).__name__}: {exc} "
                          "(set CINWE_RECO_DEBUG=1 for details)", 1) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"],
                                          "max_content_width": 100})
@click.option("--catalog", "catalogs", metavar="PATH", type=click.Path(), multiple=True,
              help="A catalog layer (folder or file) over the shipped catalog; repeatable, "
                   "later layers on top [default: $CINWE_RECO_CATALOG, paths separated by "
                   f"'{os.pathsep}'].")
@click.option("--no-default-catalog", is_flag=True,
              help="Do not start from the shipped catalog: only the --catalog layers.")
@click.option("--model", "model", envvar="CINWE_RECO_MODEL", metavar="PATH",
              type=click.Path(), help="Model folder (default: the shipped models/default).")
@click.version_option(__version__, prog_name="cinwe-reco")
@click.pass_context
def cli(ctx: click.Context, catalogs: tuple[str, ...], no_default_catalog: bool,
        model: str | None) -> None:
    """Rank real martech tools for an SME client profile, and say why.

    \b
    Example:
        cinwe-reco suggest examples/cap-competences-formation.yaml
    """
    from .resources import catalog_layers_from_env

    ctx.obj = Settings(catalogs or catalog_layers_from_env(), no_default_catalog, model)


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
    from .catalog import validate_catalogs

    catalog, problems = validate_catalogs(settings.catalog_paths,
                                          include_default=settings.include_default)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.exceptions.Exit(_fail(f"{len(problems)} problem(s) found in the catalog"))
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


@catalog_group.group("import")
def catalog_import() -> None:
    """Import public data sets as catalog layers (entries marked imported, unreviewed).

    \b
    Example:
        cinwe-reco catalog import webappanalyzer ../shared/data/webappanalyzer --out imported/
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

    \b
    Example:
        cinwe-reco catalog import webappanalyzer ../shared/data/webappanalyzer --out imported/
        cinwe-reco --catalog imported/ suggest client.yaml
    """
    from .importers import webappanalyzer

    inputs = [folder, *settings.catalog_paths]
    _check_folder_out(out, force, inputs)
    report = webappanalyzer.run(Path(folder), Path(out), settings.catalog(), force=force,
                                inputs=inputs)
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
    StackShare slug, and writes a patch layer. Reports the match rate.

    \b
    Example:
        cinwe-reco --catalog imported/ catalog import stackshare \\
            ../shared/data/stackshare/tools-business.csv --out popularity/
    """
    from .importers import stackshare

    inputs = [csv_file, *settings.catalog_paths]
    _check_folder_out(out, force, inputs)
    report = stackshare.run(Path(csv_file), Path(out), settings.catalog(), force=force,
                            inputs=inputs)
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

    \b
    Example:
        cinwe-reco catalog import awesome-selfhosted ../shared/data/awesome-selfhosted \\
            --out selfhosted/
    """
    from .importers import awesome_selfhosted

    inputs = [folder, *settings.catalog_paths]
    _check_folder_out(out, force, inputs)
    report = awesome_selfhosted.run(Path(folder), Path(out), settings.catalog(), force=force,
                                    inputs=inputs)
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

    stats = catalog_stats(settings.catalog())
    click.echo(json.dumps(stats, indent=2) if fmt == "json" else stats_text(stats))


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
    if out:
        _check_writable(out, force)
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


# --------------------------------------------------------------------------- suggest


def _recommender(settings: Settings):
    from .recommender import Recommender

    return Recommender.load(model=settings.model_path, catalog=settings.catalog())


def _is_batch(paths: tuple[str, ...]) -> bool:
    return len(paths) > 1 or any(Path(p).is_dir() or p.lower().endswith(".jsonl") for p in paths)


@cli.command("suggest")
@click.argument("profiles", nargs=-1, required=True, type=click.Path())
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True,
              help="How many suggestions to list.")
@click.option("--need", "needs", multiple=True, metavar="ID",
              help="Only this need (a need of the profile, or any capability or category id); "
                   "repeatable.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format [default: table; json lines for a batch].")
@click.option("--out", type=click.Path(), help="Write the output to this file (atomically).")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Profiles scored in parallel in a batch.")
@pass_settings
def suggest(settings: Settings, profiles: tuple[str, ...], top: int, needs: tuple[str, ...],
            fmt: str | None, out: str | None, force: bool, workers: int) -> None:
    """Rank the catalog for client profiles: shortlists per need, reasons, and a stack.

    PROFILE is a YAML or JSON file; several files, a folder or a JSONL file make a batch,
    scored in parallel and written as JSON lines (one broken profile is reported and skipped).

    \b
    Examples:
        cinwe-reco suggest examples/boulangerie-lemoine.yaml
        cinwe-reco suggest client.yaml --format json --top 5
        cinwe-reco suggest clients/ --out suggestions.jsonl
    """
    from .files import atomic_write_text
    from .profile import load_profiles
    from .render import suggestions_csv_rows, suggestions_markdown, suggestions_table, to_csv

    if out:
        _check_writable(out, force)  # before the scoring: a bad --out fails in a second
    batch = _is_batch(profiles)
    fmt = fmt or ("json" if batch else "table")
    # profiles first: a bad file is reported before the model is loaded
    items = list(load_profiles(list(profiles), settings.catalog()))
    if not batch and isinstance(items[0][1], CinweError):
        raise items[0][1]
    rec = _recommender(settings)
    for w in rec.warnings:
        click.echo(f"warning: {w}", err=True)
    chunks: list[str] = []
    failures = 0
    show_bar = batch and len(items) > 1
    with click.progressbar(length=len(items), label="scoring", file=sys.stderr,
                           hidden=not show_bar) as bar:
        results = rec.suggest_many((p for _, p in items), top=top, needs=needs or None,
                                   workers=workers,
                                   shortlist_details=0 if fmt == "json" else SHORTLIST_ROWS)
        for (source, _), result in zip(items, results, strict=True):
            bar.update(1)
            if isinstance(result, CinweError):
                if not batch:
                    raise result
                failures += 1
                click.echo(f"\nskipped {source}: {result}", err=True)
                continue
            if fmt == "json":
                chunks.append(json.dumps(result.to_dict(), ensure_ascii=False,
                                         indent=None if batch else 2) + "\n")
                for note in result.notes:
                    click.echo(f"note ({result.client}): {note}", err=True)
            elif fmt == "csv":
                chunks.append(to_csv(suggestions_csv_rows(result), header=not chunks))
            elif fmt == "markdown":
                chunks.append(suggestions_markdown(result))
            else:
                chunks.append(suggestions_table(result) + "\n")
    sep = "" if fmt in ("json", "csv") else "\n"
    text = sep.join(chunks)
    if out:
        atomic_write_text(Path(out), text, force=force)
        click.echo(f"wrote {out} ({len(chunks)} profile(s))", err=True)
    else:
        click.echo(text, nl=False)
    if failures:
        raise click.exceptions.Exit(_fail(f"{failures} profile(s) skipped, {len(chunks)} scored"))


@cli.command("explain")
@click.argument("profile", type=click.Path())
@click.argument("tool")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_settings
def explain(settings: Settings, profile: str, tool: str, fmt: str) -> None:
    """Why does TOOL rank where it does for this client, or why is it not suggested?

    \b
    Example:
        cinwe-reco explain examples/boulangerie-lemoine.yaml mailchimp
    """
    from .profile import load_profile
    from .render import explanation_text

    loaded = load_profile(profile, settings.catalog())
    rec = _recommender(settings)
    for w in rec.warnings:
        click.echo(f"warning: {w}", err=True)
    result = rec.explain(loaded, tool)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(explanation_text(result))


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
        cinwe-reco report examples/boulangerie-lemoine.yaml --out lemoine.html
        cinwe-reco report client.yaml --lang en --top 3 --out client-en.html
        cinwe-reco report examples/ --out reports/
    """
    from .files import atomic_write_text
    from .profile import load_profiles
    from .report import render_report, write_reports

    batch = _is_batch(profiles)
    if batch and not out:
        raise CinweError("--out: a batch writes one report per client; give a folder to "
                         "write them into")
    if out:  # before the scoring: a bad --out fails in a second
        if batch:
            _check_folder_out(out, force, list(profiles))
        else:
            _check_writable(out, force)
    items = list(load_profiles(list(profiles), settings.catalog()))
    if not batch and isinstance(items[0][1], CinweError):
        raise items[0][1]
    rec = _recommender(settings)
    for w in rec.warnings:
        click.echo(f"warning: {w}", err=True)
    results = rec.suggest_many((p for _, p in items), workers=workers, shortlist_details=top)
    if not batch:
        result = next(iter(results))
        if isinstance(result, CinweError):
            raise result
        page = render_report(result, rec, lang, top=top)
        if out:
            atomic_write_text(Path(out), page, force=force)
            click.echo(f"wrote {out}", err=True)
        else:
            click.echo(page, nl=False)
        return
    good = []
    for (source, _), result in zip(items, results, strict=True):
        if isinstance(result, CinweError):
            click.echo(f"skipped {source}: {result}", err=True)
        else:
            good.append(result)
    written = write_reports(good, rec, out, lang, top=top, force=force, inputs=list(profiles))
    click.echo(f"wrote {out} ({len(written)} report(s))", err=True)
    failures = len(items) - len(good)
    if failures:
        raise click.exceptions.Exit(_fail(f"{failures} profile(s) skipped, "
                                          f"{len(written)} report(s) written"))


# --------------------------------------------------------------------------- training


@cli.command("train")
@click.option("--data", "data_dir", type=click.Path(), default="training/data", show_default=True,
              help="Training data folder.")
@click.option("--out", type=click.Path(), default="models/default", show_default=True,
              help="Model folder to write.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--rounds", type=click.IntRange(10, 10_000), default=400, show_default=True,
              help="Boosting rounds at most (early stopping picks the best).")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@pass_settings
def train(settings: Settings, data_dir: str, out: str, seed: int, rounds: int,
          force: bool) -> None:
    """Train the LambdaRank model on the training folder and write a model folder.

    \b
    Example:
        cinwe-reco train --data training/data --out models/mine --seed 0
    """
    from .evaluate import metrics_table
    from .train import metric_changes, train_model

    _check_folder_out(out, force, [data_dir])
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
        meta = train_model(Path(data_dir), Path(out), settings.catalog(), seed=seed,
                           force=force, n_estimators=rounds, progress=progress)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    for problem in meta.get("problems", []):
        click.echo(f"not used: {problem}", err=True)
    click.echo(f"wrote {out} (best iteration {meta['best_iteration']}, "
               f"{meta['data']['train_pairs']:,} training pairs)")
    click.echo(metrics_table(meta["metrics"]))
    changes = metric_changes(meta)
    if changes:
        click.echo("change against the replaced model:")
        for line in changes:
            click.echo(f"  {line}")


@cli.command("evaluate")
@click.option("--model", "model_dir", type=click.Path(), default=None,
              help="Model folder (default: the global --model, or the shipped model).")
@click.option("--data", "data_dir", type=click.Path(), default="training/data", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@pass_settings
def evaluate(settings: Settings, model_dir: str | None, data_dir: str, fmt: str) -> None:
    """Compare the model with the rule-based and presence baselines.

    Per need, on the frozen expert test set: NDCG@5 and @10 of the shortlists (by_need), and
    the shares of unjudged and of side-module (basic) tools in their top 5. Also NDCG, MAP and
    recall on held-out simulated groups and on the expert groups' judged tools.

    \b
    Example:
        cinwe-reco evaluate --model models/default --format json
    """
    from .evaluate import evaluate_model, metrics_table
    from .resources import default_model_dir

    model = Path(model_dir) if model_dir else settings.model_path or default_model_dir()
    result = evaluate_model(model, Path(data_dir), settings.catalog())
    if fmt == "json":
        # the v1 shape {"model": {...}, "baselines": {...}} per set, plus the per-need figures
        out: dict[str, Any] = {k: {"model": result[k]["model"],
                                   "baselines": result[k]["baselines"]}
                               for k in ("simulated", "expert")}
        if "per_need" in result:
            out["per_need"] = result["per_need"]
        click.echo(json.dumps(out, indent=2))
    else:
        click.echo(f"model {result['model_name']} {result['model_version']}: "
                   f"{result['simulated']['groups']} held-out simulated groups, "
                   f"{result['expert']['groups']} expert test groups")
        click.echo(metrics_table(result))


@cli.group("feedback")
def feedback_group() -> None:
    """Record what clients adopted or rejected, for the next training.

    \b
    Example:
        cinwe-reco feedback add client.yaml brevo --outcome adopted
    """


@feedback_group.command("add")
@click.argument("profile", type=click.Path())
@click.argument("tool")
@click.option("--outcome", required=True, type=click.Choice(["adopted", "shortlisted",
                                                              "rejected"]))
@click.option("--need", default=None,
              help="The need the outcome is for (inferred when the tool covers only one).")
@click.option("--data", "data_dir", type=click.Path(), default="training/data", show_default=True)
@pass_settings
def feedback_add(settings: Settings, profile: str, tool: str, outcome: str, need: str | None,
                 data_dir: str) -> None:
    """Append one outcome (the profile, the need, the tool, the outcome, the date, the model
    version).

    \b
    Example:
        cinwe-reco feedback add examples/boulangerie-lemoine.yaml trustpilot --outcome adopted
    """
    from .feedback import append_record, feedback_record
    from .profile import load_profile
    from .ranker import model_version
    from .resources import default_model_dir

    catalog = settings.catalog()
    loaded = load_profile(profile, catalog)
    version = model_version(settings.model_path or default_model_dir())
    record = feedback_record(loaded, tool, outcome, catalog, version, need)
    path = append_record(Path(data_dir), record,
                         on_repair=lambda m: click.echo(f"warning: {m}", err=True))
    click.echo(f"recorded: {record['client']} {outcome} {record['tool_id']} for "
               f"{record['need']} ({path})")


# --------------------------------------------------------------------------- helpers


def _check_writable(out: str, force: bool) -> None:
    from .files import check_writable  # imported here: --help stays free of PyYAML

    check_writable(out, force)


def _check_folder_out(out: str, force: bool, inputs: list[str | Path]) -> None:
    from .files import check_folder_target

    check_folder_target(out, force=force, inputs=inputs)


def _fail(message: str) -> int:
    click.echo(f"error: {message}", err=True)
    return 2


def main() -> None:
    """Entry point of the ``cinwe-reco`` script."""
    try:
        cli()
    except BrokenPipeError:  # `cinwe-reco ... | head` closed the pipe: not an error
        sys.exit(0)
