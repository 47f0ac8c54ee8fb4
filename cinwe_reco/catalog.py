"""The martech catalog: loading, validating and looking up real products.

A catalog is a folder holding ``taxonomy.yaml`` and ``products/*.yaml`` (one file per product,
so a diff of one product is readable), or a single YAML/JSON file holding a list of entries
(the shipped taxonomy is used then). Validation reports every problem at once. The validated,
normalised form is cached by content hash, so a warm load reads one JSON file.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from .codes import COUNTRIES, LANGUAGES
from .errors import CatalogError, Problem, UnknownToolError, closest, did_you_mean
from .files import (
    InputFileError,
    decode_text,
    load_document,
    parse_json,
    parse_yaml,
    read_bytes,
)
from .resources import shipped_catalog_dir
from .taxonomy import Taxonomy, load_taxonomy, taxonomy_from_dict

# Bump when the normalised form changes, so stale caches are ignored.
CACHE_FORMAT = 3
MAX_CATALOG_FILE_BYTES = 20 * 1024 * 1024

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
CURRENCIES = ("EUR", "USD", "GBP", "CHF")
STATUSES = ("reviewed", "imported")

REQUIRED_FIELDS = (
    "id", "name", "vendor", "website", "vendor_country", "description", "categories",
    "capabilities", "pricing", "company_size", "ui_languages", "eu_hosting", "open_source",
    "self_hostable", "ease_of_use", "integrations", "sectors", "source", "reviewed",
)
OPTIONAL_FIELDS = ("status", "sources", "popularity", "notes")
PRICING_FIELDS = (
    "free_plan", "entry_eur_month", "per_user", "free_plan_limits", "free_max_contacts",
    "free_max_users", "quote_only", "currency", "estimated",
)
SIZE_FIELDS = ("min_employees", "max_employees")
# Facts an imported (unreviewed) entry may leave unknown (null or absent): the engine treats
# them as missing values, never as zeros or guesses.
UNKNOWABLE = ("vendor", "vendor_country", "description", "company_size", "ui_languages",
              "eu_hosting", "open_source", "self_hostable", "ease_of_use", "sectors",
              "integrations")
UNKNOWABLE_PRICING = ("free_plan", "per_user")


class Tool(NamedTuple):
    """One real product of the catalog, with the facts of SPEC section 4.

    A named tuple: immutable, and cheap to rebuild from the cache (10,000 in a few ms).
    """

    id: str
    name: str
    vendor: str | None  # None: unknown (imported, unreviewed entries only)
    website: str
    vendor_country: str | None
    description: str | None
    categories: tuple[str, ...]
    capabilities: tuple[str, ...]
    free_plan: bool | None
    entry_eur_month: float | None
    per_user: bool | None
    min_employees: int | None
    max_employees: int | None
    ui_languages: tuple[str, ...] | None
    eu_hosting: bool | None
    open_source: bool | None
    self_hostable: bool | None
    ease_of_use: int | None
    integrations: tuple[str, ...]
    sectors: tuple[str, ...] | None
    source: str
    reviewed: str
    free_plan_limits: str | None = None
    free_max_contacts: int | None = None
    free_max_users: int | None = None
    quote_only: bool = False
    currency: str | None = None
    status: str = "reviewed"
    popularity: float | None = None
    price_estimated: bool = False
    sources: tuple[dict, ...] = ()
    file: str = ""

    @property
    def unknown_facts(self) -> list[str]:
        """The facts this entry leaves unknown (only imported entries may)."""
        names = [f for f in UNKNOWABLE if f not in ("company_size", "integrations")
                 and getattr(self, f) is None]
        if self.min_employees is None:
            names.append("company_size")
        names += [f"pricing.{f}" for f in UNKNOWABLE_PRICING if getattr(self, f) is None]
        if self.entry_eur_month is None and not self.quote_only:
            names.append("pricing.entry_eur_month")
        return names

    def to_dict(self) -> dict[str, Any]:
        """The entry in the catalog's own shape (SPEC section 4 fields)."""
        pricing: dict[str, Any] = {
            "free_plan": self.free_plan,
            "entry_eur_month": self.entry_eur_month,
            "per_user": self.per_user,
        }
        for key in ("free_plan_limits", "free_max_contacts", "free_max_users", "currency"):
            if getattr(self, key) is not None:
                pricing[key] = getattr(self, key)
        if self.quote_only:
            pricing["quote_only"] = True
        if self.price_estimated:
            pricing["estimated"] = True
        out: dict[str, Any] = {
            "id": self.id, "name": self.name, "vendor": self.vendor, "website": self.website,
            "vendor_country": self.vendor_country, "description": self.description,
            "categories": list(self.categories), "capabilities": list(self.capabilities),
            "pricing": pricing,
            "company_size": None if self.min_employees is None else {
                "min_employees": self.min_employees, "max_employees": self.max_employees},
            "ui_languages": None if self.ui_languages is None else list(self.ui_languages),
            "eu_hosting": self.eu_hosting,
            "open_source": self.open_source, "self_hostable": self.self_hostable,
            "ease_of_use": self.ease_of_use, "integrations": list(self.integrations),
            "sectors": None if self.sectors is None else list(self.sectors),
            "source": self.source, "reviewed": self.reviewed,
        }
        if self.sources:
            out["sources"] = [dict(s) for s in self.sources]
        if self.status != "reviewed":
            out["status"] = self.status
        if self.popularity is not None:
            out["popularity"] = self.popularity
        return out


