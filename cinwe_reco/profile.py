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
from .documents import parse_document, read_document
from .errors import CinweError, EmptyBatchError, Problem, ProfileError, did_you_mean, show_value
from .files import read_text
from .hints import term_hint_text, tool_hint_text

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
    """Checks one profile, collecting every problem (as the catalog's EntryChecker does);
    each check returns a usable default when its field is wrong, so the others still run."""

    def __init__(self, source: str, catalog: Catalog) -> None:
        self.source = source
        self.catalog = catalog
        self.tax = catalog.taxonomy
        self.problems: list[Problem] = []

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.source, None, field, message))

    def _line(self, v: str, field: str, max_len: int) -> str | None:
        """One line of text, or None after a problem that says what is wrong with it."""
        if not v:
            self.fail(field, "expected text, got an empty value")
        elif len(v) > max_len:
            self.fail(field, f"expected at most {max_len} characters, got {len(v):,}")
        elif any(ord(c) < 32 or ord(c) == 127 for c in v):
            self.fail(field, f"expected one line of text without tabs or line breaks, got "
                      f"{show_value(v)}")
        else:
            return v
        return None

    def text(self, data: dict, key: str, *, required: bool = False, max_len: int = 200) -> Any:
        v = data.get(key)
        if v is None:
            if required:
                self.fail(key, "required field is missing (expected text)")
            return None
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            self.fail(key, f"expected text, got {show_value(v)}")
            return None
        return self._line(str(v).strip(), key, max_len)

    def integer(self, data: dict, key: str, low: int, high: int, default: Any) -> Any:
        v = data.get(key)
        if v is None:  # absent or written as null: the default
            v = default
        if v is None:
            return None
        if isinstance(v, float) and math.isfinite(v) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(key, f"expected a whole number from {low:,} to {high:,}, "
                      f"got {show_value(v)}")
            return default
        if not low <= v <= high:
            self.fail(key, f"expected a whole number from {low:,} to {high:,}, got {v:,}")
            return default
        return v

    def number(self, data: dict, key: str, low: float, high: float) -> float | None:
        v = data.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            self.fail(key, f"expected a number from {low:,.0f} to {high:,.0f}, "
                      f"got {show_value(v)}")
            return None
        if not low <= v <= high:
            self.fail(key, f"expected a number from {low:,.0f} to {high:,.0f}, got {v:,}")
            return None
        return float(v)

    def choice(self, data: dict, key: str, choices: tuple[str, ...], default: str,
               label: str | None = None) -> str:
        v = data.get(key, default)
        label = label or key
        if not isinstance(v, str) or v not in choices:
            hint = did_you_mean(str(v), choices) if isinstance(v, str) else ""
            self.fail(label, f"expected one of {', '.join(choices)}, got {show_value(v)}{hint}")
            return default
        return v

    def str_list(self, data: dict, key: str, default: list, label: str | None = None) -> list:
        v = data.get(key, default)
        label = label or key
        if v is None:
            return []
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list):
            self.fail(label, f"expected a list, got {show_value(v)}")
            return []
        if len(v) > MAX_LIST:
            self.fail(label, f"expected at most {MAX_LIST} items, got {len(v):,}")
            return []
        out = []
        for i, item in enumerate(v):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.fail(f"{label}[{i}]", f"expected text, got {show_value(item)}")
                continue
            text = self._line(str(item).strip(), f"{label}[{i}]", 200)
            if text is not None:
                out.append(text)
        return out

    def ids(self, data: dict, key: str, kind: str, what: str, default: list) -> tuple:
        known = getattr(self.tax, kind)
        out = []
        for i, item in enumerate(self.str_list(data, key, default)):
            if item not in known:
                self.fail(f"{key}[{i}]", f"unknown {what} '{item}'"
                          f"{self.term_hint([kind], item, what)}")
            elif item not in out:
                out.append(item)
        return tuple(out)

    def term_hint(self, kinds: list[str], value: str, what: str) -> str:
        """'did you mean' from ids, English and French labels; else the list of ids (short
        lists) or where to find them."""
        hint = term_hint_text(self.tax, kinds, value)
        if hint:
            return hint
        ids = [i for kind in kinds for i in getattr(self.tax, kind)]
        if len(ids) <= 30:
            return f"; expected a {what} id: {', '.join(ids)}"
        return f"; expected a {what} id (cinwe-reco schema profile lists them)"

    def tools(self, values: list[str], label: str) -> tuple[str, ...]:
        out = []
        for i, item in enumerate(values):
            tool_id = self.catalog.resolve(item)
            if tool_id is None:
                hint = tool_hint_text(self.catalog, item)
                tail = hint or "; list tools the catalog does not know under other_tools"
                word = item.split()[0] if item.split() else item
                self.fail(f"{label}[{i}]", f"unknown tool '{item}'{tail} "
                          f"(cinwe-reco catalog search {word})")
            elif tool_id not in out:
                out.append(tool_id)
        return tuple(out)

    def needs(self, data: dict) -> tuple[Need, ...]:
        raw = data.get("needs")
        example = "for example '- capability: email-campaigns' with 'priority: must'"
        if raw is None:
            self.fail("needs", f"required field is missing: list at least one need, {example}")
            return ()
        if isinstance(raw, list) and not raw:
            self.fail("needs", f"the list is empty: give at least one need, {example}")
            return ()
        if not isinstance(raw, list):
            self.fail("needs", f"expected a list of needs, got {show_value(raw)} ({example})")
            return ()
        if len(raw) > MAX_NEEDS:
            self.fail("needs", f"expected at most {MAX_NEEDS} needs, got {len(raw):,}")
            return ()
        out: list[Need] = []
        for i, item in enumerate(raw):
            need = self.need(item, f"needs[{i}]")
            if need is None:
                continue
            if any(n.id == need.id for n in out):
                self.fail(f"needs[{i}].{need.kind}", f"'{need.id}' is listed twice")
                continue
            out.append(need)
        return tuple(out)

    def need(self, item: Any, where: str) -> Need | None:
        if isinstance(item, str):  # shorthand: a bare id
            item = ({"capability": item} if item in self.tax.capabilities
                    else {"category": item} if item in self.tax.categories
                    else {"capability": item})
        if not isinstance(item, dict):
            self.fail(where, f"expected a mapping with capability or category, "
                      f"got {show_value(item)}")
            return None
        bad_keys = [k for k in item if k not in NEED_FIELDS]
        for key in bad_keys:
            self.fail(f"{where}.{key}", "unknown field" + did_you_mean(str(key), NEED_FIELDS))
        has_cap, has_cat = "capability" in item, "category" in item
        if has_cap == has_cat:
            self.fail(where, "expected exactly one of capability or category")
            return None
        kind = "capability" if has_cap else "category"
        known = self.tax.capabilities if has_cap else self.tax.categories
        value = item[kind]
        priority = self.choice(item, "priority", PRIORITIES, "should", f"{where}.priority")
        if not isinstance(value, str) or value not in known:
            other = self.tax.categories if has_cap else self.tax.capabilities
            if isinstance(value, str) and value in other:
                other_kind = "category" if has_cap else "capability"
                self.fail(f"{where}.{kind}", f"'{value}' is a {other_kind} id; "
                          f"write '{other_kind}: {value}'")
            elif isinstance(value, str):
                self.fail(f"{where}.{kind}", f"unknown {kind} '{value}'" + self.term_hint(
                    ["capabilities", "categories"], value, kind))
            else:
                self.fail(f"{where}.{kind}", f"expected a {kind} id, got {show_value(value)}")
            return None
        return None if bad_keys else Need(kind, value, priority)

    def check(self, data: Any) -> Profile:
        if not isinstance(data, dict):
            raise ProfileError(f"{self.source}: expected a profile (a mapping of fields), "
                               f"got {show_value(data)}")
        for dup in getattr(data, "duplicates", ()):
            self.fail(dup[0], f"written twice (lines {dup[1]} and {dup[2]}); keep one")
        for key in data:
            if not isinstance(key, str) or key not in FIELDS:
                self.fail(str(key), "unknown field" + did_you_mean(str(key), FIELDS))
        schema = data.get("schema", PROFILE_SCHEMA)
        if schema != PROFILE_SCHEMA:
            self.fail("schema", f"expected '{PROFILE_SCHEMA}', got {show_value(schema)}")
        client = self.text(data, "client", required=True)
        country = data.get("country", "FR")
        if not isinstance(country, str) or country.upper() not in COUNTRIES:
            hint = did_you_mean(str(country).upper(), COUNTRIES) if isinstance(country, str) else ""
            self.fail("country", f"expected an ISO 3166-1 alpha-2 code like 'FR', "
                      f"got {show_value(country)}{hint}")
            country = "FR"
        languages = []
        for i, lang in enumerate(self.str_list(data, "languages", ["fr"])):
            if lang.lower() not in LANGUAGES:
                self.fail(f"languages[{i}]", f"expected an ISO 639-1 code like 'fr', "
                          f"got '{lang}'{did_you_mean(lang.lower(), LANGUAGES)}")
            elif lang.lower() not in languages:
                languages.append(lang.lower())
        if not languages and "languages" in data and not any(
                p.field.startswith("languages") for p in self.problems):
            self.fail("languages", "expected at least one language code like 'fr'")
        sector = data.get("sector")
        if sector is not None and (not isinstance(sector, str) or sector not in self.tax.sectors):
            if isinstance(sector, str):
                self.fail("sector", f"unknown sector '{sector}'"
                          f"{self.term_hint(['sectors'], sector, 'sector')}")
            else:
                self.fail("sector", f"expected a sector id, got {show_value(sector)}")
            sector = None
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
        goals = self.ids(data, "goals", "goals", "goal", [])
        cons = data.get("constraints") or {}
        if not isinstance(cons, dict):
            self.fail("constraints", f"expected a mapping, got {show_value(cons)}")
            cons = {}
        for key in cons:
            if key not in CONSTRAINT_FIELDS:
                self.fail(f"constraints.{key}", "unknown field"
                          + did_you_mean(str(key), CONSTRAINT_FIELDS))
        budget_mode = self.choice(cons, "budget", BUDGET_MODES, "flexible", "constraints.budget")
        eu = self.choice(cons, "eu_hosting", LEVELS, "any", "constraints.eu_hosting")
        oss = self.choice(cons, "open_source", LEVELS, "any", "constraints.open_source")
        lang = self.choice(cons, "language", LEVELS, "preferred", "constraints.language")
        exclude = self.tools(self.str_list(cons, "exclude", [], "constraints.exclude"),
                             "constraints.exclude")
        if self.problems:
            raise profile_error(self.source, self.problems)
        return Profile(
            client=client, needs=needs, country=country.upper(), languages=tuple(languages),
            sector=sector, business_model=business_model, employees=employees, users=users,
            contacts=contacts, budget_eur_month=budget, digital_maturity=maturity,
            tech_skill=skill, current_stack=stack, other_tools=other, goals=goals,
            budget_mode=budget_mode, eu_hosting=eu, open_source=oss, language=lang,
            exclude=exclude, source=self.source,
        )


