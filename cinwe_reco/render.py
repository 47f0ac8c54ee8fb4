"""Formatting results for people: terminal tables, markdown and CSV, in English or French.

Every format carries the same facts as the JSON output. Tables fit the width they are given
(80 columns at least, the terminal's when wider): long names and reasons wrap inside their
column instead of being cut, and a list that is shortened says how much ("10 of 19 shown").
Labels come from the taxonomy, sentences from the templates of ``cinwe_reco/i18n``.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .catalog import Catalog, Tool
from .codes import LANGUAGE_NAMES
from .i18n import say, translate

if TYPE_CHECKING:  # pragma: no cover
    from .results import Explanation, Suggestions
    from .taxonomy import Taxonomy

WIDTH = 80  # the narrowest terminal a table is laid out for
EXCLUDED_ROWS = 10  # exclusions a table lists (markdown, CSV and JSON list them all)
FORMATS = ("table", "json", "markdown", "csv")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def columns(cells: Sequence[str], widths: Sequence[int], aligns: str = "", indent: int = 0
            ) -> list[str]:
    """One table row whose cells wrap inside their column (nothing is cut); ``aligns`` has
    one '<' or '>' per cell. The last column takes its width from ``widths`` too."""
    wrapped = [textwrap.wrap(str(c), w, break_long_words=True, break_on_hyphens=False) or [""]
               for c, w in zip(cells, widths, strict=True)]
    aligns = aligns or "<" * len(cells)
    lines = []
    for i in range(max(len(w) for w in wrapped)):
        parts = [f"{(w[i] if i < len(w) else ''):{a}{width}}"
                 for w, width, a in zip(wrapped, widths, aligns, strict=True)]
        lines.append((" " * indent + " ".join(parts)).rstrip())
    return lines


def price_text(tool: Tool) -> str:
    """'free plan, then 9 EUR/month' and the like."""
    if tool.entry_eur_month is None:
        paid = "price on request" if tool.quote_only else "no public price"
    else:
        paid = f"{tool.entry_eur_month:,.0f} EUR/month" + (" per user" if tool.per_user else "")
        if tool.price_estimated:
            paid = "about " + paid + " (estimated)"
    if tool.free_plan is None:
        return paid + "; free plan unknown"
    return f"free plan, then {paid}" if tool.free_plan else paid


def tool_rows(tools: Iterable[Tool], width: int = WIDTH) -> str:
    """A table of tools: id, name, main categories, price; cells wrap to fit ``width``."""
    width = max(width, WIDTH)
    rest = width - 3 - 20 - 20
    cat_w, price_w = rest * 2 // 5, rest - rest * 2 // 5
    widths = (20, 20, cat_w, price_w)
    lines = columns(("id", "name", "categories", "price"), widths) + ["-" * width]
    for t in tools:
        lines += columns((t.id, t.name, ", ".join(t.categories), price_text(t)), widths)
    return "\n".join(lines)


def tool_card(tool: Tool, catalog: Catalog, width: int = WIDTH) -> str:
    """Every fact of one tool, for `catalog show`."""
    tax = catalog.taxonomy
    width = max(width, WIDTH)

    def known(value: Any, text: str) -> str:
        return "unknown" if value is None else text

    def yes_no(value: bool | None) -> str:
        return known(value, "yes" if value else "no")

    languages = known(tool.ui_languages, ", ".join(LANGUAGE_NAMES.get(code, code)
                                                   for code in tool.ui_languages or ()))
    dated = "imported" if tool.status == "imported" else "reviewed"
    rows = [
        ("id", tool.id),
        ("vendor", f"{tool.vendor or 'unknown'} ({tool.vendor_country or 'country unknown'})"),
        ("website", tool.website),
        ("categories", ", ".join(tax.label(c) for c in tool.categories)),
        ("capabilities", ", ".join(tax.label(c) for c in tool.capabilities)),
        ("pricing", price_text(tool)),
    ]
    if tool.aliases:
        rows.append(("also known as", ", ".join(tool.aliases)))
    if tool.free_plan_limits:
        rows.append(("free plan", tool.free_plan_limits))
    rows += [
        ("company size", known(tool.min_employees,
                               f"{tool.min_employees or 0:,} to {tool.max_employees or 0:,} "
                               "employees")),
        ("interface", languages),
        ("EU hosting", yes_no(tool.eu_hosting)),
        ("open source", yes_no(tool.open_source)),
        ("self-hostable", yes_no(tool.self_hostable)),
        ("ease of use", known(tool.ease_of_use, f"{tool.ease_of_use}/5")),
        ("integrations", ", ".join(tool.integrations) or "none listed"),
        ("sectors", known(tool.sectors, ", ".join(tax.label(s) for s in tool.sectors or ())
                          or "generalist")),
        ("source", f"{tool.source} ({dated} {tool.reviewed})"),
    ]
    for extra in tool.sources:
        rows.append(("also from", f"{extra.get('name')}: {extra.get('url', '')} "
                                  f"{extra.get('licence', '')}".strip()))
    if tool.popularity is not None:
        rows.append(("popularity", f"{tool.popularity:.2f} (StackShare, log-scaled)"))
    if tool.status != "reviewed":
        unknown = ", ".join(tool.unknown_facts) or "none"
        rows.append(("status", f"{tool.status}, unreviewed: check the facts (unknown: "
                               f"{unknown})"))
    out = textwrap.wrap(f"{tool.name}: {tool.description or 'no description'}", width,
                        subsequent_indent="  ")
    for key, value in rows:
        out += columns((key, value), (13, width - 16), indent=2)
    return "\n".join(out)


def money(value: float | None, lang: str = "en") -> str:
    """'0', '49', '1,250' EUR ('1 250' in French); '?' when unknown."""
    if value is None:
        return "?"
    text = f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.2f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "fr" else text


def _label(taxonomy: Taxonomy | None, term_id: str, lang: str) -> str:
    return taxonomy.label(term_id, lang) if taxonomy is not None else term_id


def _need_label(result: Suggestions, need_id: str, lang: str = "en",
                taxonomy: Taxonomy | None = None) -> str:
    priority = next((n.priority for n in result.profile.needs if n.id == need_id), "")
    words = say(f"priority.{priority}", lang) if priority else ""
    if lang == "en" or taxonomy is None:
        return f"{need_id} ({words})" if words else need_id
    label = _label(taxonomy, need_id, lang)
    return f"{label} [{need_id}] ({words})" if words else f"{label} [{need_id}]"


def _header(result: Suggestions, lang: str = "en") -> str:
    m = result.model
    model = f"{m['name']} {m['version']}" if m["name"] != "rules" else say("table.rules", lang)
    p = result.profile
    budget = say("table.no_budget", lang) if p.budget_eur_month is None else say(
        "table.budget", lang, amount=p.budget_eur_month, mode=p.budget_mode)
    return say("table.header", lang, client=result.client, budget=budget, model=model)


def _context_lines(result: Suggestions, lang: str = "en") -> list[str]:
    """What the client already runs: catalog tools, and other tools (shown, not scored)."""
    p = result.profile
    lines = []
    if p.current_stack:
        lines.append(say("table.current_stack", lang) + " " + ", ".join(p.current_stack))
    if p.other_tools:
        lines.append(say("table.other_tools", lang) + " " + ", ".join(p.other_tools))
    return lines


def _detail(result: Suggestions, need_id: str, tool_id: str) -> Any:
    """A shortlist row's fit, cost and reasons for that need (or, failing that, overall)."""
    return result.need_details.get(need_id, {}).get(tool_id) or result.details.get(tool_id)