class Catalog:
    """The validated catalog: tools in a stable order, with id and name look-ups."""

    def __init__(self, tools: Iterable[Tool], taxonomy: Taxonomy, fingerprint: str,
                 source: str = "", names: dict[str, str] | None = None) -> None:
        self.tools: tuple[Tool, ...] = tuple(sorted(tools, key=lambda t: t.id))
        self.taxonomy = taxonomy
        self.fingerprint = fingerprint
        self.source = source
        self.index: dict[str, int] = {t.id: i for i, t in enumerate(self.tools)}
        if names is None:
            names = {}
            for t in self.tools:
                for key in _name_keys(t.name):
                    names.setdefault(key, t.id)
        self._by_name = names

    def __len__(self) -> int:
        return len(self.tools)

    def __iter__(self) -> Iterator[Tool]:
        return iter(self.tools)

    def __contains__(self, tool_id: object) -> bool:
        return tool_id in self.index

    def get(self, tool_id: str) -> Tool:
        """The tool with this id; UnknownToolError with a suggestion otherwise."""
        try:
            return self.tools[self.index[tool_id]]
        except KeyError:
            raise UnknownToolError(self.unknown_message(tool_id)) from None

    def resolve(self, text: str) -> str | None:
        """The id of the tool named ``text`` (an id or a product name, any case), or None."""
        key = str(text).strip()
        if key in self.index:
            return key
        lowered = key.lower()
        if lowered in self.index:
            return lowered
        for candidate in _name_keys(key):
            if candidate in self._by_name:
                return self._by_name[candidate]
        slugged = re.sub(r"[^a-z0-9]+", "-", _fold(key)).strip("-")
        if slugged in self.index:  # "Google Analytics" -> google-analytics
            return slugged
        return None

    def suggestion(self, text: str) -> str | None:
        """The id closest to a mistyped id or name."""
        by_id = closest(text, self.index)
        if by_id:
            return by_id
        by_name = closest(str(text).lower(), self._by_name)
        return self._by_name[by_name] if by_name else None

    def unknown_message(self, text: str) -> str:
        """'unknown tool X; did you mean Y? (cinwe-reco catalog search X)'."""
        guess = self.suggestion(text)
        hint = f"; did you mean '{guess}'?" if guess else ""
        word = str(text).split()[0] if str(text).split() else str(text)
        return f"unknown tool '{text}'{hint} (cinwe-reco catalog search {word})"

    def search(self, text: str) -> list[Tool]:
        """Tools whose name, vendor, description or capability labels (EN or FR) match all words."""
        words = [_fold(w) for w in str(text).split() if w.strip()]
        if not words:
            return []
        found = []
        tax = self.taxonomy
        for t in self.tools:
            labels = []
            for term_id in (*t.capabilities, *t.categories):
                term = tax.capabilities.get(term_id) or tax.categories.get(term_id)
                if term:
                    labels += [term.id, term.en, term.fr]
            hay = _fold(" ".join([t.id, t.name, t.vendor or "", t.description or "", *labels]))
            if all(w in hay for w in words):
                found.append(t)
        return found

    def in_category(self, category: str) -> list[Tool]:
        """Tools listed in a category."""
        return [t for t in self.tools if category in t.categories]


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _name_keys(name: str) -> list[str]:
    """Lookup keys for a product name: as written, without a parenthesised part, without dots."""
    base = _fold(str(name).strip())
    keys = [base]
    short = re.sub(r"\s*\(.*?\)\s*", " ", base).strip()
    if short and short != base:
        keys.append(short)
    for k in list(keys):
        compact = re.sub(r"[^a-z0-9]+", "", k)
        if compact:
            keys.append(compact)
    return keys


