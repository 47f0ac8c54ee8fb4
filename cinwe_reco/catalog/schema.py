"""The catalog entry schema (v2, SPEC section 4) and its validator.

The validator collects every problem of every entry instead of stopping at the first, so one
``catalog validate`` run lists all that a curator has to fix.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..codes import COUNTRIES, LANGUAGES
from ..errors import Problem, did_you_mean, show_value
from ..taxonomy import Taxonomy
from ..text import fold
from .entry import STRENGTHS, UNKNOWABLE, UNKNOWABLE_PRICING, Tool

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
CURRENCIES = ("EUR", "USD", "GBP", "CHF")
STATUSES = ("reviewed", "imported")
BILLINGS = ("monthly", "annual")
REVIEW_BASES = ("pages", "knowledge")
MAX_TIERS = 20
MAX_ALIASES = 20
MAX_LINKS = 1_000  # tool ids in one entry's integrations, platforms or requires
MAX_PROBLEMS = 1_000  # a catalog with more is hopeless: checking stops there

REQUIRED_FIELDS = (
    "id", "name", "vendor", "website", "vendor_country", "description", "categories",
    "capabilities", "pricing", "company_size", "ui_languages", "eu_hosting", "open_source",
    "self_hostable", "ease_of_use", "integrations", "sectors", "source", "reviewed",
)
OPTIONAL_FIELDS = ("status", "sources", "popularity", "notes", "market", "platforms", "requires",
                   "aliases", "review_basis")
PRICING_FIELDS = (
    "free_plan", "entry_eur_month", "per_user", "free_plan_limits", "free_max_contacts",
    "free_max_users", "quote_only", "currency", "estimated", "contact_tiers", "entry_billing",
)
SIZE_FIELDS = ("min_employees", "max_employees")
V1_CAPABILITIES = (
    "a plain list is the v1 form; v2 gives each capability its strength, judged for this "
    "product: 'capabilities: {email-campaigns: core, landing-pages: basic}' (core: what it is "
    "built and bought for; solid: a full module; basic: a side feature). See README, "
    "'Catalog v2'")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


class EntryChecker:
    """Checks one raw entry, collecting problems instead of stopping at the first."""

    def __init__(self, raw: dict[str, Any], file: str, taxonomy: Taxonomy) -> None:
        self.raw = raw
        self.file = file
        self.tax = taxonomy
        self.entry = str(raw.get("id", "?"))
        self.problems: list[Problem] = []
        self.imported = raw.get("status") == "imported"

    def unknown(self, mapping: dict[str, Any], field: str) -> bool:
        """True when an imported entry leaves this fact out (null or absent)."""
        return self.imported and mapping.get(field) is None

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.entry, field, message))

    def text(self, field: str, *, one_line: bool = True) -> str:
        v = self.raw.get(field)
        if not isinstance(v, str) or not v.strip():
            self.fail(field, f"expected non-empty text, got {show_value(v)}")
            return ""
        if one_line and ("\n" in v.strip() or len(v) > 500):
            self.fail(field, "expected one line of text (at most 500 characters)")
        return v.strip()

    def flag(self, mapping: dict[str, Any], field: str, label: str) -> bool:
        v = mapping.get(field)
        if not isinstance(v, bool):
            self.fail(label, f"expected true or false, got {show_value(v)}")
            return False
        return v

    def id_list(self, field: str, known: Iterable[str], what: str, *, allow_empty: bool) -> tuple:
        v = self.raw.get(field)
        if not isinstance(v, list) or (not v and not allow_empty):
            expected = "a list" if allow_empty else "a non-empty list"
            self.fail(field, f"expected {expected} of {what} ids, got {show_value(v)}")
            return ()
        known = set(known)
        out = []
        for item in v:
            if not isinstance(item, str):
                self.fail(field, f"expected {what} ids, got {show_value(item)}")
            elif item not in known:
                self.fail(field, f"unknown {what} '{item}'{did_you_mean(item, known)}")
            elif item in out:
                self.fail(field, f"'{item}' is listed twice")
            else:
                out.append(item)
        return tuple(out)

    def check(self) -> Tool | None:
        raw = self.raw
        for key in raw:
            if key not in REQUIRED_FIELDS and key not in OPTIONAL_FIELDS:
                self.fail(str(key), "unknown field"
                          + did_you_mean(str(key), REQUIRED_FIELDS + OPTIONAL_FIELDS))
        for key in REQUIRED_FIELDS:
            if key not in raw and not (self.imported and key in UNKNOWABLE):
                self.fail(key, "required field is missing")
        tool_id = raw.get("id")
        if not isinstance(tool_id, str) or not SLUG.match(tool_id):
            self.fail("id", "expected a lowercase slug like 'hubspot-crm', "
                      f"got {show_value(tool_id)}")
        name = self.text("name")
        vendor = None if self.unknown(raw, "vendor") else self.text("vendor")
        description = None if self.unknown(raw, "description") else self.text("description")
        website = self.url("website")
        source = self.url("source")
        country = raw.get("vendor_country")
        if self.unknown(raw, "vendor_country"):
            country = None
        elif not isinstance(country, str) or country not in COUNTRIES:
            hint = did_you_mean(str(country).upper(), COUNTRIES) if isinstance(country, str) else ""
            self.fail("vendor_country", f"expected an ISO 3166-1 alpha-2 code like 'FR', "
                      f"got {show_value(country)}{hint}")
        categories = self.id_list("categories", self.tax.categories, "category", allow_empty=False)
        capabilities, strengths, plan_prices = self.capabilities()
        if categories and capabilities and not self.imported:
            cores = [c for c, s in zip(capabilities, strengths, strict=True) if s == "core"]
            if not cores:
                self.fail("capabilities", "no core capability: mark what the product is built "
                          "and bought for as 'core'")
            for cap in cores:
                if not set(self.tax.home_of(cap)) & set(categories):
                    self.fail(f"capabilities.{cap}", "core capability outside the tool's "
                              f"categories (its home: {', '.join(self.tax.home_of(cap))})")
        for cap, strength in zip(capabilities, strengths, strict=True):
            # a reviewed side module (solid or basic) may sit outside the tool's categories:
            # that is what its strength says; a capability of unknown strength may not
            if strength is not None:
                continue
            if categories and not set(self.tax.categories_of(cap)) & set(categories):
                self.fail("capabilities", f"'{cap}' belongs to none of the tool's categories "
                          f"(it belongs to {', '.join(self.tax.categories_of(cap))})")
        for cat in categories:
            if capabilities and not set(self.tax.capabilities_of_category(cat)) & set(capabilities):
                self.fail("categories", f"'{cat}' has none of the tool's capabilities")
        languages = None if self.unknown(raw, "ui_languages") else self.id_list(
            "ui_languages", LANGUAGES, "ISO 639-1 language", allow_empty=False)
        sectors = None if self.unknown(raw, "sectors") else self.id_list(
            "sectors", self.tax.sectors, "sector", allow_empty=True)
        integrations = [] if self.unknown(raw, "integrations") else raw.get("integrations")
        if not isinstance(integrations, list) or not all(isinstance(i, str) for i in integrations):
            self.fail("integrations",
                      f"expected a list of tool ids, got {show_value(integrations)}")
            integrations = []
        elif len(integrations) > MAX_LINKS:
            self.fail("integrations", f"{len(integrations):,} tool ids, more than the "
                      f"{MAX_LINKS:,} allowed")
            integrations = []
        elif tool_id in integrations:
            self.fail("integrations", "a tool cannot integrate with itself")
        eu, oss, selfhost = (None if self.unknown(raw, f) else self.flag(raw, f, f)
                             for f in ("eu_hosting", "open_source", "self_hostable"))
        ease = raw.get("ease_of_use")
        if self.unknown(raw, "ease_of_use"):
            ease = None
        elif not _is_int(ease) or not 1 <= ease <= 5:
            self.fail("ease_of_use", f"expected a whole number from 1 (hard) to 5 (easy), "
                      f"got {show_value(ease)}")
        reviewed = raw.get("reviewed")
        if isinstance(reviewed, dt.date):
            reviewed = reviewed.isoformat()
        elif isinstance(reviewed, str):
            try:
                dt.date.fromisoformat(reviewed)
            except ValueError:
                self.fail("reviewed", f"expected a date YYYY-MM-DD, got {show_value(reviewed)}")
        else:
            self.fail("reviewed", f"expected a date YYYY-MM-DD, got {show_value(reviewed)}")
        size = raw.get("company_size")
        min_e = max_e = 0
        if self.unknown(raw, "company_size"):
            min_e = max_e = None
        elif not isinstance(size, dict):
            self.fail("company_size", "expected min_employees and max_employees")
        else:
            for key in size:
                if key not in SIZE_FIELDS:
                    self.fail(f"company_size.{key}", "unknown field"
                              + did_you_mean(str(key), SIZE_FIELDS))
            min_e, max_e = size.get("min_employees"), size.get("max_employees")
            if not _is_int(min_e) or min_e < 0:
                self.fail("company_size.min_employees",
                          f"expected a whole number >= 0, got {show_value(min_e)}")
                min_e = 0
            if not _is_int(max_e) or max_e < 1 or (_is_int(min_e) and max_e < min_e):
                self.fail("company_size.max_employees",
                          f"expected a whole number >= min_employees, got {show_value(max_e)}")
                max_e = max(min_e, 1)
        pricing = self.pricing()
        status = raw.get("status", "reviewed")
        if status not in STATUSES:
            self.fail("status", f"expected one of {', '.join(STATUSES)}, got {show_value(status)}")
        popularity = raw.get("popularity")
        if popularity is not None and (not is_number(popularity) or not 0 <= popularity <= 1):
            self.fail("popularity", f"expected a number from 0 to 1, got {show_value(popularity)}")
            popularity = None
        sources = self.sources()
        presence, evidence = self.market()
        platforms = self.tool_ids("platforms")
        requires = self.tool_ids("requires")
        aliases = self.aliases()
        basis = self.optional_choice(raw, "review_basis", REVIEW_BASES, "review_basis")
        notes = raw.get("notes")
        if notes is not None and not isinstance(notes, str):
            self.fail("notes", f"expected text, got {show_value(notes)}")
        if self.problems:
            return None
        return Tool(
            id=tool_id, name=name, vendor=vendor, website=website, vendor_country=country,
            description=description, categories=categories, capabilities=capabilities,
            min_employees=min_e, max_employees=max_e, ui_languages=languages, eu_hosting=eu,
            open_source=oss, self_hostable=selfhost, ease_of_use=ease,
            integrations=tuple(dict.fromkeys(integrations)), sectors=sectors, source=source,
            reviewed=reviewed, status=status, popularity=popularity, sources=sources,
            file=self.file, strengths=strengths, plan_prices=plan_prices, presence=presence,
            presence_evidence=evidence, platforms=platforms, requires=requires, aliases=aliases,
            review_basis=basis, notes=notes, **pricing,
        )

    def capabilities(self) -> tuple[tuple[str, ...], tuple[str | None, ...],
                                    tuple[float | None, ...]]:
        """(ids, strengths, plan prices) from the v2 mapping. A plain list (v1) is accepted
        only from imported entries, whose strengths stay unknown."""
        v = self.raw.get("capabilities")
        known = self.tax.capabilities
        if isinstance(v, list) and self.imported:
            ids = self.id_list("capabilities", known, "capability", allow_empty=False)
            return ids, (None,) * len(ids), (None,) * len(ids)
        if isinstance(v, list):
            self.fail("capabilities", V1_CAPABILITIES)
            return (), (), ()
        if not isinstance(v, dict) or not v:
            self.fail("capabilities", "expected a mapping of capability ids to core, solid or "
                      f"basic, got {show_value(v)}")
            return (), (), ()
        ids: list[str] = []
        strengths: list[str | None] = []
        prices: list[float | None] = []
        for cap, value in v.items():
            label = f"capabilities.{cap}"
            if cap not in known:
                self.fail("capabilities",
                          f"unknown capability '{cap}'{did_you_mean(str(cap), known)}")
                continue
            price = None
            strength = value
            if isinstance(value, dict):
                extra = set(value) - {"strength", "plan_eur_month"}
                if extra:
                    self.fail(label, f"unknown field '{sorted(extra)[0]}'; expected strength "
                              "and optionally plan_eur_month")
                strength = value.get("strength")
                price = value.get("plan_eur_month")
                if price is not None and (not is_number(price) or not 0 <= price <= 100_000):
                    self.fail(f"{label}.plan_eur_month", "expected a price from 0 to 100,000 EUR "
                              f"per month, got {show_value(price)}")
                    price = None
            if strength is None and self.imported:
                pass  # imported: strength unknown, never core by default
            elif strength not in STRENGTHS:
                self.fail(label, f"expected core, solid or basic, got {show_value(strength)}"
                          + (did_you_mean(strength, STRENGTHS)
                             if isinstance(strength, str) else ""))
                continue
            ids.append(str(cap))
            strengths.append(strength)
            prices.append(None if price is None else float(price))
        return tuple(ids), tuple(strengths), tuple(prices)

    def market(self) -> tuple[int | None, str | None]:
        """(presence 1..5, evidence): how present the product is among French and European
        SMEs, with what supports the figure."""
        m = self.raw.get("market")
        if m is None:
            if not self.imported:
                self.fail("market", "required field is missing: presence (1 niche .. 5 category "
                          "leader) and its evidence")
            return None, None
        if not isinstance(m, dict):
            self.fail("market", f"expected presence and evidence, got {show_value(m)}")
            return None, None
        for key in m:
            if key not in ("presence", "evidence", "as_of"):
                self.fail(f"market.{key}", "unknown field"
                          + did_you_mean(str(key), ("presence", "evidence", "as_of")))
        presence = m.get("presence")
        if not _is_int(presence) or not 1 <= presence <= 5:
            self.fail("market.presence", "expected a whole number from 1 (niche) to 5 (category "
                      f"leader), got {show_value(presence)}")
            presence = None
        evidence = m.get("evidence")
        if not isinstance(evidence, str) or not evidence.strip():
            self.fail("market.evidence", "a presence figure needs its evidence (customer counts, "
                      "market position), got " + show_value(evidence))
            evidence = None
        return presence, evidence

    def tool_ids(self, field: str) -> tuple[str, ...]:
        """A list of other entries' ids (platforms, requires); resolved by ``check_entries``."""
        v = self.raw.get(field, [])
        if not isinstance(v, list) or not all(isinstance(i, str) for i in v):
            self.fail(field, f"expected a list of tool ids, got {show_value(v)}")
            return ()
        if len(v) > MAX_LINKS:
            self.fail(field, f"{len(v):,} tool ids, more than the {MAX_LINKS:,} allowed")
            return ()
        if self.raw.get("id") in v:
            self.fail(field, "a tool cannot name itself")
        return tuple(dict.fromkeys(v))

    def aliases(self) -> tuple[str, ...]:
        v = self.raw.get("aliases", [])
        if not isinstance(v, list) or len(v) > MAX_ALIASES or not all(
                isinstance(a, str) and a.strip() and "\n" not in a and len(a) <= 100 for a in v):
            self.fail("aliases", f"expected a list of at most {MAX_ALIASES} names (one line "
                      f"each), got {show_value(v)}")
            return ()
        return tuple(dict.fromkeys(a.strip() for a in v))

    def sources(self) -> tuple[dict, ...]:
        """Extra sources (imports): each a mapping with name and url, optionally licence."""
        v = self.raw.get("sources")
        if v is None:
            return ()
        if not isinstance(v, list) or len(v) > 50:
            self.fail("sources", f"expected a list of at most 50 sources, got {show_value(v)}")
            return ()
        out = []
        for i, item in enumerate(v):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) or any(
                    not isinstance(item.get(k, ""), str) or len(item.get(k, "")) > 300
                    for k in ("name", "url", "licence", "attribution")) or set(item) - {
                    "name", "url", "licence", "attribution", "matched_by"}:
                self.fail(f"sources[{i}]", "expected name, url and optionally licence, "
                          "attribution, matched_by (text)")
            else:
                out.append(dict(item))
        return tuple(out)

    def url(self, field: str) -> str:
        v = self.raw.get(field)
        if not isinstance(v, str) or not URL.match(v.strip()):
            self.fail(field, f"expected an http(s) URL, got {show_value(v)}")
            return ""
        return v.strip()

    def pricing(self) -> dict[str, Any]:
        p = self.raw.get("pricing")
        out: dict[str, Any] = {"free_plan": False, "entry_eur_month": None, "per_user": False}
        if not isinstance(p, dict):
            self.fail("pricing", "expected a mapping with free_plan, entry_eur_month, per_user")
            return out
        for key in p:
            if key not in PRICING_FIELDS:
                self.fail(f"pricing.{key}",
                          "unknown field" + did_you_mean(str(key), PRICING_FIELDS))
        for key in ("free_plan", "entry_eur_month", "per_user"):
            if key not in p and not (self.imported and key != "entry_eur_month"):
                self.fail(f"pricing.{key}", "required field is missing")
        for key in UNKNOWABLE_PRICING:
            out[key] = None if self.unknown(p, key) else self.flag(p, key, f"pricing.{key}")
        estimated = p.get("estimated", False)
        if not isinstance(estimated, bool):
            self.fail("pricing.estimated", f"expected true or false, got {show_value(estimated)}")
            estimated = False
        out["price_estimated"] = estimated
        quote = p.get("quote_only", False)
        if not isinstance(quote, bool):
            self.fail("pricing.quote_only", f"expected true or false, got {show_value(quote)}")
            quote = False
        out["quote_only"] = quote
        entry = p.get("entry_eur_month")
        # null means "no public price known" (quote only, usage-based, or not confirmed):
        # leaving a fact out is better than guessing it.
        if entry is None:
            pass
        elif not is_number(entry) or not 0 <= entry <= 100_000:
            self.fail("pricing.entry_eur_month",
                      f"expected a price from 0 to 100,000 EUR per month, got {show_value(entry)}")
        else:
            out["entry_eur_month"] = float(entry)
        limits = p.get("free_plan_limits")
        if limits is not None:
            if not isinstance(limits, str):
                self.fail("pricing.free_plan_limits", f"expected text, got {show_value(limits)}")
            else:
                out["free_plan_limits"] = limits.strip()
        for key, low in (("free_max_contacts", 0), ("free_max_users", 1)):
            v = p.get(key)
            if v is None:
                continue
            if not _is_int(v) or v < low:
                self.fail(f"pricing.{key}",
                          f"expected a whole number >= {low}, got {show_value(v)}")
            elif not out["free_plan"]:
                self.fail(f"pricing.{key}", "given, but free_plan is false")
            else:
                out[key] = v
        out["contact_tiers"] = self.tiers(p.get("contact_tiers"))
        for key, choices in (("entry_billing", BILLINGS), ("currency", CURRENCIES)):
            value = self.optional_choice(p, key, choices, f"pricing.{key}")
            if value is not None:
                out[key] = value
        return out

    def optional_choice(self, mapping: dict[str, Any], key: str, choices: tuple[str, ...],
                        label: str) -> str | None:
        """An optional field that takes one of ``choices``: its value, or None when absent or
        wrong (the problem is then recorded)."""
        value = mapping.get(key)
        if value is None:
            return None
        if value not in choices:
            self.fail(label, f"expected one of {', '.join(choices)}, got {show_value(value)}")
            return None
        return value

    def tiers(self, v: Any) -> tuple[tuple[int, float], ...]:
        """Contact tiers: the price of the cheapest plan for up to N contacts, N increasing."""
        if v is None:
            return ()
        label = "pricing.contact_tiers"
        if not isinstance(v, list) or not v or len(v) > MAX_TIERS:
            self.fail(label, f"expected a list of 1 to {MAX_TIERS} tiers "
                      f"{{contacts, eur_month}}, got {show_value(v)}")
            return ()
        out: list[tuple[int, float]] = []
        for i, tier in enumerate(v):
            if not isinstance(tier, dict) or set(tier) != {"contacts", "eur_month"}:
                self.fail(f"{label}[{i}]",
                          f"expected contacts and eur_month, got {show_value(tier)}")
                continue
            contacts, price = tier["contacts"], tier["eur_month"]
            if not _is_int(contacts) or not 1 <= contacts <= 10**9:
                self.fail(f"{label}[{i}].contacts", f"expected a whole number >= 1, "
                          f"got {show_value(contacts)}")
                continue
            if not is_number(price) or not 0 <= price <= 1_000_000:
                self.fail(f"{label}[{i}].eur_month", f"expected a price in EUR per month, "
                          f"got {show_value(price)}")
                continue
            if out and contacts <= out[-1][0]:
                self.fail(f"{label}[{i}]", "tiers not increasing: contacts must grow from one "
                          f"tier to the next ({out[-1][0]} then {contacts})")
            elif out and price < out[-1][1]:
                self.fail(f"{label}[{i}]", f"tiers not increasing: a larger tier costs less "
                          f"({out[-1][1]:g} then {price:g} EUR)")
            out.append((contacts, float(price)))
        return tuple(out)


