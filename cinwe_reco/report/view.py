"""What the client report shows, as plain data: ``build_view`` turns a ``Suggestions`` and the
catalog into the sections the template draws, with every fixed text in the report's language.

Nothing here writes HTML: the template does, with autoescaping, so a client name or a catalog
text holding markup is shown as text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .._version import __version__
from ..catalog import Catalog, Tool
from ..errors import ReportError
from ..explain import short_name
from ..i18n import translate
from ..profile import PRIORITIES, Need
from ..results import Suggestion, Suggestions
from . import charts
from .messages import messages

SECTIONS = ("summary", "stack", "needs", "connections", "excluded", "sources")
STRENGTH_ORDER = ("core", "solid", "basic")


# --------------------------------------------------------------------------- formatting


class Formatter:
    """Numbers, amounts and dates the way a reader of ``lang`` writes them."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.t = messages(lang)

    def number(self, value: float, decimals: int = 0) -> str:
        text = f"{value:,.{decimals}f}"
        if self.lang == "fr":  # 1 250,50: narrow no-break space for thousands, comma decimal
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def money(self, value: float) -> str:
        """'1 250 €' in French, '€1,250' in English; cents only under 10 EUR."""
        decimals = 0 if value >= 10 or value == int(value) else 2
        amount = self.number(value, decimals)
        return f"{amount}\u00a0€" if self.lang == "fr" else f"€{amount}"

    def cost(self, value: float | None, tool: Tool | None) -> str:
        """A monthly cost in words: free, an amount (about, when estimated), or why unknown."""
        if value is None:
            return self.t["on_quote"] if tool is not None and tool.quote_only \
                else self.t["no_price"]
        if value == 0:
            return self.t["free"]
        text = self.money(value)
        if tool is not None and tool.price_estimated:
            text = self.t["about"].format(amount=text)
        return text

    def date(self, value: str | dt.date) -> str:
        """'4 December 2026' / '4 décembre 2026'; text that is not a date is kept."""
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
        month = self.t["months"][day.month - 1]
        if self.lang == "fr":
            return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
        return f"{day.day} {month} {day.year}"

    def join(self, items: list[str]) -> str:
        """'a, b and c' / 'a, b et c'."""
        if len(items) <= 1:
            return "".join(items)
        word = " et " if self.lang == "fr" else " and "
        return ", ".join(items[:-1]) + word + items[-1]


