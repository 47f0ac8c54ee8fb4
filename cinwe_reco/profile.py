"""Client profiles, schema ``cinwe-reco/profile@1`` (SPEC section 2): loading and validation.

A profile is a YAML or JSON mapping. A folder of profile files or a JSONL file (one profile per
line) is a batch. Every error names the file, the field, what was expected and, where one is
close, the id that was probably meant.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import Catalog, load_catalog
from .codes import COUNTRIES, LANGUAGES
from .errors import CinweError, ProfileError, did_you_mean, printable, show_value
from .files import load_document, parse_json, read_text

PROFILE_SCHEMA = "cinwe-reco/profile@1"
PRIORITIES = ("must", "should", "nice")
PRIORITY_WEIGHT = {"must": 3.0, "should": 2.0, "nice": 1.0}
BUSINESS_MODELS = ("b2b", "b2c", "mixed")
BUDGET_MODES = ("strict", "flexible")
LEVELS = ("required", "preferred", "any")
MAX_NEEDS = 30
MAX_LIST = 200
MAX_BATCH_LINE_BYTES = 1024 * 1024

FIELDS = (
    "schema", "client", "country", "languages", "sector", "business_model", "employees", "users",
    "contacts", "budget_eur_month", "digital_maturity", "tech_skill", "current_stack",
    "other_tools", "needs", "goals", "constraints", "notes",
)
CONSTRAINT_FIELDS = ("budget", "eu_hosting", "open_source", "language", "exclude")
NEED_FIELDS = ("capability", "category", "priority")


@dataclass(frozen=True)
class Need:
    """One need of the client: a capability or a whole category, with a priority."""

    kind: str  # "capability" or "category"
    id: str
    priority: str = "should"

    @property
    def weight(self) -> float:
        """3 for must, 2 for should, 1 for nice."""
        return PRIORITY_WEIGHT[self.priority]


@dataclass(frozen=True)
class Profile:
    """A validated client profile; tool references are resolved to catalog ids."""

    client: str
    needs: tuple[Need, ...]
    country: str = "FR"
    languages: tuple[str, ...] = ("fr",)
    sector: str | None = None
    business_model: str = "mixed"
    employees: int = 1
    users: int = 1
    contacts: int | None = None
    budget_eur_month: float | None = None
    digital_maturity: int = 2
    tech_skill: int = 2
    current_stack: tuple[str, ...] = ()
    other_tools: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    budget_mode: str = "flexible"
    eu_hosting: str = "any"
    open_source: str = "any"
    language: str = "preferred"
    exclude: tuple[str, ...] = ()
    source: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The profile in its file shape, with defaults filled in and tools as catalog ids."""
        out: dict[str, Any] = {
            "schema": PROFILE_SCHEMA,
            "client": self.client,
            "country": self.country,
            "languages": list(self.languages),
        }
        if self.sector:
            out["sector"] = self.sector
        out.update({
            "business_model": self.business_model,
            "employees": self.employees,
            "users": self.users,
        })
        if self.contacts is not None:
            out["contacts"] = self.contacts
        if self.budget_eur_month is not None:
            out["budget_eur_month"] = self.budget_eur_month
        out.update({
            "digital_maturity": self.digital_maturity,
            "tech_skill": self.tech_skill,
            "current_stack": list(self.current_stack),
            "other_tools": list(self.other_tools),
            "needs": [{n.kind: n.id, "priority": n.priority} for n in self.needs],
            "goals": list(self.goals),
            "constraints": {
                "budget": self.budget_mode,
                "eu_hosting": self.eu_hosting,
                "open_source": self.open_source,
                "language": self.language,
                "exclude": list(self.exclude),
            },
        })
        return out

    @property
    def need_keys(self) -> tuple[str, ...]:
        """The needs' ids, in the profile's order."""
        return tuple(n.id for n in self.needs)