def check_entries(raw_entries: list[tuple[str, Any]], taxonomy: Taxonomy,
                  base_ids: Iterable[str] = (), base_names: dict[str, str] | None = None
                  ) -> tuple[list[Tool], list[Problem]]:
    """Validate raw entries (file, data): per-entry schema, unique ids, resolvable integrations,
    platforms and requirements, unambiguous aliases. A hopeless catalog stops early: after
    ``MAX_PROBLEMS`` problems the last one says checking stopped."""
    tools: list[Tool] = []
    problems: list[Problem] = []
    per_file = Counter(file for file, _ in raw_entries)
    for file, raw in raw_entries:
        if len(problems) >= MAX_PROBLEMS:
            return [], _stopped(problems, file)
        if not isinstance(raw, dict):
            problems.append(Problem(file, None, None,
                                    f"expected a catalog entry (a mapping), got {show_value(raw)}"))
            continue
        checker = EntryChecker(raw, file, taxonomy)
        tool = checker.check()
        stem = Path(file).stem
        one_product_file = per_file[file] == 1 and Path(file).suffix.lower() in (".yaml", ".yml")
        if Path(file).parent.name == "products" and one_product_file and isinstance(
                raw.get("id"), str) and raw["id"] != stem:
            checker.fail("id", f"'{raw['id']}' differs from the file name '{stem}.yaml'")
            tool = None
        problems += checker.problems
        if tool is not None:
            tools.append(tool)
    seen: dict[str, str] = {}
    unique: list[Tool] = []
    for t in tools:
        if t.id in seen:
            problems.append(Problem(t.file, t.id, "id", f"duplicate id, also in {seen[t.id]}"))
        else:
            seen[t.id] = t.file
            unique.append(t)
    # integrations are checked on every entry, valid or not, so one run reports everything
    raw_dicts = [(f, r) for f, r in raw_entries if isinstance(r, dict)]
    known = {r["id"] for _, r in raw_dicts if isinstance(r.get("id"), str)} | set(base_ids)
    for file, r in raw_dicts:
        for field in ("integrations", "platforms", "requires"):
            links = r.get(field)
            if not isinstance(links, list) or len(links) > MAX_LINKS:
                continue
            for other in links:
                if len(problems) >= MAX_PROBLEMS:
                    return unique, _stopped(problems, file)
                if isinstance(other, str) and other not in known and other != r.get("id"):
                    problems.append(Problem(file, str(r.get("id", "?")), field,
                                            f"unknown tool id '{other}'"
                                            f"{did_you_mean(other, known)}"))
    problems += alias_collisions(unique, base_names)
    return unique, problems


def _stopped(problems: list[Problem], file: str) -> list[Problem]:
    return problems[:MAX_PROBLEMS] + [Problem(file, None, None, (
        f"checking stopped after {MAX_PROBLEMS:,} problems; fix these and check again"))]


def alias_collisions(tools: list[Tool], base_names: dict[str, str] | None = None
                     ) -> list[Problem]:
    """An alias may not equal another entry's id, name or alias (nor one of the layers
    below, ``base_names``: folded name -> id), or look-ups would be ambiguous."""
    owner: dict[str, str] = dict(base_names or {})
    for t in tools:
        for key in {fold(t.id), fold(t.name)}:
            owner.setdefault(key, t.id)
    problems = []
    for t in tools:
        for alias in t.aliases:
            key = fold(alias)
            other = owner.get(key)
            if other is not None and other != t.id:
                problems.append(Problem(t.file, t.id, "aliases", f"alias '{alias}' is already "
                                        f"the id, name or alias of '{other}'"))
            else:
                owner[key] = t.id
    return problems