def sentence(text: str) -> str:
    """An engine phrase as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


# --------------------------------------------------------------------------- view model


@dataclass
class Text:
    """A piece of text and its language (the engine's sentences may be in another one)."""

    text: str
    lang: str


@dataclass
class ToolRow:
    """A tool in the stack table."""

    id: str
    name: str
    description: str | None
    covers: list[str]
    cost: str


@dataclass
class Coverage:
    """One need and who covers it."""

    need: str
    priority: str
    state: str  # "stack" | "current" | "none"
    text: str


@dataclass
class ShortRow:
    """One tool of a need's shortlist."""

    position: int
    id: str
    name: str
    description: str | None
    in_stack: bool
    fit: int
    cost: str
    strength: str
    strength_key: str
    reasons: list[Text]
    warnings: list[Text]


@dataclass
class NeedBlock:
    """A need with its shortlist."""

    id: str
    label: str
    priority: str
    priority_key: str
    rows: list[ShortRow]
    also: list[str]


@dataclass
class SourceRow:
    """Where a tool's facts come from."""

    name: str
    url: str | None  # a web address, only when it is one (http or https)
    source: str
    reviewed: str
    basis: str
    unverified: bool
    flags: list[str]
    notes: Text | None
    also: list[str]


@dataclass
class ReportView:
    """Everything the template draws, in the report's language."""

    lang: str
    t: dict[str, Any]
    title: str
    made_with: str
    client: str
    sections: list[tuple[str, str]]
    facts: list[tuple[str, str]]
    needs_by_priority: list[tuple[str, str, list[str]]]
    stack_tools: list[ToolRow]
    stack_total: str
    stack_budget: str | None
    within_budget: bool
    coverage: list[Coverage]
    notes: list[Text]
    cost_chart: charts.CostChart
    needs_intro: str
    needs: list[NeedBlock]
    matrix: charts.Matrix | None
    links_text: list[tuple[str, str]]
    current_missing: str | None
    excluded: list[tuple[str, Text]]
    sources_summary: str
    sources: list[SourceRow]
    method: str
    engine_warnings: list[Text] = field(default_factory=list)


def _covers(tool: Tool, need: Need) -> bool:
    return need.id in (tool.capabilities if need.kind == "capability" else tool.categories)


def need_strength(tool: Tool, need: Need, catalog: Catalog) -> str | None:
    """core, solid or basic: the tool's strength for the need (for a category, its strongest
    capability of that category); None when unknown."""
    if need.kind == "capability":
        return tool.strength(need.id)
    caps = set(catalog.taxonomy.capabilities_of_category(need.id))
    found = [tool.strength(c) for c in tool.capabilities if c in caps]
    for s in STRENGTH_ORDER:
        if s in found:
            return s
    return None


def _web(url: str) -> str | None:
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def _source_text(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        path = parts.path.rstrip("/")
        return parts.netloc.removeprefix("www.") + (path if len(path) <= 40 else path[:39] + "…")
    return url


def _order(needs: tuple[Need, ...]) -> list[Need]:
    return sorted(needs, key=lambda n: PRIORITIES.index(n.priority))


def build_view(result: Suggestions, catalog: Catalog, lang: str, top: int = 5,
               text_lang: str | None = None, today: dt.date | None = None) -> ReportView:
    """The report's content for one client. ``top`` tools per need are described in full;
    ``text_lang`` is the language of the engine's sentences (default: its ``lang`` attribute
    when it has one, else English)."""
    fmt = Formatter(lang)
    t = fmt.t
    tax = catalog.taxonomy
    p = result.profile
    if p is None:
        raise ReportError("the report needs the Suggestions of Recommender.suggest (with its "
                         "profile)")
    engine = text_lang or getattr(result, "lang", None) or "en"

    def said(text: str) -> Text:
        # the engine's sentences are translatable (cinwe_reco.i18n): said in the page's
        # language; a sentence that cannot be is shown as it is, marked with its language
        spoken = translate(text, lang)
        return Text(sentence(spoken), lang if spoken != str(text) or lang == engine else engine)

    def tool(tool_id: str) -> Tool | None:
        return catalog.get(tool_id) if tool_id in catalog else None

    def name(tool_id: str) -> str:
        entry = tool(tool_id)
        return entry.name if entry is not None else tool_id

    def label(term: str) -> str:
        return tax.label(term, lang)

    needs = _order(p.needs)
    need_of = {n.id: n for n in p.needs}

    # ---- summary
    langs = fmt.join([t["languages"].get(code, code) for code in p.languages])
    constraints = []
    for key, level in (("eu_hosting", p.eu_hosting), ("open_source", p.open_source),
                       ("language", p.language)):
        if level in ("required", "preferred"):
            constraints.append(t[f"constraint_{key}_{level}"].format(languages=langs))
    if p.exclude:
        constraints.append(t["constraint_exclude"].format(
            tools=", ".join(name(x) for x in p.exclude)))
    if p.budget_eur_month is None:
        budget = t["budget_none"]
    else:
        budget = t[f"budget_{p.budget_mode}"].format(amount=fmt.money(p.budget_eur_month))
    facts = [(t["fact_client"], p.client)]
    if p.sector:
        facts.append((t["fact_sector"], label(p.sector)))
    facts += [
        (t["fact_country"], t["countries"].get(p.country, p.country)),
        (t["fact_size"], t["size_text"].format(employees=fmt.number(p.employees),
                                               users=fmt.number(p.users))),
        (t["fact_contacts"], t["contacts_unknown"] if p.contacts is None
         else t["contacts_text"].format(contacts=fmt.number(p.contacts))),
        (t["fact_budget"], budget),
        (t["fact_constraints"], t["list_separator"].join(constraints) if constraints
         else t["constraints_none"]),
        (t["fact_current"], ", ".join(name(x) for x in p.current_stack) or t["none"]),
    ]
    if p.other_tools:
        facts.append((t["fact_other"], f"{', '.join(p.other_tools)} ({t['other_tools_note']})"))
    if p.goals:
        facts.append((t["fact_goals"], ", ".join(label(g) for g in p.goals)))
    by_priority = [(prio, t["priorities"][prio], [label(n.id) for n in needs
                                                  if n.priority == prio])
                   for prio in PRIORITIES]
    by_priority = [x for x in by_priority if x[2]]

    # ---- stack
    st = result.stack

    def covers_of(tool_id: str) -> list[str]:
        d = result.details.get(tool_id)
        if d is not None:
            return list(d.covers)
        entry = tool(tool_id)
        return [n.id for n in p.needs if entry is not None and _covers(entry, n)]

    def stack_cost(tool_id: str) -> float | None:
        d = result.details.get(tool_id)
        return d.monthly_cost_eur if d is not None else None

    stack_tools = [ToolRow(x, name(x), getattr(tool(x), "description", None),
                           [label(n) for n in covers_of(x) if n in need_of],
                           fmt.cost(stack_cost(x), tool(x))) for x in st.tools]
    coverage = []
    for n in needs:
        if n.id in st.covers:
            owners = [name(x) for x in st.tools if n.id in covers_of(x)]
            state, text = "stack", t["covered_by"].format(tools=fmt.join(owners))
        elif n.id in st.uncovered:
            state, text = "none", t["not_covered"]
        else:
            owners = [short_name(name(x)) for x in p.current_stack
                      if tool(x) is not None and _covers(catalog.get(x), n)]
            state, text = "current", t["covered_current"].format(tools=fmt.join(owners))
        coverage.append(Coverage(label(n.id), t["priority_short"][n.priority], state, text))
    chart = charts.cost_chart(
        [(short_name(name(x)), stack_cost(x)) for x in st.tools], p.budget_eur_month,
        p.budget_mode == "flexible", fmt.money,
        {"stack": t["chart_stack"], "budget": t["chart_budget"], "flex": t["chart_flex"],
         "no_budget": t["chart_no_budget"], "free": t["chart_free"],
         "unpriced": t["chart_unpriced"], "per_month": t["per_month"],
         "item": t["chart_item"]},
        [fmt.cost(stack_cost(x), tool(x)) for x in st.tools])

    # ---- needs
    size = [t["size_users"].format(users=fmt.number(p.users))]
    if p.contacts is not None:
        size.append(t["size_contacts"].format(contacts=fmt.number(p.contacts)))
    blocks = []
    shown: list[str] = []
    for n in needs:
        ids = result.by_need.get(n.id, [])
        fits = result.need_fit.get(n.id, {})
        rows, also = [], []
        for tool_id in ids:
            d: Suggestion | None = (result.need_details.get(n.id, {}).get(tool_id)
                                    or result.details.get(tool_id))
            if d is None or len(rows) >= top:
                also.append(name(tool_id))
                continue
            entry = tool(tool_id)
            strength = need_strength(entry, n, catalog) if entry is not None else None
            rows.append(ShortRow(
                len(rows) + 1, tool_id, d.name,
                entry.description if entry is not None else None, tool_id in st.tools,
                int(fits.get(tool_id, d.fit)), fmt.cost(d.monthly_cost_eur, entry),
                t["strength"][strength or "unknown"], strength or "unknown",
                [said(r) for r in d.reasons], [said(w) for w in d.warnings]))
            shown.append(tool_id)
        blocks.append(NeedBlock(n.id, label(n.id), t["priorities"][n.priority], n.priority,
                                rows, also))

    # ---- connections
    current = [x for x in p.current_stack if x in catalog]
    missing = [x for x in p.current_stack if x not in catalog]
    matrix = None
    links_text = []
    if st.tools and (current or len(st.tools) > 1):
        cols = list(st.tools) + [x for x in current if x not in st.tools]
        kinds, titles = [], []
        kind_words = {"link": t["legend_link"], "built": t["legend_built"],
                      "none": t["legend_none"], "self": t["legend_self"]}
        for a in st.tools:
            row = [relation(catalog.get(a), catalog.get(b)) for b in cols]
            kinds.append(row)
            titles.append([t["matrix_pair"].format(a=short_name(name(a)), b=short_name(name(b)),
                                                   kind=kind_words[k])
                           for b, k in zip(cols, row, strict=True)])
        matrix = charts.matrix_chart(
            [short_name(name(x)) for x in st.tools], [short_name(name(x)) for x in cols],
            kinds, len(st.tools), (t["matrix_new"], t["matrix_current"]),
            [(k, kind_words[k]) for k in ("link", "built", "none", "self")], titles)
        for a, row in zip(st.tools, kinds, strict=True):
            linked = [short_name(name(b)) for b, k in zip(cols, row, strict=True)
                      if k in ("link", "built")]
            links_text.append((name(a), t["links_with"].format(tools=fmt.join(linked))
                               if linked else t["links_none"]))

    # ---- excluded
    excluded = []
    for e in result.excluded:
        if e.tool_id in p.current_stack:
            excluded.append((name(e.tool_id), Text(sentence(t["already_yours"]), lang)))
        else:
            excluded.append((name(e.tool_id), said(e.reason)))

    # ---- sources
    mentioned = list(dict.fromkeys([*st.tools, *shown, *(e.tool_id for e in result.excluded
                                                         if e.tool_id not in p.current_stack)]))
    sources = []
    counts = {"pages": 0, "knowledge": 0, "imported": 0}
    for tool_id in mentioned:
        entry = tool(tool_id)
        if entry is None:
            continue
        flags = []
        if entry.status == "imported":
            counts["imported"] += 1
            flags.append(t["imported"])
            if entry.unknown_facts:
                flags.append(t["unknown_facts"].format(facts=", ".join(entry.unknown_facts)))
        elif entry.review_basis in counts:
            counts[entry.review_basis] += 1
        if entry.price_estimated:
            flags.append(t["price_estimated"])
        basis = {"pages": t["basis_pages"], "knowledge": t["basis_knowledge"]}.get(
            entry.review_basis or "", t["basis_unknown"])
        sources.append(SourceRow(
            entry.name, _web(entry.source), _source_text(entry.source), fmt.date(entry.reviewed),
            basis, entry.status == "imported" or entry.review_basis != "pages", flags,
            Text(entry.notes.strip(), "en") if entry.notes else None,
            [str(s.get("name", "")) for s in entry.sources if s.get("name")]))
    m = result.model
    if m.get("name") == "rules":
        method = t["method_rules"]
    else:
        method = t["method_model"].format(name=m.get("name"), version=m.get("version"),
                                          trained=fmt.date(str(m.get("trained_at") or "")[:10]))
    day = today or dt.date.today()
    return ReportView(
        lang=lang, t=t, title=t["title"].format(client=p.client),
        made_with=t["made_with"].format(version=__version__, date=fmt.date(day)),
        client=p.client, sections=[(s, t["sections"][s]) for s in SECTIONS], facts=facts,
        needs_by_priority=by_priority, stack_tools=stack_tools,
        stack_total=t["stack_total"].format(total=fmt.money(st.monthly_cost_eur)),
        stack_budget=None if p.budget_eur_month is None
        else t["stack_vs_budget"].format(budget=fmt.money(p.budget_eur_month)),
        within_budget=st.within_budget, coverage=coverage,
        notes=[said(x) for x in result.notes], cost_chart=chart,
        needs_intro=t["needs_intro"].format(size=", ".join(size)), needs=blocks,
        matrix=matrix, links_text=links_text,
        current_missing=t["current_not_in_catalog"].format(tools=", ".join(missing))
        if missing else None,
        excluded=excluded,
        sources_summary=t["sources_summary"].format(
            total=len(sources), pages=counts["pages"], knowledge=counts["knowledge"],
            imported=counts["imported"]),
        sources=sources, method=method,
        engine_warnings=[said(w) for w in result.warnings],
    )


def relation(a: Tool, b: Tool) -> str:
    """How two tools connect: self, built (one is built for or runs inside the other), link
    (an integration either side lists) or none."""
    if a.id == b.id:
        return "self"
    if b.id in a.platforms or b.id in a.requires or a.id in b.platforms or a.id in b.requires:
        return "built"
    if b.id in a.integrations or a.id in b.integrations:
        return "link"
    return "none"
