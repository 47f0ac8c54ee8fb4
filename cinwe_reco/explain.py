"""Reasons in plain words, from the model's per-feature contributions and the tool's facts.

Every sentence comes from the templates of ``cinwe_reco/i18n`` (English and French), as a
:class:`~cinwe_reco.i18n.Text` that renderers can say in the client's language.

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
from .features import FEATURE_INDEX, FEATURE_NAMES
from .i18n import Items, Label, Text, language_name, term, text
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
STRENGTH_WORDS = {3.0: "strength_core", 2.0: "strength_solid", 1.0: "strength_basic"}


def _pick(v: float, keys: dict[float, str], default: str) -> Text:
    return text("feature." + keys.get(v, default))


# how each feature reads in `explain`, from its value (sentences from cinwe_reco/i18n)
FEATURE_WORDS: dict[str, Callable[[float], Text]] = {
    "need_strength": lambda v: text("feature.strength_unknown") if np.isnan(v) else
    text("feature." + STRENGTH_WORDS[v]) if v in STRENGTH_WORDS else
    text("feature.strength_other", value=v),
    "need_home": lambda v: text("feature.home_yes" if v else "feature.home_no"),
    "plan_upgrade": lambda v: text("feature.upgrade_yes" if v else "feature.upgrade_no"),
    "other_needs_fit": lambda v: text("feature.only_need") if np.isnan(v) else
    text("feature.other_needs", share=v),
    "monthly_cost_eur": lambda v: text("feature.no_price") if np.isnan(v) else
    text("feature.cost", cost=v),
    "cost_budget_ratio": lambda v: text("feature.budget_unknown") if np.isnan(v) else
    text("feature.budget_share", share=v),
    "free_plan_fits": lambda v: text("feature.free_fits" if v else "feature.free_no"),
    "price_unknown": lambda v: text("feature.price_unknown" if v else "feature.price_known"),
    "presence": lambda v: text("feature.presence_unknown") if np.isnan(v) else
    text("feature.presence", value=v),
    "platform_fit": lambda v: _pick(v, {1: "platform_yes", -1: "platform_no"}, "platform_none"),
    "size_fit": lambda v: text("feature.size_fits") if v == 0 else
    text("feature.size_off", value=-v),
    "language_fit": lambda v: _pick(v, {1: "language_yes", -1: "language_no"}, "language_none"),
    "eu_fit": lambda v: _pick(v, {1: "eu_yes", -1: "eu_no"}, "eu_none"),
    "oss_fit": lambda v: _pick(v, {1: "oss_yes", -1: "oss_no"}, "oss_none"),
    "ease_of_use": lambda v: text("feature.ease", value=v),
    "skill_gap": lambda v: text("feature.skill_none") if v == 0 else
    text("feature.skill_gap", value=v),
    "maturity_gap": lambda v: text("feature.maturity_fits") if v == 0 else
    text("feature.maturity_gap", value=v),
    "stack_integrations": lambda v: text("feature.stack_links", value=v),
    "stack_integration_frac": lambda v: text("feature.no_stack") if np.isnan(v) else
    text("feature.stack_share", share=v),
    "main_category_in_stack": lambda v: text("feature.kind_in_stack" if v else
                                             "feature.kind_new"),
    "sector_fit": lambda v: _pick(v, {1: "sector_yes", -1: "sector_no"}, "sector_none"),
    "goal_fit": lambda v: text("feature.no_goals") if np.isnan(v) else
    text("feature.goals", share=v),
    "per_user": lambda v: text("feature.per_user" if v else "feature.flat"),
    "self_hostable": lambda v: text("feature.selfhost_unknown") if np.isnan(v) else
    text("feature.selfhost_yes" if v else "feature.selfhost_no"),
    "popularity": lambda v: text("feature.no_popularity") if np.isnan(v) else
    text("feature.popularity", value=v),
}


# features that are NaN only because the entry leaves a fact unknown
_FACT_FEATURES = {"free_plan_fits", "size_fit", "language_fit", "eu_fit", "oss_fit",
                  "ease_of_use", "skill_gap", "sector_fit", "per_user", "need_strength",
                  "presence"}


def describe(feature: str, value: float) -> Text:
    """A feature's value in words, for `explain`."""
    if feature in _FACT_FEATURES and np.isnan(value):
        return text("feature.unknown_fact")
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


def _names(ids: list[str], catalog: Catalog) -> Items:
    return Items(tuple(short_name(catalog.get(i).name) for i in ids))


def _lang(code: str) -> Label:
    return language_name(code)


def _id_label(c: ToolContext, term_id: str) -> Label:
    """An id in English (as the JSON reasons have always said it), its label in French."""
    return Label(term_id, c.catalog.taxonomy.label(term_id, "fr").lower())


def _need_label(c: ToolContext) -> Label | str:
    return term(c.catalog.taxonomy, c.need.id, lower=True) if c.need else ""