# --------------------------------------------------------------------------- validation


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    import math

    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


class _EntryChecker:
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
            self.fail(field, f"expected non-empty text, got {_show(v)}")
            return ""
        if one_line and ("\n" in v.strip() or len(v) > 500):
            self.fail(field, "expected one line of text (at most 500 characters)")
        return v.strip()

    def flag(self, mapping: dict[str, Any], field: str, label: str) -> bool:
        v = mapping.get(field)
        if not isinstance(v, bool):
            self.fail(label, f"expected true or false, got {_show(v)}")
            return False
        return v

    def id_list(self, field: str, known: Iterable[str], what: str, *, allow_empty: bool) -> tuple:
        v = self.raw.get(field)
        if not isinstance(v, list) or (not v and not allow_empty):
            expected = "a list" if allow_empty else "a non-empty list"
            self.fail(field, f"expected {expected} of {what} ids, got {_show(v)}")
            return ()
        known = set(known)
        out = []
        for item in v:
            if not isinstance(item, str):
                self.fail(field, f"expected {what} ids, got {_show(item)}")
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
            self.fail("id", f"expected a lowercase slug like 'hubspot-crm', got {_show(tool_id)}")
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
                      f"got {_show(country)}{hint}")
        categories = self.id_list("categories", self.tax.categories, "category", allow_empty=False)
        capabilities = self.id_list("capabilities", self.tax.capabilities, "capability",
                                    allow_empty=False)
        for cap in capabilities:
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
            self.fail("integrations", f"expected a list of tool ids, got {_show(integrations)}")
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
                      f"got {_show(ease)}")
        reviewed = raw.get("reviewed")
        if isinstance(reviewed, dt.date):
            reviewed = reviewed.isoformat()
        elif isinstance(reviewed, str):
            try:
                dt.date.fromisoformat(reviewed)
            except ValueError:
                self.fail("reviewed", f"expected a date YYYY-MM-DD, got {_show(reviewed)}")
        else:
            self.fail("reviewed", f"expected a date YYYY-MM-DD, got {_show(reviewed)}")
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
                          f"expected a whole number >= 0, got {_show(min_e)}")
                min_e = 0
            if not _is_int(max_e) or max_e < 1 or (_is_int(min_e) and max_e < min_e):
                self.fail("company_size.max_employees",
                          f"expected a whole number >= min_employees, got {_show(max_e)}")
                max_e = max(min_e, 1)
        pricing = self.pricing()
        status = raw.get("status", "reviewed")
        if status not in STATUSES:
            self.fail("status", f"expected one of {', '.join(STATUSES)}, got {_show(status)}")
        popularity = raw.get("popularity")
        if popularity is not None and (not _is_num(popularity) or not 0 <= popularity <= 1):
            self.fail("popularity", f"expected a number from 0 to 1, got {_show(popularity)}")
            popularity = None
        sources = self.sources()
        if self.problems:
            return None
        return Tool(
            id=tool_id, name=name, vendor=vendor, website=website, vendor_country=country,
            description=description, categories=categories, capabilities=capabilities,
            min_employees=min_e, max_employees=max_e, ui_languages=languages, eu_hosting=eu,
            open_source=oss, self_hostable=selfhost, ease_of_use=ease,
            integrations=tuple(dict.fromkeys(integrations)), sectors=sectors, source=source,
            reviewed=reviewed, status=status, popularity=popularity, sources=sources,
            file=self.file, **pricing,
        )

    def sources(self) -> tuple[dict, ...]:
        """Extra sources (imports): each a mapping with name and url, optionally licence."""
        v = self.raw.get("sources")
        if v is None:
            return ()
        if not isinstance(v, list) or len(v) > 50:
            self.fail("sources", f"expected a list of at most 50 sources, got {_show(v)}")
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
            self.fail(field, f"expected an http(s) URL, got {_show(v)}")
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
            self.fail("pricing.estimated", f"expected true or false, got {_show(estimated)}")
            estimated = False
        out["price_estimated"] = estimated
        quote = p.get("quote_only", False)
        if not isinstance(quote, bool):
            self.fail("pricing.quote_only", f"expected true or false, got {_show(quote)}")
            quote = False
        out["quote_only"] = quote
        entry = p.get("entry_eur_month")
        # null means "no public price known" (quote only, usage-based, or not confirmed):
        # leaving a fact out is better than guessing it.
        if entry is None:
            pass
        elif not _is_num(entry) or not 0 <= entry <= 100_000:
            self.fail("pricing.entry_eur_month",
                      f"expected a price from 0 to 100,000 EUR per month, got {_show(entry)}")
        else:
            out["entry_eur_month"] = float(entry)
        limits = p.get("free_plan_limits")
        if limits is not None:
            if not isinstance(limits, str):
                self.fail("pricing.free_plan_limits", f"expected text, got {_show(limits)}")
            else:
                out["free_plan_limits"] = limits.strip()
        for key, low in (("free_max_contacts", 0), ("free_max_users", 1)):
            v = p.get(key)
            if v is None:
                continue
            if not _is_int(v) or v < low:
                self.fail(f"pricing.{key}", f"expected a whole number >= {low}, got {_show(v)}")
            elif not out["free_plan"]:
                self.fail(f"pricing.{key}", "given, but free_plan is false")
            else:
                out[key] = v
        currency = p.get("currency")
        if currency is not None:
            if currency not in CURRENCIES:
                self.fail("pricing.currency", f"expected one of {', '.join(CURRENCIES)}, "
                          f"got {_show(currency)}")
            else:
                out["currency"] = currency
        return out


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_entries(raw_entries: list[tuple[str, Any]], taxonomy: Taxonomy,
                  base_ids: Iterable[str] = ()) -> tuple[list[Tool], list[Problem]]:
    """Validate raw entries (file, data): per-entry schema, unique ids, resolvable integrations."""
    tools: list[Tool] = []
    problems: list[Problem] = []
    per_file = Counter(file for file, _ in raw_entries)
    for file, raw in raw_entries:
        if not isinstance(raw, dict):
            problems.append(Problem(file, None, None,
                                    f"expected a catalog entry (a mapping), got {_show(raw)}"))
            continue
        checker = _EntryChecker(raw, file, taxonomy)
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
        links = r.get("integrations")
        if not isinstance(links, list):
            continue
        for other in links:
            if isinstance(other, str) and other not in known and other != r.get("id"):
                problems.append(Problem(file, str(r.get("id", "?")), "integrations",
                                        f"unknown tool id '{other}'{did_you_mean(other, known)}"))
    return unique, problems


