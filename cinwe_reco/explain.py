"""Reasons in plain words, from the model's per-feature contributions and the tool's facts.

LightGBM's ``pred_contrib`` says how much each feature pushed a tool's score up or down for this
client. Features are grouped into *aspects* (coverage, cost, size, language...); the aspects that
pushed the score up most become the reasons, the ones that pulled it down the warnings. A
sentence is only said when the facts support it, so no reason contradicts the catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .candidates import CatalogArrays
from .catalog import Catalog, Tool
from .codes import LANGUAGE_NAMES
from .features import FEATURE_INDEX, FEATURE_NAMES
from .profile import Need, Profile

ASPECTS: dict[str, tuple[str, ...]] = {
    "need": ("need_strength", "need_home", "plan_upgrade"),
    "cost": ("monthly_cost_eur", "cost_budget_ratio", "free_plan_fits", "price_unknown",
             "per_user"),
    "presence": ("presence",),
    "platform": ("platform_fit",),
    "size": ("size_fit",),
    "language": ("language_fit",),
    "hosting": ("eu_fit",),
    "open_source": ("oss_fit", "self_hostable"),
    "ease": ("ease_of_use", "skill_gap", "maturity_gap"),
    "stack": ("stack_integrations", "stack_integration_frac"),
    "overlap": ("main_category_in_stack",),
    "breadth": ("other_needs_fit",),
    "sector": ("sector_fit",),
    "goals": ("goal_fit",),
    "popularity": ("popularity",),
}
ASPECT_OF = {f: a for a, fs in ASPECTS.items() for f in fs}
STRENGTH_WORDS = {3.0: "core job", 2.0: "a full module", 1.0: "a side feature"}

# how each feature reads in `explain`, from its value
FEATURE_WORDS: dict[str, Callable[[float], str]] = {
    "need_strength": lambda v: "strength unknown" if np.isnan(v) else
    f"for this need: {STRENGTH_WORDS.get(v, f'strength {v:.0f}')}",
    "need_home": lambda v: "made for this need" if v else "not the kind of tool made for it",
    "plan_upgrade": lambda v: "needs a higher plan" if v else "in the entry plan",
    "other_needs_fit": lambda v: "your only need" if np.isnan(v) else
    f"serves {v:.0%} of your other needs, by strength",
    "monthly_cost_eur": lambda v: "no public price" if np.isnan(v) else f"about {v:,.0f} EUR/month",
    "cost_budget_ratio": lambda v: "budget unknown" if np.isnan(v) else f"{v:.0%} of the budget",
    "free_plan_fits": lambda v: "free plan fits" if v else "no free plan that fits",
    "price_unknown": lambda v: "price unknown" if v else "price known",
    "presence": lambda v: "market presence unknown" if np.isnan(v) else
    f"market presence {v:.0f}/5",
    "platform_fit": lambda v: {1: "built for your platform", -1: "built for other platforms"
                               }.get(v, "no platform tie"),
    "size_fit": lambda v: "fits your size" if v == 0 else f"size off by {-v:.1f} (log2)",
    "language_fit": lambda v: {1: "interface in your language", -1: "not in your language"}.get(
        v, "language not a criterion"),
    "eu_fit": lambda v: {1: "EU hosting", -1: "no EU hosting"}.get(v, "hosting not a criterion"),
    "oss_fit": lambda v: {1: "open source", -1: "not open source"}.get(
        v, "licence not a criterion"),
    "ease_of_use": lambda v: f"ease of use {v:.0f}/5",
    "skill_gap": lambda v: "no skill gap" if v == 0 else f"skill gap {v:.0f}",
    "maturity_gap": lambda v: "fits your digital maturity" if v == 0 else f"maturity gap {v:.1f}",
    "stack_integrations": lambda v: f"integrates with {v:.0f} tool(s) of your stack",
    "stack_integration_frac": lambda v: "no current stack" if np.isnan(v) else
    f"{v:.0%} of your stack",
    "main_category_in_stack": lambda v: "your stack has one of its kind" if v else
    "new kind of tool",
    "sector_fit": lambda v: {1: "built for your sector", -1: "built for other sectors"}.get(
        v, "generalist"),
    "goal_fit": lambda v: "no goals given" if np.isnan(v) else f"serves {v:.0%} of your goals",
    "per_user": lambda v: "priced per user" if v else "flat price",
    "self_hostable": lambda v: "self-hostability unknown" if np.isnan(v) else
    "self-hostable" if v else "cloud only",
    "popularity": lambda v: "no popularity figure" if np.isnan(v) else
    f"popularity {v:.2f} (StackShare)",
}


# features that are NaN only because the entry leaves a fact unknown
_FACT_FEATURES = {"free_plan_fits", "size_fit", "language_fit", "eu_fit", "oss_fit",
                  "ease_of_use", "skill_gap", "sector_fit", "per_user", "need_strength",
                  "presence"}


def describe(feature: str, value: float) -> str:
    """A feature's value in words, for `explain`."""
    if feature in _FACT_FEATURES and np.isnan(value):
        return "unknown: the entry does not say"
    return FEATURE_WORDS[feature](value)