class _Checker:
    def __init__(self, source: str, catalog: Catalog) -> None:
        self.source = source
        self.catalog = catalog
        self.tax = catalog.taxonomy

    def fail(self, field: str, message: str) -> ProfileError:
        return ProfileError(f"{self.source}: {printable(field)}: {printable(message, 400)}")

    def text(self, data: dict, key: str, *, required: bool = False, max_len: int = 200) -> Any:
        v = data.get(key)
        if v is None:
            if required:
                raise self.fail(key, "required field is missing (expected text)")
            return None
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise self.fail(key, f"expected text, got {show_value(v)}")
        v = str(v).strip()
        if not v or len(v) > max_len or any(ord(c) < 32 for c in v):
            raise self.fail(key, f"expected one line of text of 1 to {max_len} characters")
        return v

    def integer(self, data: dict, key: str, low: int, high: int, default: Any) -> Any:
        v = data.get(key)
        if v is None:  # absent or written as null: the default
            v = default
        if v is None:
            return None
        if isinstance(v, float) and math.isfinite(v) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(key, f"expected a whole number from {low:,} to {high:,}, "
                            f"got {show_value(v)}")
        if not low <= v <= high:
            raise self.fail(key, f"expected a whole number from {low:,} to {high:,}, got {v:,}")
        return v

    def number(self, data: dict, key: str, low: float, high: float) -> float | None:
        v = data.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise self.fail(key, f"expected a number from {low:,.0f} to {high:,.0f}, "
                            f"got {show_value(v)}")
        if not low <= v <= high:
            raise self.fail(key, f"expected a number from {low:,.0f} to {high:,.0f}, got {v:,}")
        return float(v)

    def choice(self, data: dict, key: str, choices: tuple[str, ...], default: str,
               label: str | None = None) -> str:
        v = data.get(key, default)
        label = label or key
        if not isinstance(v, str) or v not in choices:
            hint = did_you_mean(str(v), choices) if isinstance(v, str) else ""
            raise self.fail(label,
                            f"expected one of {', '.join(choices)}, got {show_value(v)}{hint}")
        return v

    def str_list(self, data: dict, key: str, default: list, label: str | None = None) -> list:
        v = data.get(key, default)
        label = label or key
        if v is None:
            return []
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list):
            raise self.fail(label, f"expected a list, got {show_value(v)}")
        if len(v) > MAX_LIST:
            raise self.fail(label, f"expected at most {MAX_LIST} items, got {len(v):,}")
        out = []
        for i, item in enumerate(v):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                raise self.fail(f"{label}[{i}]", f"expected text, got {show_value(item)}")
            text = str(item).strip()
            if not text or len(text) > 200 or any(ord(c) < 32 for c in text):
                raise self.fail(f"{label}[{i}]", "expected one line of text of 1 to 200 characters")
            out.append(text)
        return out

    def ids(self, data: dict, key: str, known: dict, what: str, default: list) -> tuple:
        out = []
        for i, item in enumerate(self.str_list(data, key, default)):
            if item not in known:
                raise self.fail(f"{key}[{i}]",
                                f"unknown {what} '{item}'{did_you_mean(item, known)}")
            if item not in out:
                out.append(item)
        return tuple(out)

    def tools(self, values: list[str], label: str) -> tuple[str, ...]:
        out = []
        for i, item in enumerate(values):
            tool_id = self.catalog.resolve(item)
            if tool_id is None:
                hint = self.catalog.suggestion(item)
                tail = (f"; did you mean '{hint}'?" if hint else
                        "; list tools the catalog does not know under other_tools")
                raise self.fail(f"{label}[{i}]", f"unknown tool '{item}'{tail} "
                                f"(cinwe-reco catalog search {item.split()[0]})")
            if tool_id not in out:
                out.append(tool_id)
        return tuple(out)

    def needs(self, data: dict) -> tuple[Need, ...]:
        raw = data.get("needs")
        if raw is None:
            raise self.fail("needs", "required field is missing (expected a list of needs, "
                            "each with a capability or category id)")
        if not isinstance(raw, list) or not raw:
            raise self.fail("needs", f"expected a non-empty list of needs, got {show_value(raw)}")
        if len(raw) > MAX_NEEDS:
            raise self.fail("needs", f"expected at most {MAX_NEEDS} needs, got {len(raw):,}")
        out: list[Need] = []
        for i, item in enumerate(raw):
            where = f"needs[{i}]"
            if isinstance(item, str):  # shorthand: a bare id
                item = ({"capability": item} if item in self.tax.capabilities
                        else {"category": item} if item in self.tax.categories
                        else {"capability": item})
            if not isinstance(item, dict):
                raise self.fail(where, f"expected a mapping with capability or category, "
                                f"got {show_value(item)}")
            for key in item:
                if key not in NEED_FIELDS:
                    raise self.fail(f"{where}.{key}", "unknown field"
                                    + did_you_mean(str(key), NEED_FIELDS))
            has_cap, has_cat = "capability" in item, "category" in item
            if has_cap == has_cat:
                raise self.fail(where, "expected exactly one of capability or category")
            kind = "capability" if has_cap else "category"
            known = self.tax.capabilities if has_cap else self.tax.categories
            value = item[kind]
            if not isinstance(value, str) or value not in known:
                other = self.tax.categories if has_cap else self.tax.capabilities
                if isinstance(value, str) and value in other:
                    other_kind = "category" if has_cap else "capability"
                    raise self.fail(f"{where}.{kind}", f"'{value}' is a {other_kind} id; "
                                    f"write '{other_kind}: {value}'")
                hint = did_you_mean(value, known) if isinstance(value, str) else ""
                raise self.fail(f"{where}.{kind}", f"unknown {kind} {show_value(value)}{hint}")
            priority = self.choice(item, "priority", PRIORITIES, "should", f"{where}.priority")
            if any(n.id == value for n in out):
                raise self.fail(f"{where}.{kind}", f"'{value}' is listed twice")
            out.append(Need(kind, value, priority))
        return tuple(out)

    def check(self, data: Any) -> Profile:
        if not isinstance(data, dict):
            raise ProfileError(f"{self.source}: expected a profile (a mapping of fields), "
                               f"got {show_value(data)}")
        for key in data:
            if not isinstance(key, str) or key not in FIELDS:
                raise self.fail(str(key), "unknown field" + did_you_mean(str(key), FIELDS))
        schema = data.get("schema", PROFILE_SCHEMA)
        if schema != PROFILE_SCHEMA:
            raise self.fail("schema", f"expected '{PROFILE_SCHEMA}', got {show_value(schema)}")
        client = self.text(data, "client", required=True)
        country = data.get("country", "FR")
        if not isinstance(country, str) or country.upper() not in COUNTRIES:
            hint = did_you_mean(str(country).upper(), COUNTRIES) if isinstance(country, str) else ""
            raise self.fail("country", f"expected an ISO 3166-1 alpha-2 code like 'FR', "
                            f"got {show_value(country)}{hint}")
        languages = []
        for i, lang in enumerate(self.str_list(data, "languages", ["fr"])):
            if lang.lower() not in LANGUAGES:
                raise self.fail(f"languages[{i}]", f"expected an ISO 639-1 code like 'fr', "
                                f"got '{lang}'{did_you_mean(lang.lower(), LANGUAGES)}")
            if lang.lower() not in languages:
                languages.append(lang.lower())
        if not languages:
            raise self.fail("languages", "expected at least one language code like 'fr'")
        sector = data.get("sector")
        if sector is not None and (not isinstance(sector, str) or sector not in self.tax.sectors):
            hint = did_you_mean(sector, self.tax.sectors) if isinstance(sector, str) else ""
            raise self.fail("sector", f"unknown sector {show_value(sector)}{hint}")
        business_model = self.choice(data, "business_model", BUSINESS_MODELS, "mixed")
        employees = self.integer(data, "employees", 0, 1_000_000, 1)
        users = self.integer(data, "users", 1, 100_000, min(max(employees, 1), 5))
        contacts = self.integer(data, "contacts", 0, 1_000_000_000, None)
        budget = self.number(data, "budget_eur_month", 0, 10_000_000)
        maturity = self.integer(data, "digital_maturity", 1, 5, 2)
        skill = self.integer(data, "tech_skill", 1, 5, 2)
        stack = self.tools(self.str_list(data, "current_stack", []), "current_stack")
        other = tuple(self.str_list(data, "other_tools", []))
        needs = self.needs(data)
        goals = self.ids(data, "goals", self.tax.goals, "goal", [])
        cons = data.get("constraints") or {}
        if not isinstance(cons, dict):
            raise self.fail("constraints", f"expected a mapping, got {show_value(cons)}")
        for key in cons:
            if key not in CONSTRAINT_FIELDS:
                raise self.fail(f"constraints.{key}", "unknown field"
                                + did_you_mean(str(key), CONSTRAINT_FIELDS))
        budget_mode = self.choice(cons, "budget", BUDGET_MODES, "flexible", "constraints.budget")
        eu = self.choice(cons, "eu_hosting", LEVELS, "any", "constraints.eu_hosting")
        oss = self.choice(cons, "open_source", LEVELS, "any", "constraints.open_source")
        lang = self.choice(cons, "language", LEVELS, "preferred", "constraints.language")
        exclude = self.tools(self.str_list(cons, "exclude", [], "constraints.exclude"),
                             "constraints.exclude")
        return Profile(
            client=client, needs=needs, country=country.upper(), languages=tuple(languages),
            sector=sector, business_model=business_model, employees=employees, users=users,
            contacts=contacts, budget_eur_month=budget, digital_maturity=maturity,
            tech_skill=skill, current_stack=stack, other_tools=other, goals=goals,
            budget_mode=budget_mode, eu_hosting=eu, open_source=oss, language=lang,
            exclude=exclude, source=self.source,
        )