def profile_error(source: str, problems: list[Problem]) -> ProfileError:
    """One error for all the problems of a profile: the problem itself when there is one,
    else a count (``problems`` lists them all)."""
    if len(problems) == 1:
        return ProfileError(str(problems[0]), problems)
    return ProfileError(f"{source}: {len(problems)} problems in the profile", problems)


def check_profile(data: Any, catalog: Catalog | None = None, source: str = "<profile>"
                  ) -> list[Problem]:
    """Every problem of a profile given as plain data (an empty list when it is valid)."""
    try:
        profile_from_dict(data, catalog, source)
    except ProfileError as exc:
        return exc.problems or [Problem(source, None, None, str(exc))]
    return []


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
    return profile_from_dict(read_document(path), catalog, str(path))


def iter_profile_sources(paths: list[Path]) -> Iterator[tuple[str, Any]]:
    """(source label, raw document or CinweError) for every profile of files, folders and JSONL.

    An unreadable item is yielded as its error so a batch can report it and go on.
    """
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.iterdir()
                           if p.suffix.lower() in (".yaml", ".yml", ".json", ".jsonl"))
            if not files:
                yield str(path), EmptyBatchError(
                    f"{path}: no profile in this folder (expected .yaml, .yml, .json or "
                    ".jsonl files)")
            yield from iter_profile_sources(files)
        elif path.suffix.lower() == ".jsonl":
            try:
                text = read_text(path, max_bytes=200 * 1024 * 1024)
            except CinweError as exc:
                yield str(path), exc
                continue
            lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
                     if line.strip()]
            if not lines:
                yield str(path), EmptyBatchError(f"{path}: no profile in this file (expected "
                                                 "one JSON profile per line)")
            for number, line in lines:
                label = f"{path}:{number}"
                if len(line) > MAX_BATCH_LINE_BYTES:
                    yield label, ProfileError(f"{label}: line longer than 1 MiB")
                    continue
                try:
                    yield label, parse_document(line, label, is_json=True)
                except CinweError as exc:
                    yield label, exc
        else:
            try:
                yield str(path), read_document(path)
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
