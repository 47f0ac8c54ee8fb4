"""The taxonomy: categories, capabilities, sectors and goals, with English and French labels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CatalogError, Problem, did_you_mean
from .files import load_document

TAXONOMY_SCHEMA = "cinwe-reco/taxonomy@1"
KINDS = ("categories", "capabilities", "sectors", "goals")


@dataclass(frozen=True)
class Term:
    """One taxonomy id with its labels."""

    id: str
    en: str
    fr: str
    description: str
    related: tuple[str, ...] = ()  # a capability's categories, or a goal's capabilities
    # a capability's home categories: those whose core job it is (SPEC section 4), a subset of
    # ``related``; a tool's ``core`` capability must sit in one of its home categories
    home: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """All ids the catalog and profiles may use."""

    categories: dict[str, Term]
    capabilities: dict[str, Term]
    sectors: dict[str, Term]
    goals: dict[str, Term]
    source: str = ""

    def label(self, term_id: str, lang: str = "en") -> str:
        """The label of any id, in ``lang`` (``en`` or ``fr``); the id itself if unknown."""
        for kind in KINDS:
            term = getattr(self, kind).get(term_id)
            if term is not None:
                return term.fr if lang == "fr" else term.en
        return term_id

    def categories_of(self, capability: str) -> tuple[str, ...]:
        """The categories a capability belongs to."""
        return self.capabilities[capability].related

    def home_of(self, capability: str) -> tuple[str, ...]:
        """The categories whose core job a capability is."""
        return self.capabilities[capability].home

    def capabilities_of_category(self, category: str) -> tuple[str, ...]:
        """The capabilities that belong to a category."""
        return tuple(c.id for c in self.capabilities.values() if category in c.related)

    def to_dict(self) -> dict[str, Any]:
        """The taxonomy as plain data, in the file's shape."""
        out: dict[str, Any] = {"schema": TAXONOMY_SCHEMA}
        for kind in KINDS:
            rel = {"capabilities": "categories", "goals": "capabilities"}.get(kind)
            out[kind] = {}
            for t in getattr(self, kind).values():
                d: dict[str, Any] = {"en": t.en, "fr": t.fr, "description": t.description}
                if rel:
                    d[rel] = list(t.related)
                if kind == "capabilities":
                    d["home"] = list(t.home)
                out[kind][t.id] = d
        return out


def taxonomy_from_dict(data: Any, source: str) -> Taxonomy:
    """Build and check a taxonomy from its parsed file; every problem is reported at once."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise CatalogError(f"{source}: expected a mapping with keys {', '.join(KINDS)}")
    terms: dict[str, dict[str, Term]] = {}
    for kind in KINDS:
        section = data.get(kind)
        if not isinstance(section, dict) or not section:
            problems.append(Problem(source, None, kind, "expected a non-empty mapping of ids"))
            terms[kind] = {}
            continue
        parsed: dict[str, Term] = {}
        for term_id, body in section.items():
            if not isinstance(body, dict):
                problems.append(Problem(source, str(term_id), kind, "expected en, fr, description"))
                continue
            missing = [k for k in ("en", "fr", "description") if not isinstance(body.get(k), str)]
            if missing:
                problems.append(
                    Problem(source, str(term_id), kind, f"missing text for {', '.join(missing)}")
                )
            rel_key = {"capabilities": "categories", "goals": "capabilities"}.get(kind)
            related = tuple(body.get(rel_key) or ()) if rel_key else ()
            home = tuple(body.get("home") or related) if kind == "capabilities" else ()
            parsed[str(term_id)] = Term(
                str(term_id),
                str(body.get("en", term_id)),
                str(body.get("fr", term_id)),
                str(body.get("description", "")),
                related,
                home,
            )
        terms[kind] = parsed
    for cap in terms["capabilities"].values():
        if not cap.related:
            problems.append(Problem(source, cap.id, "categories", "a capability needs a category"))
        for cat in cap.home:
            if cat not in cap.related:
                problems.append(Problem(source, cap.id, "home",
                                        f"home category '{cat}' is not among its categories"))
        for cat in cap.related:
            if cat not in terms["categories"]:
                problems.append(
                    Problem(source, cap.id, "categories",
                            f"unknown category '{cat}'{did_you_mean(cat, terms['categories'])}")
                )
    for goal in terms["goals"].values():
        for cap_id in goal.related:
            if cap_id not in terms["capabilities"]:
                problems.append(
                    Problem(source, goal.id, "capabilities",
                            f"unknown capability '{cap_id}'"
                            f"{did_you_mean(cap_id, terms['capabilities'])}")
                )
    if problems:
        raise CatalogError(f"{source}: {len(problems)} problem(s) in the taxonomy", problems)
    return Taxonomy(
        terms["categories"], terms["capabilities"], terms["sectors"], terms["goals"], source
    )


def load_taxonomy(path: Path) -> Taxonomy:
    """Load ``taxonomy.yaml``."""
    return taxonomy_from_dict(load_document(path), str(path))