# --------------------------------------------------------------------------- loading


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cinwe-reco"


PATCH_FILE = "patches.json"


def _catalog_files(path: Path) -> tuple[Path | None, list[Path]]:
    """(taxonomy file or None, entry files) of a catalog folder or file.

    A layer folder may also hold ``patches.json``: additions (sources, popularity) to entries
    of the layers below it; it is read by ``load_catalogs``.
    """
    if path.is_dir():
        tax = path / "taxonomy.yaml"
        products = path / "products"
        folder = products if products.is_dir() else path
        files = sorted(
            p for p in folder.iterdir()
            if p.suffix.lower() in (".yaml", ".yml", ".json")
            and p.name not in ("taxonomy.yaml", PATCH_FILE) and not p.name.startswith(".")
        )
        return (tax if tax.is_file() else None), files
    if path.is_file():
        return None, [path]
    raise InputFileError(f"{path}: no such catalog file or folder")


def _fingerprint(tax_file: Path, files: list[Path]) -> tuple[str, dict[Path, bytes | Problem]]:
    """(content hash, each entry file's bytes or the problem reading it): the files are read
    once, for the hash and, on a cache miss, for parsing."""
    digest = hashlib.sha256(f"cinwe-reco catalog {CACHE_FORMAT}".encode())
    digest.update(read_bytes(tax_file, MAX_CATALOG_FILE_BYTES) + b"\0")
    contents: dict[Path, bytes | Problem] = {}
    for p in files:
        try:
            data = read_bytes(p, MAX_CATALOG_FILE_BYTES)
        except InputFileError as exc:
            contents[p] = Problem(str(p), None, None, str(exc).removeprefix(f"{p}: "))
            digest.update(p.name.encode() + b"\0unreadable\0")
            continue
        contents[p] = data
        digest.update(p.name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest(), contents


def _entries_of(path: Path, data: Any) -> list[tuple[str, Any]]:
    if isinstance(data, dict) and "entries" in data:
        data = data["entries"]
    if isinstance(data, list):
        return [(str(path), item) for item in data]
    return [(str(path), data)]


def _read_raw(contents: dict[Path, bytes | Problem]
              ) -> tuple[list[tuple[str, Any]], list[Problem]]:
    raw: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for p, data in contents.items():
        if isinstance(data, Problem):
            problems.append(data)
            continue
        try:
            text = decode_text(data, str(p))
            data = parse_json(text, str(p)) if p.suffix.lower() == ".json" else parse_yaml(
                text, str(p))
        except InputFileError as exc:
            problems.append(Problem(str(p), None, None, str(exc).removeprefix(f"{p}: ")))
            continue
        raw += _entries_of(p, data)
    return raw, problems


def validate_catalog(path: Path | None = None) -> tuple[Catalog | None, list[Problem]]:
    """Check one catalog without raising: (catalog or None, every problem found)."""
    try:
        return load_catalog(path, use_cache=False), []
    except CatalogError as exc:
        return None, exc.problems or [Problem(str(path), None, None, str(exc))]


def validate_catalogs(paths: Iterable[Path | str] = (), *, include_default: bool = True
                      ) -> tuple[Catalog | None, list[Problem]]:
    """Check a layered catalog without raising: (catalog or None, every problem found)."""
    try:
        return load_catalogs(paths, include_default=include_default, use_cache=False), []
    except CatalogError as exc:
        return None, exc.problems or [Problem(" + ".join(map(str, paths)), None, None,
                                              str(exc))]


def load_catalogs(paths: Iterable[Path | str] = (), *, include_default: bool = True,
                  use_cache: bool = True) -> Catalog:
    """The layered catalog: the shipped catalog (unless ``include_default`` is false), then
    each path in order. Later layers add entries and sources; they never overwrite a reviewed
    fact (see ``merge_layer``)."""
    layers = ([shipped_catalog_dir()] if include_default else []) + [Path(p) for p in paths]
    if not layers:
        raise CatalogError("no catalog to load: give --catalog PATH, or drop "
                           "--no-default-catalog")
    merged = load_catalog(layers[0], use_cache=use_cache)
    problems: list[Problem] = []
    for path in layers[1:]:
        try:
            layer = load_catalog(path, use_cache=use_cache, base=merged)
        except CatalogError as exc:
            problems += exc.problems or [Problem(str(path), None, None, str(exc))]
            continue
        patches, patch_problems = _read_patches(path, merged, layer)
        problems += patch_problems
        merged = merge_layer(merged, layer, patches)
    if problems:
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        raise CatalogError(f"invalid catalog: {problems[0]}{more} (cinwe-reco catalog validate "
                           "lists them all)", problems)
    return merged


def _read_patches(path: Path, base: Catalog, layer: Catalog
                  ) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The validated ``patches.json`` of a layer folder: [{id, sources?, popularity?}]."""
    file = Path(path) / PATCH_FILE
    if not file.is_file():
        return [], []
    try:
        data = load_document(file, MAX_CATALOG_FILE_BYTES)
    except InputFileError as exc:
        return [], [Problem(str(file), None, None, str(exc).removeprefix(f"{file}: "))]
    items = data.get("patches") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return [], [Problem(str(file), None, "patches", "expected a list of patches")]
    problems, out = [], []
    known = set(base.index) | set(layer.index)
    for i, item in enumerate(items):
        entry = str(item.get("id", "?")) if isinstance(item, dict) else "?"
        if not isinstance(item, dict) or set(item) - {"id", "sources", "popularity"}:
            problems.append(Problem(str(file), entry, f"patches[{i}]",
                                    "expected id and optionally sources, popularity"))
            continue
        if item.get("id") not in known:
            problems.append(Problem(str(file), entry, "id", f"unknown tool id '{entry}'"
                                    f"{did_you_mean(entry, known)}"))
            continue
        checker = _EntryChecker({"sources": item.get("sources")}, str(file), base.taxonomy)
        sources = checker.sources()
        pop = item.get("popularity")
        if pop is not None and (not _is_num(pop) or not 0 <= pop <= 1):
            checker.fail("popularity", f"expected a number from 0 to 1, got {_show(pop)}")
        for problem in checker.problems:
            problem.entry = entry
        problems += checker.problems
        if not checker.problems:
            out.append({"id": item["id"], "sources": sources, "popularity": pop})
    return out, problems


def merge_layer(base: Catalog, layer: Catalog, patches: list[dict[str, Any]] = ()) -> Catalog:
    """``base`` with ``layer`` on top.

    A new id is added. For an id the base has: a reviewed base entry keeps every fact and only
    gains the layer's sources (and a popularity figure if it has none); an imported base entry
    is replaced by a reviewed one, and otherwise only has its unknown facts filled in. Patches
    add sources and popularity.
    """
    tools = {t.id: t for t in base.tools}
    for new in layer.tools:
        old = tools.get(new.id)
        if old is None:
            tools[new.id] = new
        elif old.status == "reviewed" or new.status != "reviewed":
            fill = {} if old.status == "reviewed" else {
                f: getattr(new, f) for f in Tool._fields
                if getattr(old, f) is None and getattr(new, f) is not None}
            extra = tuple(s for s in ({"name": layer.source, "url": new.source}, *new.sources)
                          if s not in old.sources)
            fill["sources"] = old.sources + extra
            if old.popularity is None and new.popularity is not None:
                fill["popularity"] = new.popularity
            tools[new.id] = old._replace(**fill)
        else:
            tools[new.id] = new._replace(sources=old.sources + new.sources)
    for patch in patches:
        old = tools[patch["id"]]
        fill: dict[str, Any] = {"sources": old.sources + tuple(
            s for s in patch["sources"] if s not in old.sources)}
        if patch["popularity"] is not None:
            fill["popularity"] = patch["popularity"]
        tools[patch["id"]] = old._replace(**fill)
    fingerprint = hashlib.sha256(f"{base.fingerprint}+{layer.fingerprint}+"
                                 f"{json.dumps(patches, sort_keys=True, default=str)}".encode()
                                 ).hexdigest()
    return Catalog(tools.values(), base.taxonomy, fingerprint, f"{base.source} + {layer.source}")


def load_catalog(path: Path | str | None = None, *, use_cache: bool = True,
                 base: Catalog | None = None) -> Catalog:
    """Load and validate one catalog folder or file (default: the shipped catalog).

    With ``base``, the folder is a layer above it: validated against the base's taxonomy, and
    its integrations may name the base's tools. Raises CatalogError listing every problem.
    """
    path = Path(path) if path is not None else shipped_catalog_dir()
    tax_file, files = _catalog_files(path)
    if tax_file is None or base is not None:
        tax_file = Path(base.taxonomy.source) if base is not None and Path(
            base.taxonomy.source).is_file() else shipped_catalog_dir() / "taxonomy.yaml"
    fingerprint, contents = _fingerprint(tax_file, files)
    if base is not None:
        fingerprint = hashlib.sha256(f"{base.fingerprint}:{fingerprint}".encode()).hexdigest()
    cache_file = _cache_dir() / f"catalog-{fingerprint[:32]}.json"
    if use_cache:
        cached = _read_cache(cache_file, fingerprint)
        if cached is not None:
            return cached
    taxonomy = base.taxonomy if base is not None else load_taxonomy(tax_file)
    raw, problems = _read_raw(contents)
    tools, entry_problems = check_entries(raw, taxonomy, base.index if base is not None else ())
    problems += entry_problems
    if problems:
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        raise CatalogError(f"invalid catalog: {problems[0]}{more} "
                           f"(cinwe-reco --catalog {path} catalog validate lists them all)",
                           problems)
    catalog = Catalog(tools, taxonomy, fingerprint, str(path))
    if use_cache:
        _write_cache(cache_file, catalog)
    return catalog


def _write_cache(cache_file: Path, catalog: Catalog) -> None:
    payload = {
        "format": CACHE_FORMAT,
        "fingerprint": catalog.fingerprint,
        "source": catalog.source,
        "taxonomy": catalog.taxonomy.to_dict(),
        "taxonomy_source": catalog.taxonomy.source,
        # columns, not rows: one list per field decodes faster than 10,000 small objects
        "fields": list(Tool._fields),
        "columns": [list(column) for column in zip(*catalog.tools, strict=True)]
        if catalog.tools else [[] for _ in Tool._fields],
        "names": catalog._by_name,
    }
    try:
        from .files import atomic_write_text

        atomic_write_text(cache_file, json.dumps(payload, ensure_ascii=False), force=True)
    except OSError:
        pass  # a read-only home only costs the next load its speed


def _read_cache(cache_file: Path, fingerprint: str) -> Catalog | None:
    # building tens of thousands of small containers would trigger the cyclic garbage
    # collector over and over; none of them can form a cycle, so pause it meanwhile
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _decode_cache(cache_file, fingerprint)
    finally:
        if enabled:
            gc.enable()


def _decode_cache(cache_file: Path, fingerprint: str) -> Catalog | None:
    try:
        payload = json.loads(cache_file.read_text(encoding="utf-8"))
        if payload.get("format") != CACHE_FORMAT or payload.get("fingerprint") != fingerprint:
            return None
        if payload["fields"] != list(Tool._fields):
            return None
        taxonomy = taxonomy_from_dict(payload["taxonomy"], payload["taxonomy_source"])
        columns = payload["columns"]
        for key in ("categories", "capabilities", "ui_languages", "integrations", "sectors",
                    "sources"):
            i = Tool._fields.index(key)
            columns[i] = [None if x is None else tuple(x) for x in columns[i]]
        new = tuple.__new__
        tools = [new(Tool, row) for row in zip(*columns, strict=True)]
        return Catalog(tools, taxonomy, fingerprint, payload["source"], payload["names"])
    except (OSError, ValueError, KeyError, TypeError, CatalogError):
        return None