def _stack_lines(result: Suggestions, lang: str = "en") -> list[str]:
    st = result.stack
    names = ", ".join(result.details[t].name if t in result.details else t for t in st.tools)
    total = say("table.total_within" if st.within_budget else "table.total_over", lang,
                cost=money(st.monthly_cost_eur, lang))
    none = say("table.none", lang)
    return [
        f"{say('table.stack', lang)} {names or say('table.nothing_new', lang)}",
        f"  {total}",
        f"  {say('table.covers', lang)} {', '.join(st.covers) or none}",
        f"  {say('table.uncovered', lang)} {', '.join(st.uncovered) or none}",
    ]


def _wrap(text: str, width: int, indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False) or [""]


def suggestions_table(result: Suggestions, per_need: int = 5, *, lang: str = "en",
                      width: int = WIDTH, taxonomy: Taxonomy | None = None) -> str:
    """The terminal view: per need, a shortlist with fit, cost and top reason (wrapped, never
    cut); then the stack, notes, exclusions and warnings, in ``lang``, within ``width``."""
    width = max(width, WIDTH)
    name_w = 22 if width < 100 else 26
    widths = (3, name_w, 5, 8, width - 2 - 3 - name_w - 5 - 8 - 4)
    out = _wrap(_header(result, lang), width)
    for text in _context_lines(result, lang):
        out += _wrap(text, width)
    out.append("")
    for need_id, tool_ids in result.by_need.items():
        out += _wrap(_need_label(result, need_id, lang, taxonomy), width)
        if not tool_ids:
            out.append("  " + say("table.no_tool", lang))
        else:
            out += columns(("#", say("table.col_tool", lang), say("table.col_fit", lang),
                            say("table.col_cost", lang), say("table.col_reason", lang)),
                           widths, "><>><", indent=2)
        fits = result.need_fit.get(need_id, {})
        for position, tool_id in enumerate(tool_ids[:per_need], start=1):
            d = _detail(result, need_id, tool_id)
            if d is None:  # computed without shortlist details: the id is all we know here
                out += columns((str(position), tool_id, "", "", ""), widths, "><>><", indent=2)
                continue
            reason = translate(d.reasons[0], lang) if d.reasons else ""
            if d.warnings:
                warning = "! " + translate(d.warnings[0], lang)
                reason = f"{reason}; {warning}" if reason else warning
            out += columns((str(position), d.name, str(fits.get(tool_id, d.fit)),
                            money(d.monthly_cost_eur, lang), reason), widths, "><>><", indent=2)
        if len(tool_ids) > per_need:
            out += _wrap("  " + say("table.shown", lang, shown=per_need, total=len(tool_ids))
                         + ": " + say("table.more_tools", lang,
                                      tools=", ".join(tool_ids[per_need:])), width, "    ")
        out.append("")
    out += [line for text in _stack_lines(result, lang) for line in _wrap(text, width, "    ")]
    for note in result.notes:
        out += _wrap(f"{say('table.note', lang)} {translate(note, lang)}", width)
    if result.excluded:
        shown = result.excluded[:EXCLUDED_ROWS]
        title = say("table.excluded", lang)
        if len(result.excluded) > len(shown):
            title += " (" + say("table.shown", lang, shown=len(shown),
                                total=len(result.excluded)) + ")"
        out.append(title)
        for e in shown:
            out += _wrap(f"  {e.tool_id}: {translate(e.reason, lang)}", width, "    ")
    for w in result.warnings:
        out += _wrap(f"{say('table.warning', lang)} {translate(w, lang)}", width)
    return "\n".join(out)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def suggestions_markdown(result: Suggestions, per_need: int = 5, *, lang: str = "en",
                         taxonomy: Taxonomy | None = None) -> str:
    """The same facts as markdown, for a report to the client, in ``lang``."""
    def tr(values: Iterable[Any]) -> str:
        return "; ".join(_cell(translate(v, lang)) for v in values)

    out = [f"# {result.client}", "", _header(result, lang), ""]
    context = _context_lines(result, lang)
    if context:
        out += [f"- {line}" for line in context] + [""]
    tool, fit, cost = say("table.col_tool", lang), say("table.col_fit", lang), say(
        "md.col_cost", lang)
    out += [f"## {say('md.top', lang)}", "",
            f"| # | {tool} | {fit} | {cost} | {say('md.col_covers', lang)} | "
            f"{say('md.col_reasons', lang)} | {say('md.col_warnings', lang)} |",
            "|---|---|---|---|---|---|---|"]
    for s in result.suggestions:
        out.append(f"| {s.rank} | {_cell(s.name)} (`{s.tool_id}`) | {s.fit} | "
                   f"{money(s.monthly_cost_eur, lang)} | {', '.join(s.covers)} | "
                   f"{tr(s.reasons)} | {tr(s.warnings)} |")
    for need_id, tool_ids in result.by_need.items():
        out += ["", f"## {_need_label(result, need_id, lang, taxonomy)}", ""]
        if not tool_ids:
            out.append(say("md.no_tool", lang))
            continue
        out += [f"| # | {tool} | {fit} | {cost} | {say('table.col_reason', lang)} |",
                "|---|---|---|---|---|"]
        fits = result.need_fit.get(need_id, {})
        for position, tool_id in enumerate(tool_ids[:per_need], start=1):
            d = _detail(result, need_id, tool_id)
            if d is not None:
                out.append(f"| {position} | {_cell(d.name)} | {fits.get(tool_id, d.fit)} | "
                           f"{money(d.monthly_cost_eur, lang)} | {tr(d.reasons[:1])} |")
        rest = list(tool_ids[per_need:])
        if rest:
            out.append(f"\n{say('md.also', lang)} {', '.join(rest)}")
    stack_lines = _stack_lines(result, lang)
    out += ["", f"## {say('md.stack', lang)}", "",
            ", ".join(result.stack.tools) or say("table.nothing_new", lang)]
    out += [line.strip() for line in stack_lines[1:]]
    for note in result.notes:
        out.append(f"- {say('table.note', lang)} {translate(note, lang)}")
    if result.excluded:
        out += ["", f"## {say('md.excluded', lang)}", ""] + [
            f"- `{e.tool_id}`: {translate(e.reason, lang)}" for e in result.excluded]
    for w in result.warnings:
        out.append(f"\n> {say('table.warning', lang)} {translate(w, lang)}")
    return "\n".join(out) + "\n"


