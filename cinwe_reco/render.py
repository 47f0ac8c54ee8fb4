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
    from .recommender import Suggestions

WIDTH = 100


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def price_text(tool: Tool) -> str:
    """'free plan, then 9 EUR/month' and the like."""
    if tool.entry_eur_month is None:
        paid = "price on request" if tool.quote_only else "no public price"
    else:
        paid = f"{tool.entry_eur_month:,.0f} EUR/month" + (" per user" if tool.per_user else "")
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
    languages = ", ".join(LANGUAGE_NAMES.get(code, code) for code in tool.ui_languages)
    rows = [
        ("id", tool.id),
        ("vendor", f"{tool.vendor} ({tool.vendor_country})"),
        ("website", tool.website),
        ("categories", ", ".join(tax.label(c) for c in tool.categories)),
        ("capabilities", ", ".join(tax.label(c) for c in tool.capabilities)),
        ("pricing", price_text(tool)),
    ]
    if tool.free_plan_limits:
        rows.append(("free plan", tool.free_plan_limits))
    rows += [
        ("company size", f"{tool.min_employees:,} to {tool.max_employees:,} employees"),
        ("interface", languages),
        ("EU hosting", "yes" if tool.eu_hosting else "no"),
        ("open source", "yes" if tool.open_source else "no"),
        ("self-hostable", "yes" if tool.self_hostable else "no"),
        ("ease of use", f"{tool.ease_of_use}/5"),
        ("integrations", ", ".join(tool.integrations) or "none listed"),
        ("sectors", ", ".join(tax.label(s) for s in tool.sectors) or "generalist"),
        ("source", f"{tool.source} (reviewed {tool.reviewed})"),
    ]
    if tool.status != "reviewed":
        rows.append(("status", f"{tool.status}, unreviewed: check the facts"))
    out = [f"{tool.name}: {tool.description}"]
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