def profile_from_dict(data: Any, catalog: Catalog | None = None, source: str = "<profile>"
                      ) -> Profile:
    """Validate a profile given as plain data."""
    return _Checker(source, catalog or load_catalog()).check(data)


def load_profile(profile: Profile | dict | str | Path, catalog: Catalog | None = None) -> Profile:
    """A validated Profile from a path (YAML or JSON), a dict, or a Profile (returned as is)."""
    if isinstance(profile, Profile):
        return profile
    if isinstance(profile, dict):
        return profile_from_dict(profile, catalog)
    path = Path(profile)
    return profile_from_dict(load_document(path), catalog, str(path))


def iter_profile_sources(paths: list[Path]) -> Iterator[tuple[str, Any]]:
    """(source label, raw document or CinweError) for every profile of files, folders and JSONL.

    An unreadable item is yielded as its error so a batch can report it and go on.
    """
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.iterdir()
                           if p.suffix.lower() in (".yaml", ".yml", ".json", ".jsonl"))
            yield from iter_profile_sources(files)
        elif path.suffix.lower() == ".jsonl":
            try:
                text = read_text(path, max_bytes=200 * 1024 * 1024)
            except CinweError as exc:
                yield str(path), exc
                continue
            for number, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                label = f"{path}:{number}"
                if len(line) > MAX_BATCH_LINE_BYTES:
                    yield label, ProfileError(f"{label}: line longer than 1 MiB")
                    continue
                try:
                    yield label, parse_json(line, label)
                except CinweError as exc:
                    yield label, exc
        else:
            try:
                yield str(path), load_document(path)
            except CinweError as exc:
                yield str(path), exc


def load_profiles(paths: list[Path | str], catalog: Catalog | None = None
                  ) -> Iterator[tuple[str, Profile | CinweError]]:
    """Every profile of a batch, validated: (source, Profile or the error that stopped it)."""
    catalog = catalog or load_catalog()
    for source, doc in iter_profile_sources([Path(p) for p in paths]):
        if isinstance(doc, CinweError):
            yield source, doc
            continue
        try:
            yield source, profile_from_dict(doc, catalog, source)
        except CinweError as exc:
            yield source, exc
