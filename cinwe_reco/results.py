"""The result types of the engine: suggestions, the stack, exclusions and explanations.

``Suggestions.to_dict()`` is exactly the ``cinwe-reco/suggestions@1`` object of SPEC section 5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .profile import Profile

SUGGESTIONS_SCHEMA = "cinwe-reco/suggestions@1"


@dataclass(frozen=True)
class Suggestion:
    """One ranked tool with its score, fit, cost, coverage and reasons."""

    rank: int
    tool_id: str
    name: str
    score: float
    fit: int
    categories: list[str]
    covers: list[str]
    monthly_cost_eur: float | None
    reasons: list[str]
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The SPEC section 5 form of one suggestion."""
        return {
            "rank": self.rank, "tool_id": self.tool_id, "name": self.name, "score": self.score,
            "fit": self.fit, "categories": list(self.categories), "covers": list(self.covers),
            "monthly_cost_eur": self.monthly_cost_eur, "reasons": list(self.reasons),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class Stack:
    """The recommended set of tools."""

    tools: list[str]
    monthly_cost_eur: float
    covers: list[str]
    uncovered: list[str]
    within_budget: bool

    def to_dict(self) -> dict[str, Any]:
        """The SPEC section 5 form of the stack."""
        return {"tools": list(self.tools), "monthly_cost_eur": self.monthly_cost_eur,
                "covers": list(self.covers), "uncovered": list(self.uncovered),
                "within_budget": self.within_budget}


@dataclass(frozen=True)
class Excluded:
    """A tool that would have ranked but breaks a hard constraint."""

    tool_id: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The SPEC section 5 form of one exclusion."""
        return {"tool_id": self.tool_id, "reason": self.reason}


@dataclass(frozen=True)
class Suggestions:
    """The result of ``Recommender.suggest``; ``to_dict()`` is exactly SPEC section 5.

    ``notes`` (budget shortfalls, the cheapest full cover) and ``warnings`` (fallback scorer,
    changed catalog) are shown by the human formats and printed on standard error by the CLI.
    ``details`` holds the fit, cost and reasons of every tool shown: the top list and the head
    of each shortlist. ``need_fit[need][tool]`` is a tool's 0..100 fit for that need alone,
    the figure its shortlist is ranked by.
    """

    client: str
    model: dict[str, Any]
    suggestions: list[Suggestion]
    by_need: dict[str, list[str]]
    stack: Stack
    excluded: list[Excluded]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    profile: Profile | None = field(default=None, repr=False, compare=False)
    details: dict[str, Suggestion] = field(default_factory=dict, repr=False, compare=False)
    need_fit: dict[str, dict[str, int]] = field(default_factory=dict, repr=False, compare=False)
    # per need: the fit, cost and reasons of the shortlist's head, for that need
    need_details: dict[str, dict[str, Suggestion]] = field(default_factory=dict, repr=False,
                                                          compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the ``cinwe-reco/suggestions@1`` object of SPEC section 5."""
        return {
            "schema": SUGGESTIONS_SCHEMA,
            "client": self.client,
            "model": dict(self.model),
            "suggestions": [s.to_dict() for s in self.suggestions],
            "by_need": {k: list(v) for k, v in self.by_need.items()},
            "stack": self.stack.to_dict(),
            "excluded": [e.to_dict() for e in self.excluded],
        }

    def to_frame(self) -> Any:
        """The suggestions as a pandas DataFrame, one row per tool."""
        import pandas as pd

        rows = []
        for s in self.suggestions:
            d = s.to_dict()
            d["categories"] = ", ".join(s.categories)
            d["covers"] = ", ".join(s.covers)
            d["reasons"] = "; ".join(s.reasons)
            d["warnings"] = "; ".join(s.warnings)
            d["in_stack"] = s.tool_id in self.stack.tools
            rows.append(d)
        return pd.DataFrame(rows, columns=[
            "rank", "tool_id", "name", "score", "fit", "categories", "covers",
            "monthly_cost_eur", "reasons", "warnings", "in_stack"])


@dataclass(frozen=True)
class Contribution:
    """One feature's value and its push on the score, in words."""

    feature: str
    value: float
    contribution: float
    words: str


@dataclass(frozen=True)
class Explanation:
    """Why a tool ranks where it does, or why it is not suggested at all."""

    tool_id: str
    name: str
    status: str  # "ranked" | "excluded" | "in-stack" | "not-candidate"
    message: str
    rank: int | None = None
    candidates: int | None = None
    score: float | None = None
    fit: int | None = None
    contributions: list[Contribution] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    need: str | None = None  # the need the rank and fit are for

    def to_dict(self) -> dict[str, Any]:
        """The explanation as plain data (``explain --format json``)."""
        return {
            "tool_id": self.tool_id, "name": self.name, "status": self.status,
            "message": self.message, "need": self.need, "rank": self.rank,
            "candidates": self.candidates,
            "score": self.score, "fit": self.fit,
            "contributions": [vars(c) for c in self.contributions],
            "reasons": self.reasons, "warnings": self.warnings,
        }