def positive_sentence(aspect: str, c: ToolContext) -> Text | None:
    """The reason an aspect gives, or None when the facts do not support one."""
    p, t, x = c.profile, c.tool, c.x
    if aspect == "need" and c.need is not None:
        strength = x["need_strength"]
        must = "_must" if c.need.priority == "must" else ""
        if strength == 3:
            return text("reason.need_core" + must, need=_need_label(c))
        if strength == 2:
            return text("reason.need_solid" + must, need=_need_label(c))
        return None
    if aspect == "cost":
        if x["free_plan_fits"]:
            if p.contacts and t.free_max_contacts:
                return text("reason.free_plan_contacts", contacts=p.contacts)
            if t.free_max_users and p.users <= t.free_max_users:
                return text("reason.free_plan_users", users=p.users)
            return text("reason.free_plan")
        cost = x["monthly_cost_eur"]
        if not np.isnan(cost) and p.budget_eur_month is not None and cost <= p.budget_eur_month:
            if p.contacts and t.contact_tiers:
                return text("reason.cost_in_budget_contacts", cost=cost, contacts=p.contacts)
            return text("reason.cost_in_budget", cost=cost)
        return None
    if aspect == "presence" and (t.presence or 0) >= 4:
        return text("reason.presence_leader" if t.presence == 5 else "reason.presence_wide")
    if aspect == "platform" and x["platform_fit"] > 0:
        ours = [i for i in t.platforms if i in c.profile.current_stack]
        return text("reason.built_for", names=_names(ours, c.catalog)) if ours else None
    if aspect == "size" and x["size_fit"] == 0:
        return text("reason.size_fit", low=t.min_employees, high=t.max_employees)
    if aspect == "language" and x["language_fit"] > 0:
        spoken = [lang for lang in p.languages if lang in (t.ui_languages or ())]
        return text("reason.language", language=_lang(spoken[0])) if spoken else None
    if aspect == "hosting" and t.eu_hosting:
        return text("reason.eu_hosting")
    if aspect == "open_source" and t.open_source:
        return text("reason.open_source_self_hosted" if t.self_hostable
                    else "reason.open_source")
    if aspect == "ease" and x["skill_gap"] == 0 and (t.ease_of_use or 0) >= 4:
        return text("reason.easy")
    if aspect == "stack" and c.stack_links:
        return text("reason.integrates", names=_names(c.stack_links, c.catalog))
    if aspect == "breadth" and len(c.covers) > 1:
        others = [n for n in c.covers if c.need is None or n != c.need.id]
        return text("reason.also_covers", needs=Items(
            tuple(_id_label(c, n) for n in others[:3]), sep_only=True)) if others else None
    if aspect == "sector" and x["sector_fit"] > 0 and p.sector:
        return text("reason.sector", sector=term(c.catalog.taxonomy, p.sector, lower=True))
    if aspect == "goals" and p.goals and x["goal_fit"] > 0:
        tax = c.catalog.taxonomy
        served = [g for g in p.goals if set(tax.goals[g].related) & set(t.capabilities)]
        if served:
            labels = Items(tuple(term(tax, g, lower=True) for g in served), sep_only=True)
            return text("reason.goals" if len(served) > 1 else "reason.goal", goals=labels)
    if aspect == "popularity" and x["popularity"] >= 0.5:
        return text("reason.popular")
    return None


def warning_sentences(c: ToolContext) -> dict[str, Text]:
    """Facts that count against the tool for this client, by aspect."""
    p, t, x = c.profile, c.tool, c.x
    out: dict[str, Text] = {}
    cost = x["monthly_cost_eur"]
    budget = p.budget_eur_month
    if np.isnan(cost):
        out["cost"] = text("warn.quote" if t.quote_only else "warn.no_price")
    elif budget is not None and cost > budget:
        out["cost"] = text("warn.over_budget", amount=cost - budget)
    elif t.free_plan and not x["free_plan_fits"] and p.contacts and t.free_max_contacts \
            and p.contacts > t.free_max_contacts:
        out["cost"] = text("warn.free_limit", contacts=t.free_max_contacts)
    if x["skill_gap"] >= 2:
        out["ease"] = text("warn.needs_tech")
    elif x["maturity_gap"] >= 2:
        out["ease"] = text("warn.large_suite")
    if t.ui_languages is not None and p.language != "any" and not set(p.languages) & set(
            t.ui_languages):
        out["language"] = text("warn.no_language", language=_lang(p.languages[0]))
    if t.eu_hosting is False and p.eu_hosting == "preferred":
        out["hosting"] = text("warn.no_eu")
    if t.open_source is False and p.open_source == "preferred":
        out["open_source"] = text("warn.not_oss")
    if x["size_fit"] <= -1:
        out["size"] = (text("warn.larger", low=t.min_employees)
                       if p.employees < t.min_employees else
                       text("warn.smaller", high=t.max_employees))
    if x["main_category_in_stack"]:
        out["overlap"] = text("warn.overlap")
    if c.need is not None and x["need_strength"] == 1:
        out["need"] = text("warn.side_feature", need=_need_label(c))
    if c.need is not None and x["plan_upgrade"]:
        plan = t.plan_price(c.need.id)
        out.setdefault("need", text("warn.higher_plan_price", need=_need_label(c), price=plan)
                       if plan else text("warn.higher_plan", need=_need_label(c)))
    if x["platform_fit"] < 0:
        out["platform"] = text("warn.other_platforms",
                               names=_names(list(t.platforms[:3]), c.catalog))
    if x["sector_fit"] < 0:
        out["sector"] = text("warn.other_sectors", sectors=Items(
            tuple(_id_label(c, s) for s in (t.sectors or ())[:3]), sep_only=True))
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
        out_warnings.append(text("warn.imported_unknown", facts=", ".join(unknown))
                            if unknown else text("warn.imported"))
    return reasons, out_warnings
