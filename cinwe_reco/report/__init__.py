"""The client report: one self-contained HTML file, in French or English (SPEC section 9).

``render_report(suggestions, recommender_or_catalog, lang)`` returns the page; ``report_language``
picks the default language from the profile; ``report_filename`` names a batch's files. The
page is built by Jinja2 templates with autoescaping on, loads nothing from the network (styles
and SVG charts inline, a Content-Security-Policy that forbids any fetch and any script) and has
an A4 print stylesheet.

Example::

    from cinwe_reco import Recommender
    from cinwe_reco.report import render_report

    rec = Recommender.load()
    result = rec.suggest("examples/boulangerie-lemoine.yaml", shortlist_details=5)
    html = render_report(result, rec, lang="fr")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ReportError
from ..text import slugify
from .messages import LANGS, messages
from .view import SECTIONS, ReportView, build_view

if TYPE_CHECKING:  # pragma: no cover
    from jinja2 import Environment

    from ..catalog import Catalog
    from ..profile import Profile
    from ..results import Suggestions

__all__ = ["LANGS", "SECTIONS", "ReportView", "build_view", "messages", "render_report",
           "report_filename", "report_language", "write_reports", "DEFAULT_TOP"]

DEFAULT_TOP = 3  # tools per need described in full: a manager reads the report in minutes


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment of the report's templates (autoescaping on, strict undefined)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("cinwe_reco.report", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def report_language(profile: Profile | None) -> str:
    """The profile's first language when it is French or English, else English."""
    first = profile.languages[0] if profile is not None and profile.languages else "en"
    return first if first in LANGS else "en"


def _catalog(source: Any) -> Catalog:
    from ..catalog import Catalog

    catalog = source if isinstance(source, Catalog) else getattr(source, "catalog", None)
    if not isinstance(catalog, Catalog):
        raise ReportError("expected a Recommender or a Catalog, got "
                        f"{type(source).__name__}")
    return catalog


def render_report(suggestions: Suggestions, recommender_or_catalog: Any,
                  lang: str | None = None, *, top: int = DEFAULT_TOP,
                  text_lang: str | None = None, today: dt.date | None = None) -> str:
    """The client report of one result as a self-contained HTML page.

    ``lang`` is ``fr`` or ``en`` (default: ``report_language`` of the profile). ``top`` tools
    per need are described in full (those ``suggest(..., shortlist_details=top)`` detailed);
    the rest of each shortlist is named. ``text_lang`` is the language of the engine's reasons
    and warnings, marked on them when it differs from the page's.
    """
    lang = lang or report_language(suggestions.profile)
    if lang not in LANGS:
        raise ReportError(f"expected a report language among {', '.join(LANGS)}, got {lang!r}")
    view = build_view(suggestions, _catalog(recommender_or_catalog), lang, top=top,
                      text_lang=text_lang, today=today)
    return environment().get_template("report.html.j2").render(v=view, t=view.t)


def report_filename(client: str, taken: set[str]) -> str:
    """A file name for a client's report in a batch folder, unique among ``taken`` (which it
    updates): 'Boulangerie Lemoine' -> 'boulangerie-lemoine.html', then '-2', '-3'..."""
    stem = slugify(client, "client")[:80].strip("-") or "client"
    name, k = f"{stem}.html", 1
    while name in taken:
        k += 1
        name = f"{stem}-{k}.html"
    taken.add(name)
    return name


def write_reports(results: Iterable[Suggestions], recommender_or_catalog: Any, out: Path | str,
                  lang: str | None = None, *, top: int = DEFAULT_TOP, force: bool = False,
                  inputs: Iterable[Path | str] = ()) -> list[Path]:
    """One report per result in the folder ``out``, named after each client
    (``report_filename``), each in ``lang`` or its profile's language. The folder is built
    aside and put in place whole; ``force`` replaces only a folder cinwe-reco wrote, and never
    one that holds one of ``inputs``."""
    from ..files import atomic_folder

    out = Path(out)
    taken: set[str] = set()
    written: list[Path] = []
    with atomic_folder(out, force=force, inputs=inputs) as tmp:
        for result in results:
            name = report_filename(result.client, taken)
            page = render_report(result, recommender_or_catalog, lang, top=top)
            (tmp / name).write_text(page, encoding="utf-8")
            written.append(out / name)
    return written
