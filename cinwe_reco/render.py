"""Formatting results for people: terminal tables, markdown and CSV.

Every format carries the same facts as the JSON output; the table fits 100 columns.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .catalog import Catalog, Tool
from .codes import LANGUAGE_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from .results import Suggestions

WIDTH = 100


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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


def tool_rows(tools: Iterable[Tool]) -> str:
    """A table of tools: id, name, main categories, price."""
    lines = [f"{'id':<22} {'name':<24} {'categories':<22} price", "-" * WIDTH]
    for t in tools:
        lines.append(f"{_clip(t.id, 22):<22} {_clip(t.name, 24):<24} "
                     f"{_clip(', '.join(t.categories), 22):<22} {_clip(price_text(t), 29)}")
    return "\n".join(lines)


def tool_card(tool: Tool, catalog: Catalog) -> str:
    """Every fact of one tool, for `catalog show`."""
    tax = catalog.taxonomy
    def known(value: Any, text: str) -> str:
        return "unknown" if value is None else text

    def yes_no(value: bool | None) -> str:
        return known(value, "yes" if value else "no")

    languages = known(tool.ui_languages, ", ".join(LANGUAGE_NAMES.get(code, code)
                                                   for code in tool.ui_languages or ()))
    rows = [
        ("id", tool.id),
        ("vendor", f"{tool.vendor or 'unknown'} ({tool.vendor_country or 'country unknown'})"),
        ("website", tool.website),
        ("categories", ", ".join(tax.label(c) for c in tool.categories)),
        ("capabilities", ", ".join(tax.label(c) for c in tool.capabilities)),
        ("pricing", price_text(tool)),
    ]
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
        ("source", f"{tool.source} (reviewed {tool.reviewed})"),
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
    out = [f"{tool.name}: {tool.description or 'no description'}"]
    for key, value in rows:
        wrapped = textwrap.wrap(value, WIDTH - 16) or [""]
        out.append(f"  {key:<13} {wrapped[0]}")
        out += [f"  {'':<13} {line}" for line in wrapped[1:]]
    return "\n".join(out)


def money(value: float | None) -> str:
    """'0', '49', '1,250' EUR; '?' when unknown."""
    if value is None:
        return "?"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.2f}"


def _need_label(result: Suggestions, need_id: str) -> str:
    priority = next((n.priority for n in result.profile.needs if n.id == need_id), "")
    return f"{need_id} ({priority})" if priority else need_id


def _header(result: Suggestions) -> str:
    m = result.model
    model = f"{m['name']} {m['version']}" if m["name"] != "rules" else "rule-based scorer"
    p = result.profile
    budget = "no budget given" if p.budget_eur_month is None else (
        f"budget {p.budget_eur_month:,.0f} EUR/month ({p.budget_mode})")
    return f"{result.client}: {budget}; ranked by {model}"


def _context_lines(result: Suggestions) -> list[str]:
    """What the client already runs: catalog tools, and other tools (shown, not scored)."""
    p = result.profile
    lines = []
    if p.current_stack:
        lines.append("Current stack: " + ", ".join(p.current_stack))
    if p.other_tools:
        lines.append("Other tools (not in the catalog, not scored): " + ", ".join(p.other_tools))
    return lines


def _detail(result: Suggestions, need_id: str, tool_id: str) -> Any:
    """A shortlist row's fit, cost and reasons for that need (or, failing that, overall)."""
    return result.need_details.get(need_id, {}).get(tool_id) or result.details.get(tool_id)


def _stack_lines(result: Suggestions) -> list[str]:
    st = result.stack
    names = ", ".join(result.details[t].name if t in result.details else t for t in st.tools)
    status = "within budget" if st.within_budget else "over budget"
    return [
        f"Recommended stack: {names or 'nothing new'}",
        f"  total {money(st.monthly_cost_eur)} EUR/month, {status}",
        f"  covers: {', '.join(st.covers) or 'none'}",
        f"  uncovered: {', '.join(st.uncovered) or 'none'}",
    ]