CSV_COLUMNS = ("client", "section", "need", "rank", "tool_id", "name", "score", "fit",
               "monthly_cost_eur", "covers", "reasons", "warnings")


def suggestions_csv_rows(result: Suggestions) -> list[dict[str, Any]]:
    """One row per fact: top suggestions, shortlist entries, the stack, exclusions, notes."""
    rows: list[dict[str, Any]] = []

    def row(section: str, need: str = "", d: Any = None, **extra: Any) -> None:
        r = {c: "" for c in CSV_COLUMNS}
        r.update(client=result.client, section=section, need=need)
        if d is not None:
            r.update(rank=d.rank, tool_id=d.tool_id, name=d.name, score=d.score, fit=d.fit,
                     monthly_cost_eur="" if d.monthly_cost_eur is None else d.monthly_cost_eur,
                     covers="; ".join(d.covers), reasons="; ".join(d.reasons),
                     warnings="; ".join(d.warnings))
        r.update(extra)
        rows.append(r)

    for s in result.suggestions:
        row("suggestion", d=s)
    for need_id, tool_ids in result.by_need.items():
        fits = result.need_fit.get(need_id, {})
        for position, tool_id in enumerate(tool_ids, start=1):
            d = _detail(result, need_id, tool_id)
            if d is not None:
                row("by_need", need_id, d, rank=position, fit=fits.get(tool_id, d.fit))
            else:
                row("by_need", need_id, rank=position, tool_id=tool_id,
                    fit=fits.get(tool_id, ""))
    st = result.stack
    for tool_id in st.tools:
        row("stack", tool_id=tool_id, monthly_cost_eur=st.monthly_cost_eur,
            covers="; ".join(st.covers),
            warnings="" if st.within_budget else "over budget")
    for need_id in st.uncovered:
        row("stack_uncovered", need_id)
    for e in result.excluded:
        row("excluded", tool_id=e.tool_id, warnings=e.reason)
    for note in result.notes:
        row("note", warnings=note)
    return rows