@dataclass(frozen=True)
class ToolContext:
    """Everything a sentence may mention about one tool for one client."""

    profile: Profile
    tool: Tool
    x: dict[str, float]
    covers: list[str]
    stack_links: list[str]
    catalog: Catalog
    need: Need | None = None  # the need this row ranks the tool for


def short_name(name: str) -> str:
    """'WordPress (self-hosted, wordpress.org)' -> 'WordPress'."""
    return name.split(" (")[0].strip() or name


def _names(ids: list[str], catalog: Catalog) -> str:
    names = [short_name(catalog.get(i).name) for i in ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _lang(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def _need_label(c: ToolContext) -> str:
    return c.catalog.taxonomy.label(c.need.id).lower() if c.need else ""


def positive_sentence(aspect: str, c: ToolContext) -> str | None:
    """The reason an aspect gives, or None when the facts do not support one."""
    p, t, x = c.profile, c.tool, c.x
    if aspect == "need" and c.need is not None:
        strength = x["need_strength"]
        label = _need_label(c)
        must = " (a must-have)" if c.need.priority == "must" else ""
        if strength == 3:
            return f"{label} is what it is built for{must}"
        if strength == 2:
            return f"a full {label} module{must}"
        return None
    if aspect == "cost":
        if x["free_plan_fits"]:
            if p.contacts and t.free_max_contacts:
                return f"free plan covers your {p.contacts:,} contacts"
            if t.free_max_users and p.users <= t.free_max_users:
                return f"free plan covers your {p.users} user(s)"
            return "has a free plan"
        cost = x["monthly_cost_eur"]
        if not np.isnan(cost) and p.budget_eur_month is not None and cost <= p.budget_eur_month:
            size = f" for {p.contacts:,} contacts" if p.contacts and t.contact_tiers else ""
            return f"about {cost:,.0f} EUR/month{size}, within your budget"
        return None
    if aspect == "presence" and (t.presence or 0) >= 4:
        return ("a category leader among French SMEs" if t.presence == 5
                else "widely used by French and European SMEs")
    if aspect == "platform" and x["platform_fit"] > 0:
        ours = [i for i in t.platforms if i in c.profile.current_stack]
        return f"built for {_names(ours, c.catalog)}" if ours else None
    if aspect == "size" and x["size_fit"] == 0:
        return f"made for companies of your size ({t.min_employees:,}-{t.max_employees:,} people)"
    if aspect == "language" and x["language_fit"] > 0:
        spoken = [lang for lang in p.languages if lang in (t.ui_languages or ())]
        return f"{_lang(spoken[0])} interface" if spoken else None
    if aspect == "hosting" and t.eu_hosting:
        return "data hosted in the EU"
    if aspect == "open_source" and t.open_source:
        return "open source" + (", can run on your own server" if t.self_hostable else "")
    if aspect == "ease" and x["skill_gap"] == 0 and (t.ease_of_use or 0) >= 4:
        return "easy to set up without technical help"
    if aspect == "stack" and c.stack_links:
        return f"integrates with your {_names(c.stack_links, c.catalog)}"
    if aspect == "breadth" and len(c.covers) > 1:
        others = [n for n in c.covers if c.need is None or n != c.need.id]
        return "also covers " + ", ".join(others[:3]) if others else None
    if aspect == "sector" and x["sector_fit"] > 0 and p.sector:
        return f"built for {c.catalog.taxonomy.label(p.sector).lower()}"
    if aspect == "goals" and p.goals and x["goal_fit"] > 0:
        tax = c.catalog.taxonomy
        served = [g for g in p.goals if set(tax.goals[g].related) & set(t.capabilities)]
        if served:
            return "serves your goal" + ("s " if len(served) > 1 else " ") + ", ".join(
                tax.label(g).lower() for g in served)
    if aspect == "popularity" and x["popularity"] >= 0.5:
        return "widely used (StackShare popularity)"
    return None


def warning_sentences(c: ToolContext) -> dict[str, str]:
    """Facts that count against the tool for this client, by aspect."""
    p, t, x = c.profile, c.tool, c.x
    out: dict[str, str] = {}
    cost = x["monthly_cost_eur"]
    budget = p.budget_eur_month
    if np.isnan(cost):
        out["cost"] = ("price on request: ask the vendor for a quote" if t.quote_only
                       else "no public price: check the cost with the vendor")
    elif budget is not None and cost > budget:
        out["cost"] = f"over budget by {cost - budget:,.0f} EUR/month"
    elif t.free_plan and not x["free_plan_fits"] and p.contacts and t.free_max_contacts \
            and p.contacts > t.free_max_contacts:
        out["cost"] = f"free plan limited to {t.free_max_contacts:,} contacts"
    if x["skill_gap"] >= 2:
        out["ease"] = "needs a technical person to set up"
    elif x["maturity_gap"] >= 2:
        out["ease"] = "a large suite for your current digital maturity"
    if t.ui_languages is not None and p.language != "any" and not set(p.languages) & set(
            t.ui_languages):
        out["language"] = f"no {_lang(p.languages[0])} interface"
    if t.eu_hosting is False and p.eu_hosting == "preferred":
        out["hosting"] = "no EU data hosting"
    if t.open_source is False and p.open_source == "preferred":
        out["open_source"] = "not open source"
    if x["size_fit"] <= -1:
        out["size"] = (f"built for larger companies ({t.min_employees:,}+ employees)"
                       if p.employees < t.min_employees else
                       f"built for smaller teams (up to {t.max_employees:,} employees)")
    if x["main_category_in_stack"]:
        out["overlap"] = "your stack already has a tool of this kind"
    if c.need is not None and x["need_strength"] == 1:
        out["need"] = f"only a side feature for {_need_label(c)}: a specialist does more"
    if c.need is not None and x["plan_upgrade"]:
        plan = t.plan_price(c.need.id)
        out.setdefault("need", f"{_need_label(c)} needs a higher plan"
                       + (f" (from {plan:,.0f} EUR/month)" if plan else ""))
    if x["platform_fit"] < 0:
        out["platform"] = "built for " + _names(list(t.platforms[:3]), c.catalog) + \
            ", not your platform"
    if x["sector_fit"] < 0:
        out["sector"] = "made for other sectors (" + ", ".join((t.sectors or ())[:3]) + ")"
    return out


def tool_context(profile: Profile, arrays: CatalogArrays, row: int, x_row: np.ndarray,
                 covers_row: np.ndarray, need: Need | None = None) -> ToolContext:
    """The context of one candidate (its catalog row, feature row and coverage row), for one
    need of the profile (its shortlist) or, without ``need``, for the client as a whole."""
    catalog = arrays.catalog
    tool = catalog.tools[row]
    x = {name: float(x_row[i]) for name, i in FEATURE_INDEX.items()}
    covers = [n.id for n, c in zip(profile.needs, covers_row, strict=True) if c]
    stack_rows = arrays.rows(profile.current_stack)
    linked = arrays.links(np.array([row]), stack_rows)[0]
    links = [str(arrays.ids[r]) for r, hit in zip(stack_rows, linked, strict=True) if hit]
    return ToolContext(profile, tool, x, covers, links, catalog, need)


def reasons_and_warnings(ctx: ToolContext, contrib: np.ndarray | None,
                         max_reasons: int = 4) -> tuple[list[str], list[str]]:
    """Two to four reasons and the warnings for one tool.

    ``contrib`` is the tool's row of per-feature contributions (None for the rule-based
    fallback: aspects are then taken in a fixed order of importance).
    """
    if contrib is not None:
        by_aspect: dict[str, float] = {}
        for name, value in zip(FEATURE_NAMES, contrib[: len(FEATURE_NAMES)], strict=True):
            by_aspect[ASPECT_OF[name]] = by_aspect.get(ASPECT_OF[name], 0.0) + float(value)
        order = sorted(by_aspect, key=lambda a: -by_aspect[a])
    else:
        by_aspect = {a: 1.0 for a in ASPECTS}
        order = list(ASPECTS)
    reasons: list[str] = []
    if ctx.need is not None and "need" in order:
        # a shortlist row's first reason is about that row's need
        order = ["need", *(a for a in order if a != "need")]
    for aspect in order:
        if by_aspect[aspect] <= 0 and len(reasons) >= 2:
            break
        sentence = positive_sentence(aspect, ctx)
        if sentence:
            reasons.append(sentence)
        if len(reasons) == max_reasons:
            break
    warnings = warning_sentences(ctx)
    ordered = sorted(warnings, key=lambda a: by_aspect.get(a, 0.0))
    out_warnings = [warnings[a] for a in ordered]
    if ctx.tool.status != "reviewed":
        unknown = ctx.tool.unknown_facts
        out_warnings.append("imported, unreviewed: check the facts" + (
            f" ({', '.join(unknown)} unknown)" if unknown else ""))
    return reasons, out_warnings
