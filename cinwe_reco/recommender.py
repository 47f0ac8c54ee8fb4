"""The engine other applications import: ``Recommender.load()``, ``suggest`` and ``explain``.

Data flow for one profile: profile -> candidates -> hard constraints -> features -> model scores
-> shortlists per need -> recommended stack -> reasons -> output (SPEC section 5). A Recommender
holds only read-only state (catalog arrays and model), so one instance serves many calls from
several threads.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .baselines import RuleBasedScorer
from .candidates import Candidates, CatalogArrays, find_candidates
from .catalog import Catalog, load_catalogs
from .constraints import constraint_reasons, feasible_mask
from .errors import CinweError, ModelError, did_you_mean
from .explain import describe, reasons_and_warnings, short_name, tool_context
from .features import FEATURE_NAMES, build_features, build_features_batch, single_need_features
from .profile import Need, Profile, load_profile
from .resources import CATALOG_ENV, MODEL_ENV, default_model_dir
from .stack import StackInput, best_stack, cheapest_cover

SUGGESTIONS_SCHEMA = "cinwe-reco/suggestions@1"
SHORTLIST = 10
STACK_POOL = 6


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

    def to_dict(self) -> dict[str, Any]:
        """The explanation as plain data (``explain --format json``)."""
        return {
            "tool_id": self.tool_id, "name": self.name, "status": self.status,
            "message": self.message, "rank": self.rank, "candidates": self.candidates,
            "score": self.score, "fit": self.fit,
            "contributions": [vars(c) for c in self.contributions],
            "reasons": self.reasons, "warnings": self.warnings,
        }


@dataclass(frozen=True)
class _Scored:
    profile: Profile
    cand: Candidates
    X: np.ndarray
    raw: np.ndarray
    fit: np.ndarray
    blocked: np.ndarray  # constraint reason or None, per candidate
    order: np.ndarray  # feasible candidate positions, best first


def _split(rows: list[np.ndarray], X: np.ndarray, scores: np.ndarray, arrays: CatalogArrays
           ) -> list[tuple[list[str], np.ndarray]]:
    out, start = [], 0
    for r in rows:
        out.append((arrays.ids[r].tolist(), scores[start:start + len(r)]))
        start += len(r)
    return out


class Recommender:
    """Ranks the catalog for client profiles with a trained model (or the rule-based fallback).

    Use ``Recommender.load()``; then ``suggest(profile)`` and ``explain(profile, tool)``.
    """

    def __init__(self, catalog: Catalog, model: Any | None = None,
                 warnings: Iterable[str] = ()) -> None:
        self.catalog = catalog
        self.arrays = CatalogArrays(catalog)
        self.model = model
        self.warnings = list(warnings)
        self._rules = RuleBasedScorer()

    @classmethod
    def load(cls, model: Path | str | None = None,
             catalog: Path | str | Catalog | list[Path | str] | None = None) -> Recommender:
        """Load the catalog and the model (defaults: shipped, or $CINWE_RECO_CATALOG/_MODEL).

        ``catalog`` is a loaded Catalog, or one or more layer paths over the shipped catalog.

        An explicitly given model that cannot be loaded is an error; when the default model is
        missing or unusable, the rule-based scorer is used with a warning.
        """
        from .ranker import RankingModel

        if isinstance(catalog, Catalog):
            cat = catalog
        else:
            if catalog is None:
                layers = os.environ.get(CATALOG_ENV, "").split()
            else:
                layers = [catalog] if isinstance(catalog, str | Path) else list(catalog)
            cat = load_catalogs(layers)
        warnings: list[str] = []
        explicit = model is not None or bool(os.environ.get(MODEL_ENV))
        path = Path(model) if model is not None else default_model_dir()
        try:
            ranking = RankingModel.load(path)
        except ModelError as exc:
            if explicit:
                raise
            ranking = None
            warnings.append(f"no usable model ({exc}); ranking with the rule-based scorer")
        if ranking is not None and ranking.metadata.get("catalog_fingerprint") != cat.fingerprint:
            warnings.append("the catalog changed since the model was trained; scoring it anyway "
                            "(retrain with `cinwe-reco train` to learn from the new entries)")
        return cls(cat, ranking, warnings)

    # ------------------------------------------------------------------ scoring

    @property
    def model_info(self) -> dict[str, Any]:
        """The ``model`` object of the output: name, version, trained_at."""
        if self.model is None:
            return {"name": "rules", "version": __version__, "trained_at": None}
        return {"name": self.model.name, "version": self.model.version,
                "trained_at": self.model.trained_at}

    def _profile(self, profile: Profile | dict | str | Path, needs: Iterable[str] | None
                 ) -> Profile:
        p = load_profile(profile, self.catalog)
        if not needs:
            return p
        tax = self.catalog.taxonomy
        chosen: list[Need] = []
        for need_id in needs:
            existing = [n for n in p.needs if n.id == need_id]
            if existing:
                chosen += existing
            elif need_id in tax.capabilities:
                chosen.append(Need("capability", need_id, "must"))
            elif need_id in tax.categories:
                chosen.append(Need("category", need_id, "must"))
            else:
                known = [*p.need_keys, *tax.capabilities, *tax.categories]
                raise CinweError(f"--need: unknown need '{need_id}'{did_you_mean(need_id, known)}")
        return replace(p, needs=tuple(dict.fromkeys(chosen)))

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(raw scores, 0..100 fit) from the model, or the rule-based scorer without one."""
        if len(X) == 0:
            return np.empty(0), np.empty(0)
        scorer = self.model if self.model is not None else self._rules
        raw = scorer.predict(X)
        return raw, scorer.fit_percent(raw)

    def _score(self, profile: Profile) -> _Scored:
        cand = find_candidates(profile, self.arrays)
        X = build_features(profile, self.arrays, cand)
        raw, fit = self._predict(X)
        blocked = constraint_reasons(profile, self.arrays, cand)
        feasible = np.flatnonzero(blocked == None)  # noqa: E711
        # best first; ties broken by catalog order (tool id), so results are reproducible
        order = feasible[np.lexsort((feasible, -raw[feasible]))] if len(feasible) else feasible
        return _Scored(profile, cand, X, raw, fit, blocked, order)

    def _need_rankings(self, p: Profile, s: _Scored) -> tuple[list[np.ndarray], np.ndarray]:
        """For each need, the feasible candidates covering it, best first for that need alone;
        and the (candidates x needs) fit of each tool for each need it covers (0 elsewhere).

        A shortlist answers "which tool for this need?": each tool is scored as if the need
        were the client's only (must-have) need, everything else about the client unchanged.
        All needs are scored in one batch and one booster call.
        """
        cand = s.cand
        positions = [np.flatnonzero(cand.covers[:, j]) for j in range(len(p.needs))]
        X = np.vstack([single_need_features(s.X[pos], bool(cand.stack_covers[j]),
                                            bool(cand.stack_specialist[j]))
                       for j, pos in enumerate(positions)]) if positions else s.X[:0]
        raw, fit = self._predict(X)
        need_fit = np.zeros((len(cand), len(p.needs)))
        orders, start = [], 0
        for j, pos in enumerate(positions):
            end = start + len(pos)
            need_fit[pos, j] = np.clip(fit[start:end], 0, 100) / 100.0
            ok = s.blocked[pos] == None  # noqa: E711
            pos, r = pos[ok], raw[start:end][ok]
            orders.append(pos[np.lexsort((pos, -r))])
            start = end
        return orders, need_fit

    def _contributions(self, X: np.ndarray) -> np.ndarray | None:
        if self.model is None or len(X) == 0:
            return None
        return self.model.contributions(X)

    # ------------------------------------------------------------------ suggest

    def suggest(self, profile: Profile | dict | str | Path, top: int = 10,
                needs: Iterable[str] | None = None, shortlist_details: int = 0) -> Suggestions:
        """Rank the catalog for a profile (a path, a dict or a Profile).

        Returns shortlists per need, the ``top`` best suggestions with reasons, the recommended
        stack and the tools a hard constraint excluded. ``shortlist_details`` also computes the
        fit, cost and reasons of the first N tools of every shortlist (for tables).
        """
        if top < 1:
            raise CinweError(f"--top: expected a whole number >= 1, got {top}")
        p = self._profile(profile, needs)
        s = self._score(p)
        arrays, cand = self.arrays, s.cand
        ids = arrays.ids[cand.rows]
        cost = s.X[:, FEATURE_NAMES.index("monthly_cost_eur")]

        need_orders, need_fit = self._need_rankings(p, s)
        by_need: dict[str, list[str]] = {}
        shortlist_pos: list[int] = []
        for need, ranked in zip(p.needs, need_orders, strict=True):
            by_need[need.id] = [str(ids[i]) for i in ranked[:SHORTLIST]]
            shortlist_pos += [int(i) for i in ranked[:shortlist_details]]
        top_pos = [int(i) for i in s.order[:top]]
        stack, notes = self._stack(p, s, cost, need_orders, need_fit)
        index_of = {str(t): i for i, t in enumerate(ids)}
        stack_pos = [index_of[t] for t in stack.tools]
        # details (fit, cost, reasons) for the top list, the stack and the shortlists' heads
        detail_pos = list(dict.fromkeys(top_pos + stack_pos + shortlist_pos))
        rank_of = {int(pos): r for r, pos in enumerate(s.order, start=1)}
        contrib = self._contributions(s.X[detail_pos])
        details: dict[str, Suggestion] = {}
        for k, pos in enumerate(detail_pos):
            ctx = tool_context(p, arrays, int(cand.rows[pos]), s.X[pos], cand.covers[pos])
            reasons, warns = reasons_and_warnings(ctx, None if contrib is None else contrib[k])
            tool = ctx.tool
            c = cost[pos]
            details[tool.id] = Suggestion(
                rank=rank_of[pos], tool_id=tool.id, name=tool.name,
                score=round(float(s.raw[pos]), 4),
                fit=int(round(float(np.clip(s.fit[pos], 0, 100)))),
                categories=list(tool.categories), covers=ctx.covers,
                monthly_cost_eur=None if np.isnan(c) else round(float(c), 2),
                reasons=reasons, warnings=warns)
        suggestions = [details[str(ids[pos])] for pos in top_pos]

        excluded = self._excluded(p, s, top)
        fits = {need.id: {str(ids[i]): int(round(100 * need_fit[i, j]))
                          for i in need_orders[j][:max(SHORTLIST, shortlist_details)]}
                for j, need in enumerate(p.needs)}
        return Suggestions(p.client, self.model_info, suggestions, by_need, stack, excluded,
                           notes, list(self.warnings), p, details, fits)

    def _excluded(self, p: Profile, s: _Scored, top: int) -> list[Excluded]:
        """Tools a hard constraint (or the current stack) keeps out, that would have ranked."""
        cand, ids = s.cand, self.arrays.ids[s.cand.rows]
        out: list[Excluded] = []
        for tool_id in p.current_stack:
            tool = self.catalog.get(tool_id)
            if any(n.id in tool.capabilities or n.id in tool.categories for n in p.needs):
                out.append(Excluded(tool_id, "already in your current stack"))
        blocked = np.flatnonzero(s.blocked != None)  # noqa: E711
        if not len(blocked):
            return out
        everyone = np.lexsort((np.arange(len(s.raw)), -s.raw))
        rank_all = np.empty(len(s.raw), dtype=np.int64)
        rank_all[everyone] = np.arange(len(s.raw))
        would_rank = rank_all[blocked] < top
        for j in range(cand.covers.shape[1]):
            members = everyone[cand.covers[everyone, j]][:5]
            would_rank |= np.isin(blocked, members)
        for pos in blocked[would_rank][np.argsort(rank_all[blocked[would_rank]])]:
            out.append(Excluded(str(ids[pos]), str(s.blocked[pos])))
        return out

    def _stack(self, p: Profile, s: _Scored, cost: np.ndarray, need_orders: list[np.ndarray],
               need_fit: np.ndarray) -> tuple[Stack, list[str]]:
        cand = s.cand
        n_needs = len(p.needs)
        budget = p.budget_eur_month
        pool: list[int] = []
        per_need: list[list[int]] = []
        for ranked in need_orders:
            if budget is not None:
                ranked = ranked[~np.isnan(cost[ranked])]  # a stack within budget needs prices
            picks = []
            for pos in ranked[:STACK_POOL]:
                if pos not in pool:
                    pool.append(int(pos))
                picks.append(pool.index(int(pos)))
            per_need.append(picks)
        pool_arr = np.array(pool, dtype=np.int64)
        rows = cand.rows[pool_arr] if len(pool) else np.empty(0, np.int64)
        stack_rows = cand.stack_rows
        inp = StackInput(
            priorities=[n.priority for n in p.needs],
            weights=np.array([n.weight for n in p.needs]),
            covers=cand.covers[pool_arr] if len(pool) else np.zeros((0, n_needs), bool),
            fit=need_fit[pool_arr] if len(pool) else np.zeros((0, n_needs)),
            cost=cost[pool_arr] if len(pool) else np.empty(0),
            pair_links=self.arrays.links(rows, rows),
            stack_links=self.arrays.links(rows, stack_rows).sum(axis=1),
            already_covered=cand.stack_covers,
            budget=budget, strict=p.budget_mode == "strict", candidates_per_need=per_need,
        )
        result = best_stack(inp)
        ids = self.arrays.ids
        chosen_rows = [int(rows[i]) for i in result.chosen]
        total = float(np.nansum(inp.cost[result.chosen])) if result.chosen else 0.0
        open_needs = result.covered | cand.stack_covers
        covered = [n.id for n, c in zip(p.needs, result.covered, strict=True) if c]
        uncovered = [n.id for n, c in zip(p.needs, open_needs, strict=True) if not c]
        notes: list[str] = []
        need_matrix = self.arrays.need_matrix(p) if cand.stack_covers.any() else None
        for j in np.flatnonzero(cand.stack_covers & ~result.covered):
            owners = [short_name(self.catalog.tools[r].name) for r in stack_rows
                      if need_matrix[r, j]]
            notes.append(f"{p.needs[j].id} is already covered by your current stack "
                         f"({', '.join(owners)})")
        if result.unknown_cost:
            notes.append("the stack includes a tool without a public price: its cost is not "
                         "counted in the total")
        missing_musts = [j for j, n in enumerate(p.needs)
                         if n.priority == "must" and not open_needs[j]]
        if missing_musts:
            names = ", ".join(p.needs[j].id for j in missing_musts)
            no_tool = [p.needs[j].id for j in missing_musts if not per_need[j]]
            if no_tool:
                notes.append(f"no tool that meets your constraints covers the must-have "
                             f"need(s) {', '.join(no_tool)}")
            musts = [j for j, n in enumerate(p.needs)
                     if n.priority == "must" and per_need[j] and not cand.stack_covers[j]]
            full = cheapest_cover(inp, musts) if musts and len(no_tool) < len(missing_musts) \
                else None
            if full is not None and budget is not None:
                tools = ", ".join(str(ids[rows[i]]) for i in full[1])
                notes.append(f"the must-have need(s) {names} cannot all be covered within the "
                             f"budget of {budget:,.0f} EUR/month; the cheapest full cover costs "
                             f"{full[0]:,.0f} EUR/month ({tools})")
        stack = Stack(
            tools=[str(ids[r]) for r in chosen_rows], monthly_cost_eur=round(total, 2),
            covers=covered, uncovered=uncovered,
            within_budget=budget is None or total <= budget + 1e-9,
        )
        return stack, notes

    # ------------------------------------------------------------------ batch

    def score_batch(self, profiles: Iterable[Profile | dict | str | Path], chunk: int = 200
                    ) -> list[tuple[list[str], np.ndarray]]:
        """Model scores of every feasible candidate of many profiles.

        For bulk re-scoring of a client base. Features are built per profile (vectorized over
        its candidates) and scored a chunk of profiles at a time; the booster scores one chunk
        in a worker thread (LightGBM releases the GIL) while the next chunk's features are
        built. Returns (tool ids, scores) per profile, in input order.
        """
        def features(batch: list) -> tuple[list[np.ndarray], np.ndarray]:
            loaded, cands = [], []
            for profile in batch:
                p = load_profile(profile, self.catalog)
                cand = find_candidates(p, self.arrays)
                loaded.append(p)
                cands.append(cand.subset(feasible_mask(p, self.arrays, cand)))
            return [c.rows for c in cands], build_features_batch(loaded, self.arrays, cands)

        def score(X: np.ndarray) -> np.ndarray:
            if self.model is None:
                return self._rules.predict(X)
            return self.model.booster.predict(X, num_threads=min(2, os.cpu_count() or 1))

        items = list(profiles)
        chunks = [items[k:k + chunk] for k in range(0, len(items), chunk)]
        out: list[tuple[list[str], np.ndarray]] = []
        with ThreadPoolExecutor(max_workers=1) as scorer:
            pending = None
            for batch in chunks:
                rows, X = features(batch)
                if pending is not None:
                    out += _split(*pending[0], pending[1].result(), self.arrays)
                pending = ((rows, X), scorer.submit(score, X))
            if pending is not None:
                out += _split(*pending[0], pending[1].result(), self.arrays)
        return out

    def suggest_many(self, profiles: Iterable[Profile | dict | str | Path], top: int = 10,
                     needs: Iterable[str] | None = None, workers: int = 2,
                     shortlist_details: int = 0) -> Iterator[Suggestions | CinweError]:
        """``suggest`` over many profiles in parallel threads, results in input order.

        A profile that fails yields its error instead of stopping the batch.
        """
        need_list = list(needs) if needs else None

        def one(profile: Any) -> Suggestions | CinweError:
            if isinstance(profile, CinweError):
                return profile
            try:
                return self.suggest(profile, top=top, needs=need_list,
                                    shortlist_details=shortlist_details)
            except CinweError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            yield from pool.map(one, profiles)

    # ------------------------------------------------------------------ explain

    def explain(self, profile: Profile | dict | str | Path, tool: str,
                needs: Iterable[str] | None = None) -> Explanation:
        """Why ``tool`` (an id or a name) ranks where it does for this profile, or why not."""
        p = self._profile(profile, needs)
        tool_id = self.catalog.resolve(tool)
        if tool_id is None:
            from .errors import UnknownToolError

            raise UnknownToolError(self.catalog.unknown_message(tool))
        entry = self.catalog.get(tool_id)
        if tool_id in p.current_stack:
            return Explanation(tool_id, entry.name, "in-stack",
                               f"{entry.name} is already in your current stack, so it is not "
                               "suggested again")
        s = self._score(p)
        cand = s.cand
        positions = np.flatnonzero(cand.rows == self.catalog.index[tool_id])
        if not len(positions):
            cats = ", ".join(entry.categories)
            return Explanation(tool_id, entry.name, "not-candidate",
                               f"not a candidate: covers none of the needs "
                               f"({', '.join(p.need_keys)}); it covers the categories {cats}")
        pos = int(positions[0])
        contrib_matrix = self._contributions(s.X[[pos]])
        contrib = None if contrib_matrix is None else contrib_matrix[0]
        ctx = tool_context(p, self.arrays, int(cand.rows[pos]), s.X[pos], cand.covers[pos])
        reasons, warns = reasons_and_warnings(ctx, contrib)
        contributions = []
        for i, name in enumerate(FEATURE_NAMES):
            value = float(s.X[pos, i])
            push = float(contrib[i]) if contrib is not None else 0.0
            contributions.append(Contribution(name, value, round(push, 4),
                                              describe(name, value)))
        if contrib is not None:
            contributions.sort(key=lambda c: -abs(c.contribution))
        fit = int(round(float(np.clip(s.fit[pos], 0, 100))))
        score = round(float(s.raw[pos]), 4)
        if s.blocked[pos] is not None:
            return Explanation(tool_id, entry.name, "excluded",
                               f"excluded: {s.blocked[pos]}", None, len(s.order), score, fit,
                               contributions, reasons, warns)
        rank = int(np.flatnonzero(s.order == pos)[0]) + 1
        return Explanation(tool_id, entry.name, "ranked",
                           f"ranked {rank} of {len(s.order)} candidates (score {score}, "
                           f"fit {fit}/100)", rank, len(s.order), score, fit, contributions,
                           reasons, warns)