# a spreadsheet evaluates a cell starting with one of these as a formula (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet cannot evaluate: text starting with =, +, -, @, tab or carriage
    return gets a leading single quote (OWASP's rule). Numbers are written as numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: list[dict[str, Any]], header: bool = True) -> str:
    """CSV text of rows with CSV_COLUMNS, every text cell escaped by ``csv_cell``."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()


def csv_header(lang: str = "en") -> str:
    """The CSV header line in ``lang`` (the columns of CSV_COLUMNS, in order)."""
    return ",".join(say(f"csv.{c}", lang) for c in CSV_COLUMNS) + "\n"


def suggestions_csv(result: Suggestions, *, lang: str = "en", header: bool = True) -> str:
    """CSV of one result: the header in ``lang`` and the reasons, warnings and exclusion
    reasons translated; ids, numbers and names as in the JSON."""
    rows = suggestions_csv_rows(result)
    if lang != "en":
        for row in rows:
            for key in ("reasons", "warnings"):
                cell = str(row[key])
                whole = translate(cell, lang)  # one sentence (an exclusion reason, a note)
                row[key] = whole if whole != cell or "; " not in cell else "; ".join(
                    translate(part, lang) for part in cell.split("; "))
    return (csv_header(lang) if header else "") + to_csv(rows, header=False)


def explanation_text(exp: Explanation, *, lang: str = "en", taxonomy: Taxonomy | None = None,
                     width: int = WIDTH) -> str:
    """`cinwe-reco explain` in words, in ``lang``."""
    width = max(width, WIDTH)
    out = _wrap(f"{exp.name} ({exp.tool_id}): {explanation_message(exp, lang, taxonomy)}",
                width)
    if exp.reasons:
        out += _wrap(f"{say('explain.for_it', lang):<9} "
                     + "; ".join(translate(r, lang) for r in exp.reasons), width, " " * 10)
    if exp.warnings:
        out += _wrap(f"{say('explain.against', lang):<9} "
                     + "; ".join(translate(w, lang) for w in exp.warnings), width, " " * 10)
    if exp.contributions:
        value_w = width - 24 - 8 - 2
        out.append("")
        out += columns((say("explain.feature", lang), say("explain.value", lang),
                        say("explain.push", lang)), (24, value_w, 8), "<<>")
        for c in exp.contributions:
            out += columns((c.feature, translate(c.words, lang), f"{c.contribution:+.3f}"),
                           (24, value_w, 8), "<<>")
    return "\n".join(out)


def explanation_message(exp: Explanation, lang: str = "en",
                        taxonomy: Taxonomy | None = None) -> str:
    """The one-line verdict of an explanation (ranked, excluded, in the stack...) in ``lang``."""
    return translate(exp.message, lang)