def suggestions_table(result: Suggestions, per_need: int = 5) -> str:
    """The terminal view: per need, a shortlist with fit, cost and top reason; then the stack."""
    out = [_clip(_header(result), WIDTH)]
    out += [line for text in _context_lines(result)
            for line in textwrap.wrap(text, WIDTH, subsequent_indent="  ")]
    out.append("")
    for need_id, tool_ids in result.by_need.items():
        out.append(_need_label(result, need_id))
        if not tool_ids:
            out.append("  no tool meets your constraints for this need")
        else:
            out.append(f"  {'#':>3} {'tool':<24} {'fit':>3} {'EUR/mo':>7}  top reason")
        fits = result.need_fit.get(need_id, {})
        for position, tool_id in enumerate(tool_ids[:per_need], start=1):
            d = _detail(result, need_id, tool_id)
            if d is None:  # computed without shortlist details: the id is all we know here
                out.append(f"  {'':>3} {_clip(tool_id, 24):<24} (shortlist position {position})")
                continue
            reason = d.reasons[0] if d.reasons else ""
            if d.warnings:
                reason = f"{reason}; ! {d.warnings[0]}" if reason else f"! {d.warnings[0]}"
            out.append(f"  {position:>3} {_clip(d.name, 24):<24} {fits.get(tool_id, d.fit):>3} "
                       f"{money(d.monthly_cost_eur):>7}  {_clip(reason, WIDTH - 45)}")
        out.append("")
    out += _stack_lines(result)
    for note in result.notes:
        out += textwrap.wrap(f"note: {note}", WIDTH, subsequent_indent="  ")
    if result.excluded:
        out.append("Excluded by your constraints:")
        for e in result.excluded[:10]:
            out.append(_clip(f"  {e.tool_id}: {e.reason}", WIDTH))
    for w in result.warnings:
        out += textwrap.wrap(f"warning: {w}", WIDTH, subsequent_indent="  ")
    return "\n".join(out)


def suggestions_markdown(result: Suggestions, per_need: int = 5) -> str:
    """The same facts as markdown, for a report to the client."""
    out = [f"# {result.client}", "", _header(result), ""]
    context = _context_lines(result)
    if context:
        out += [f"- {line}" for line in context] + [""]
    out += ["## Top suggestions", "",
            "| # | tool | fit | EUR/month | covers | reasons | warnings |",
            "|---|---|---|---|---|---|---|"]
    for s in result.suggestions:
        out.append(f"| {s.rank} | {s.name} (`{s.tool_id}`) | {s.fit} | "
                   f"{money(s.monthly_cost_eur)} | {', '.join(s.covers)} | "
                   f"{'; '.join(s.reasons)} | {'; '.join(s.warnings)} |")
    for need_id, tool_ids in result.by_need.items():
        out += ["", f"## {_need_label(result, need_id)}", ""]
        if not tool_ids:
            out.append("No tool meets your constraints for this need.")
            continue
        out += ["| # | tool | fit | EUR/month | top reason |", "|---|---|---|---|---|"]
        fits = result.need_fit.get(need_id, {})
        for position, tool_id in enumerate(tool_ids[:per_need], start=1):
            d = _detail(result, need_id, tool_id)
            if d is not None:
                out.append(f"| {position} | {d.name} | {fits.get(tool_id, d.fit)} | "
                           f"{money(d.monthly_cost_eur)} | {d.reasons[0] if d.reasons else ''} |")
        rest = [t for t in tool_ids[per_need:]]
        if rest:
            out.append(f"\nAlso: {', '.join(rest)}")
    out += ["", "## Recommended stack", ""] + [line.strip() for line in _stack_lines(result)[1:]]
    out.insert(len(out) - 3, ", ".join(result.stack.tools) or "nothing new")
    for note in result.notes:
        out.append(f"- note: {note}")
    if result.excluded:
        out += ["", "## Excluded", ""] + [f"- `{e.tool_id}`: {e.reason}" for e in result.excluded]
    for w in result.warnings:
        out.append(f"\n> warning: {w}")
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


def explanation_text(exp: Any) -> str:
    """`cinwe-reco explain` in words."""
    out = [f"{exp.name} ({exp.tool_id}): {exp.message}"]
    if exp.reasons:
        out.append("for it:   " + "; ".join(exp.reasons))
    if exp.warnings:
        out.append("against:  " + "; ".join(exp.warnings))
    if exp.contributions:
        out.append("")
        out.append(f"{'feature':<24} {'value':<44} {'push':>8}")
        for c in exp.contributions:
            out.append(f"{c.feature:<24} {_clip(c.words, 44):<44} {c.contribution:>+8.3f}")
    return "\n".join(out)
