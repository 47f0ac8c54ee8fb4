"""The engine other applications import: ``Recommender.load()``, ``suggest`` and ``explain``.

Data flow for one profile (each step its own module): profile -> candidates -> hard
constraints -> features per (need, tool) -> model scores (``scoring``) -> shortlists per need
(``shortlists``) -> recommended stack (``stack``) -> reasons (``explain``) -> output
(``results``, ``render``). This module only orchestrates. A Recommender holds only read-only
state (catalog arrays and model), so one instance serves many calls from several threads.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .baselines import RuleBasedScorer
from .candidates import CatalogArrays
from .catalog import Catalog, load_catalogs
from .costs import full_costs
from .errors import CinweError, ModelError, UnknownNeedError, UnknownToolError, did_you_mean
from .explain import describe, reasons_and_warnings, tool_context
from .features import FEATURE_INDEX, FEATURE_NAMES
from .i18n import Items, term, text
from .profile import Need, Profile, load_profile
from .resources import CATALOG_ENV, MODEL_ENV, catalog_layers_from_env, default_model_dir
from .results import Contribution, Excluded, Explanation, Suggestion, Suggestions
from .scoring import Prepared, Scored, Scorer, prepare, prepare_many, score, score_many
from .shortlists import Shortlists, build_shortlists
from .stack import recommend_stack

SHORTLIST = 10

__all__ = ["CATALOG_ENV", "MODEL_ENV", "Recommender"]


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
                layers: list[Path | str] = list(catalog_layers_from_env())
            else:
                layers = [catalog] if isinstance(catalog, str | Path) else list(catalog)
            cat = load_catalogs(layers)
        warnings: list[str] = list(cat.warnings)
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

    @property
    def scorer(self) -> Scorer:
        """The model, or the rule-based scorer when none could be loaded."""
        return self.model if self.model is not None else self._rules

    def profile(self, profile: Profile | dict | str | Path, needs: Iterable[str] | None = None
                ) -> Profile:
        """The validated profile, narrowed to ``needs`` when given (a need the profile lacks
        is added as a must-have)."""
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
                raise UnknownNeedError(f"unknown need '{need_id}'{did_you_mean(need_id, known)}")
        return replace(p, needs=tuple(dict.fromkeys(chosen)))

    def _contributions(self, X: np.ndarray) -> np.ndarray | None:
        if self.model is None or len(X) == 0:
            return None
        return self.model.contributions(X)

    @staticmethod
    def _costs(prep: Prepared) -> np.ndarray:
        """Each candidate's monthly cost for all the client's needs it serves, from the
        per-need costs its features already hold."""
        return full_costs(prep.X[:, FEATURE_INDEX["monthly_cost_eur"]], prep.pairs.position,
                          len(prep.cand.rows))

    # ------------------------------------------------------------------ suggest

    def suggest(self, profile: Profile | dict | str | Path, top: int = 10,
                needs: Iterable[str] | None = None, shortlist_details: int = 0) -> Suggestions:
        """Rank the catalog for a profile (a path, a dict or a Profile).

        Returns shortlists per need, the ``top`` best suggestions with reasons, the recommended
        stack and the tools a hard constraint excluded. ``shortlist_details`` also computes the
        fit, cost and reasons of the first N tools of every shortlist (for tables).
        """
        if top < 1:
            raise CinweError(f"expected a number of suggestions >= 1, got {top}")
        p = self.profile(profile, needs)
        return self._result(score(prepare(p, self.arrays), self.scorer), top,
                            shortlist_details)

    def _result(self, scored: Scored, top: int, shortlist_details: int) -> Suggestions:
        prep = scored.prep
        p, cand, arrays = prep.profile, prep.cand, self.arrays
        ids = arrays.ids[cand.rows]
        lists = build_shortlists(scored)
        cost = self._costs(prep)
        by_need: dict[str, list[str]] = {}
        shortlist_pairs: list[tuple[int, int]] = []
        for j, (need, ranked) in enumerate(zip(p.needs, lists.orders, strict=True)):
            by_need[need.id] = [str(ids[i]) for i in ranked[:SHORTLIST]]
            shortlist_pairs += [(int(i), j) for i in ranked[:shortlist_details]]
        top_pos = [int(i) for i in lists.top(top)]
        stack, notes = recommend_stack(p, arrays, cand, lists, cost)
        index_of = {str(t): i for i, t in enumerate(ids)}
        stack_pos = [index_of[t] for t in stack.tools]
        rank_of = {int(pos): r for r, pos in enumerate(lists.order, start=1)}

        # details (fit, cost, reasons): whole-client rows for the top list and the stack,
        # per-need rows for the heads of the shortlists (the reasons are about that need)
        wanted: list[tuple[int, int | None]] = [(pos, None) for pos in dict.fromkeys(
            top_pos + stack_pos)] + shortlist_pairs
        x_rows = [self._best_pair(lists, pos, need) for pos, need in wanted]
        contrib = self._contributions(prep.X[x_rows]) if x_rows else None
        details: dict[str, Suggestion] = {}
        need_details: dict[str, dict[str, Suggestion]] = {}
        for k, ((pos, need_j), x_row) in enumerate(zip(wanted, x_rows, strict=True)):
            need = p.needs[need_j] if need_j is not None else p.needs[
                int(prep.pairs.need[x_row])]
            ctx = tool_context(p, arrays, int(cand.rows[pos]), prep.X[x_row], cand.covers[pos],
                               need)
            reasons, warns = reasons_and_warnings(ctx, None if contrib is None else contrib[k])
            tool = ctx.tool
            if need_j is None:
                c = cost[pos]
                fit = 100.0 * lists.overall[pos]
            else:
                c = prep.X[x_row, FEATURE_INDEX["monthly_cost_eur"]]
                fit = 100.0 * lists.need_fit[pos, need_j]
            item = Suggestion(
                rank=rank_of.get(pos, 0), tool_id=tool.id, name=tool.name,
                score=round(float(lists.overall[pos] if need_j is None else
                                  scored.raw[x_row]), 4),
                fit=int(round(fit)), categories=list(tool.categories), covers=ctx.covers,
                monthly_cost_eur=None if np.isnan(c) else round(float(c), 2),
                reasons=reasons, warnings=warns)
            if need_j is None:
                details[tool.id] = item
            else:
                need_details.setdefault(need.id, {})[tool.id] = item
        suggestions = [details[str(ids[pos])] for pos in top_pos]
        excluded = self._excluded(scored, lists, top)
        fits = {need.id: {str(ids[i]): int(round(100 * lists.need_fit[i, j]))
                          for i in lists.orders[j][:max(SHORTLIST, shortlist_details)]}
                for j, need in enumerate(p.needs)}
        return Suggestions(p.client, self.model_info, suggestions, by_need, stack, excluded,
                           notes, list(self.warnings), p, details, fits, need_details)

    @staticmethod
    def _best_pair(lists: Shortlists, pos: int, need: int | None) -> int:
        """The feature row of a candidate for one need, or for its best-fitting need."""
        if need is not None:
            return int(lists.pair_row[pos, need])
        rows = lists.pair_row[pos]
        served = np.flatnonzero(rows >= 0)
        best = served[np.argmax(lists.need_fit[pos, served])]
        return int(rows[best])

    def _excluded(self, scored: Scored, lists: Shortlists, top: int) -> list[Excluded]:
        """Tools a hard constraint (or the current stack) keeps out, that would have ranked:
        among the ``top`` overall or the first five of a need's list had they been allowed."""
        prep = scored.prep
        p, cand = prep.profile, prep.cand
        ids = self.arrays.ids[cand.rows]
        out: list[Excluded] = []
        for tool_id in p.current_stack:
            if tool_id in p.exclude:
                continue
            tool = self.catalog.get(tool_id)
            if any(n.id in tool.capabilities or n.id in tool.categories for n in p.needs):
                out.append(Excluded(tool_id, text("excl.in_stack")))
        blocked = np.flatnonzero(~prep.feasible)
        if not len(blocked) or not len(scored.raw):
            return out
        # everyone's best per-need score, as if no constraint applied
        best = np.full(len(cand.rows), -np.inf)
        np.maximum.at(best, prep.pairs.position, scored.raw)
        everyone = np.lexsort((np.arange(len(best)), -best))
        rank_all = np.empty(len(best), dtype=np.int64)
        rank_all[everyone] = np.arange(len(best))
        would_rank = rank_all[blocked] < top
        pairs = prep.pairs
        for j in range(len(p.needs)):
            sel = np.flatnonzero(pairs.need == j)
            head = pairs.position[sel][np.argsort(-scored.raw[sel], kind="stable")][:5]
            would_rank |= np.isin(blocked, head)
        for pos in blocked[would_rank][np.argsort(rank_all[blocked[would_rank]])]:
            out.append(Excluded(str(ids[pos]), str(prep.blocked[pos])))
        return out

    # ------------------------------------------------------------------ batch

    def suggest_batch(self, profiles: list[Profile], top: int = 10,
                      shortlist_details: int = 0) -> list[Suggestions]:
        """``suggest`` for many validated profiles, their features built in one batch and
        scored in one model call (what the local and the Dask batch engines run)."""
        preps = prepare_many(profiles, self.arrays)
        return [self._result(s, top, shortlist_details) for s in score_many(preps, self.scorer)]

    def score_batch(self, profiles: Iterable[Profile | dict | str | Path], chunk: int = 200
                    ) -> list[tuple[list[str], np.ndarray]]:
        """Each profile's feasible candidates and their overall scores (best per-need fit
        weighted by priority), for bulk re-scoring of a client base; in input order."""
        items = [load_profile(x, self.catalog) for x in profiles]
        out: list[tuple[list[str], np.ndarray]] = []
        for k in range(0, len(items), chunk):
            preps = prepare_many(items[k:k + chunk], self.arrays, reasons=False)
            for s in score_many(preps, self.scorer):
                lists = build_shortlists(s)
                ids = self.arrays.ids[s.prep.cand.rows[lists.order]]
                out.append(([str(i) for i in ids], lists.overall[lists.order]))
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
        """Why ``tool`` (an id or a name) ranks where it does for this profile, or why not.

        The explanation is for the need where the tool does best (or the one given).
        """
        p = self.profile(profile, needs)
        tool_id = self.catalog.resolve(tool)
        if tool_id is None:
            raise UnknownToolError(self.catalog.unknown_message(tool))
        entry = self.catalog.get(tool_id)
        if tool_id in p.current_stack and tool_id not in p.exclude:
            return Explanation(tool_id, entry.name, "in-stack",
                               text("explain.in_stack", name=entry.name))
        scored = score(prepare(p, self.arrays), self.scorer)
        prep = scored.prep
        positions = np.flatnonzero(prep.cand.rows == self.catalog.index[tool_id])
        if not len(positions):
            if entry.requires and any(n.id in entry.capabilities or n.id in entry.categories
                                      for n in p.needs):
                return Explanation(tool_id, entry.name, "not-candidate",
                                   text("explain.not_candidate_requires",
                                        hosts=Items(entry.requires, sep_only=True)))
            return Explanation(tool_id, entry.name, "not-candidate",
                               text("explain.not_candidate_needs",
                                    needs=Items(p.need_keys, sep_only=True),
                                    cats=Items(entry.categories, sep_only=True)))
        pos = int(positions[0])
        lists = build_shortlists(scored)
        own = np.flatnonzero(prep.pairs.position == pos)
        x_row = int(own[np.argmax(scored.raw[own])])
        need_j = int(prep.pairs.need[x_row])
        need = p.needs[need_j]
        contrib_matrix = self._contributions(prep.X[[x_row]])
        contrib = None if contrib_matrix is None else contrib_matrix[0]
        ctx = tool_context(p, self.arrays, int(prep.cand.rows[pos]), prep.X[x_row],
                           prep.cand.covers[pos], need)
        reasons, warns = reasons_and_warnings(ctx, contrib)
        contributions = []
        for i, name in enumerate(FEATURE_NAMES):
            value = float(prep.X[x_row, i])
            push = float(contrib[i]) if contrib is not None else 0.0
            contributions.append(Contribution(name, value, round(push, 4),
                                              describe(name, value)))
        if contrib is not None:
            contributions.sort(key=lambda c: -abs(c.contribution))
        fit = int(round(float(scored.fit[x_row])))
        raw = round(float(scored.raw[x_row]), 4)
        if prep.blocked[pos] is not None or not prep.pair_ok[x_row]:
            why = prep.blocked[pos] or text("excl.over_strict_need")
            return Explanation(tool_id, entry.name, "excluded", text("explain.excluded", why=why),
                               None,
                               len(lists.orders[need_j]), raw, fit, contributions, reasons,
                               warns, need.id)
        order = lists.orders[need_j]
        rank = int(np.flatnonzero(order == pos)[0]) + 1
        return Explanation(tool_id, entry.name, "ranked",
                           text("explain.ranked", rank=rank, total=len(order),
                                need=term(self.catalog.taxonomy, need.id, lower=True),
                                score=raw, fit=fit),
                           rank, len(order), raw, fit, contributions, reasons, warns, need.id)
