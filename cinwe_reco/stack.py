"""The recommended stack: one coherent set of tools covering the needs within the budget.

An exact branch-and-bound search over the best candidates of each need. Needs are taken in
priority order (must, then should, then nice). The objective is lexicographic: first the
must-have needs covered, then the should-haves, then the nice-to-haves; then the model's fit of
the chosen tools weighted by the needs they serve, plus a bonus for integrations among the chosen
tools and with the current stack, minus a small cost term. A need already covered by a chosen tool
is never given a second tool, and a need the current stack already covers is given none. The
budget is a hard limit (``strict``) or may be exceeded by up to 20% at a penalty (``flexible``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .candidates import Candidates, CatalogArrays
from .i18n import Items, text
from .profile import Profile
from .results import Stack
from .shortlists import Shortlists

COVER_VALUE = {"must": 1_000_000.0, "should": 1_000.0, "nice": 1.0}
FLEX_OVERRUN = 0.20
OVERRUN_PENALTY = 2_000.0  # per budget's worth over: 20% over costs less than half a should-need
PAIR_BONUS = 0.3
STACK_LINK_BONUS = 0.15
TOOL_PENALTY = 1.0
COST_PENALTY = 0.2


@dataclass(frozen=True)
class StackInput:
    """What the search needs, as arrays over a pool of candidate tools."""

    priorities: list[str]  # per need
    weights: np.ndarray  # per need: 3/2/1
    covers: np.ndarray  # (pool x needs) bool
    fit: np.ndarray  # (pool x needs) 0..1: each tool's fit for each need it covers
    cost: np.ndarray  # (pool,) EUR/month, NaN unknown
    pair_links: np.ndarray  # (pool x pool) bool: tools integrate with each other
    stack_links: np.ndarray  # (pool,) integrations with the current stack
    already_covered: np.ndarray  # (needs,) covered by the current stack
    budget: float | None
    strict: bool
    candidates_per_need: list[list[int]]  # pool indices, best first


@dataclass
class StackResult:
    """Chosen pool indices, their cost and what they cover."""

    chosen: list[int]
    cost: float
    covered: np.ndarray
    value: float
    unknown_cost: bool = False
    notes: list[str] = field(default_factory=list)


def budget_limit(inp: StackInput) -> float:
    if inp.budget is None:
        return math.inf
    return inp.budget if inp.strict else inp.budget * (1.0 + FLEX_OVERRUN)


class _Objective:
    """The objective over plain Python lists and bit masks: the search evaluates it at every
    leaf, where numpy's per-call overhead on arrays of a few items would dominate."""

    def __init__(self, inp: StackInput) -> None:
        self.n_needs = len(inp.weights)
        self.masks = [sum(1 << j for j in range(self.n_needs) if inp.covers[t, j])
                      for t in range(len(inp.fit))]
        self.cover_value = [COVER_VALUE[p] for p in inp.priorities]
        self.weights = [float(w) for w in inp.weights]
        self.fit = np.asarray(inp.fit, dtype=float).reshape(len(inp.fit), self.n_needs).tolist()
        self.pairs = np.asarray(inp.pair_links, dtype=bool).tolist()
        self.links = [STACK_LINK_BONUS * min(float(x), 3.0) - TOOL_PENALTY
                      for x in inp.stack_links]
        self.already = sum(1 << j for j in range(self.n_needs) if inp.already_covered[j])
        self.budget = inp.budget

    def value(self, chosen: list[int], cost: float) -> tuple[float, int]:
        """(objective, mask of covered needs) of a set of pool indices."""
        covered = 0
        for t in chosen:
            covered |= self.masks[t]
        value = 0.0
        for j in range(self.n_needs):
            if covered >> j & 1:
                value += self.cover_value[j]
                if not self.already >> j & 1:
                    value += max(self.fit[t][j] for t in chosen
                                 if self.masks[t] >> j & 1) * self.weights[j]
        for i, a in enumerate(chosen):
            value += self.links[a]
            for b in chosen[i + 1:]:
                if self.pairs[a][b]:
                    value += PAIR_BONUS
        budget = self.budget
        if budget is not None and budget > 0:
            value -= COST_PENALTY * cost / budget
            value -= OVERRUN_PENALTY * max(0.0, cost - budget) / budget
        elif budget == 0 and cost > 0:
            value -= OVERRUN_PENALTY
        return value, covered

    def covered_array(self, covered: int) -> np.ndarray:
        return np.array([bool(covered >> j & 1) for j in range(self.n_needs)], dtype=bool)


def stack_value(inp: StackInput, chosen: list[int], cost: float) -> tuple[float, np.ndarray]:
    """The objective of one set of pool indices (for checks; the search uses _Objective)."""
    objective = _Objective(inp)
    value, covered = objective.value(chosen, cost)
    return value, objective.covered_array(covered)


def _has_redundant_tool(chosen: list[int], masks: list[int], stack_mask: int) -> bool:
    for t in chosen:
        others = stack_mask
        for u in chosen:
            if u != t:
                others |= masks[u]
        if masks[t] & ~others == 0:
            return True
    return False


def best_stack(inp: StackInput) -> StackResult:
    """The exact optimum of the objective above (branch and bound over needs).

    Needs already covered by the current stack are not given a tool. The bound is admissible:
    every need still reachable by a pool tool counted as covered at its best fit, and every
    integration bonus the remaining tools could add.
    """
    n_needs = len(inp.weights)
    limit = budget_limit(inp)
    cost_of = np.nan_to_num(inp.cost, nan=0.0).tolist()
    n_pool = len(inp.fit)
    objective = _Objective(inp)
    masks = objective.masks
    open_needs = [j for j in range(n_needs) if not inp.already_covered[j]]
    order = sorted(open_needs, key=lambda j: -COVER_VALUE[inp.priorities[j]])
    # best possible value of covering need j: its cover value plus the best fit among pool tools
    best_fit = [max((inp.fit[t, j] for t in range(n_pool) if masks[t] >> j & 1), default=0.0)
                for j in range(n_needs)]
    need_value = [COVER_VALUE[inp.priorities[j]] + best_fit[j] * inp.weights[j]
                  for j in range(n_needs)]
    # later_mask[k]: needs some tool of the pools of needs order[k:] covers
    later_mask = [0] * (len(order) + 1)
    for k in range(len(order) - 1, -1, -1):
        here = 0
        for t in inp.candidates_per_need[order[k]]:
            here |= masks[t]
        later_mask[k] = later_mask[k + 1] | here
    # the most a tool not yet chosen can add through its own links (the tool penalty included)
    new_tool_links = max(0.0, STACK_LINK_BONUS * 3 - TOOL_PENALTY)
    # needs_after[k]: the needs order[k:] (each may bring one more tool)
    needs_after = [0] * (len(order) + 1)
    for k in range(len(order) - 1, -1, -1):
        needs_after[k] = needs_after[k + 1] | 1 << order[k]
    reach_value: dict[int, float] = {}
    best = StackResult([], 0.0, np.zeros(n_needs, bool), -math.inf)

    def bound(covered: int, n_chosen: int, k: int, links: float) -> float:
        reachable = covered | later_mask[k]
        value = reach_value.get(reachable)
        if value is None:
            value = reach_value[reachable] = sum(
                need_value[j] for j in range(n_needs) if reachable >> j & 1)
        extra = (needs_after[k] & ~covered).bit_count()  # at most one new tool per open need
        pairs = extra * n_chosen + extra * (extra - 1) / 2
        return value + links + PAIR_BONUS * pairs + new_tool_links * extra

    def search(k: int, chosen: list[int], covered: int, cost: float, links: float) -> None:
        # links: the exact link and pair bonuses (less the tool penalty) of the chosen tools
        nonlocal best
        if k == len(order):
            if _has_redundant_tool(chosen, masks, objective.already):
                return  # a tool whose needs the others already serve: two tools for one need
            value, cov = objective.value(chosen, cost)
            if value > best.value + 1e-12:
                best = StackResult(list(chosen), cost, objective.covered_array(cov), value)
            return
        need = order[k]
        if covered >> need & 1:
            # already served: never a second tool for it
            search(k + 1, chosen, covered, cost, links)
            return
        if bound(covered, len(chosen), k, links) <= best.value:
            return
        for t in inp.candidates_per_need[need]:
            new_cost = cost + cost_of[t]
            if t not in chosen and new_cost <= limit + 1e-9:
                added = objective.links[t] + PAIR_BONUS * sum(
                    1 for u in chosen if objective.pairs[u][t])
                # the child's bound, checked here: most children are leaves
                if bound(covered | masks[t], len(chosen) + 1, k + 1,
                         links + added) <= best.value:
                    continue
                chosen.append(t)
                search(k + 1, chosen, covered | masks[t], new_cost, links + added)
                chosen.pop()
        if bound(covered, len(chosen), k + 1, links) > best.value:
            search(k + 1, chosen, covered, cost, links)  # leave it uncovered

    search(0, [], 0, 0.0, 0.0)
    best.unknown_cost = bool(np.isnan(inp.cost[best.chosen]).any()) if best.chosen else False
    return best


def cheapest_cover(inp: StackInput, needs: list[int]) -> tuple[float, list[int]] | None:
    """The lowest known monthly cost of covering all ``needs``, ignoring the budget."""
    cost_of = inp.cost
    best: tuple[float, list[int]] | None = None

    def search(k: int, chosen: list[int], cost: float) -> None:
        nonlocal best
        if best is not None and cost >= best[0]:
            return
        if k == len(needs):
            best = (cost, list(chosen))
            return
        need = needs[k]
        if any(inp.covers[t, need] for t in chosen):
            search(k + 1, chosen, cost)
            return
        for t in inp.candidates_per_need[need]:
            if not np.isnan(cost_of[t]) and t not in chosen:
                chosen.append(t)
                search(k + 1, chosen, cost + cost_of[t])
                chosen.pop()

    search(0, [], 0.0)
    return best


STACK_POOL = 6


def recommend_stack(profile: Profile, arrays: CatalogArrays, cand: Candidates,
                    lists: Shortlists, cost: np.ndarray) -> tuple[Stack, list[str]]:
    """The recommended stack of a profile and the notes that explain its gaps.

    The pool is the best ``STACK_POOL`` tools of each need's shortlist (those with a price
    when there is a budget); ``cost`` is each candidate's monthly cost for the needs it serves.
    """
    from .explain import short_name

    p = profile
    n_needs = len(p.needs)
    budget = p.budget_eur_month
    pool: list[int] = []
    per_need: list[list[int]] = []
    for ranked in lists.orders:
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
    served = lists.need_fit[pool_arr] > 0 if len(pool) else np.zeros((0, n_needs), bool)
    inp = StackInput(
        priorities=[n.priority for n in p.needs],
        weights=np.array([n.weight for n in p.needs]),
        covers=served,
        fit=lists.need_fit[pool_arr] if len(pool) else np.zeros((0, n_needs)),
        cost=cost[pool_arr] if len(pool) else np.empty(0),
        pair_links=arrays.links(rows, rows),
        stack_links=arrays.links(rows, stack_rows).sum(axis=1),
        already_covered=cand.stack_covers,
        budget=budget, strict=p.budget_mode == "strict", candidates_per_need=per_need,
    )
    result = best_stack(inp)
    ids = arrays.ids
    catalog = arrays.catalog
    chosen_rows = [int(rows[i]) for i in result.chosen]
    total = float(np.nansum(inp.cost[result.chosen])) if result.chosen else 0.0
    open_needs = result.covered | cand.stack_covers
    covered = [n.id for n, c in zip(p.needs, result.covered, strict=True) if c]
    uncovered = [n.id for n, c in zip(p.needs, open_needs, strict=True) if not c]
    notes: list[str] = []
    need_matrix = arrays.need_matrix(p) if cand.stack_covers.any() else None
    for j in np.flatnonzero(cand.stack_covers & ~result.covered):
        owners = [short_name(catalog.tools[r].name) for r in stack_rows if need_matrix[r, j]]
        notes.append(text("note.covered_by_stack", need=p.needs[j].id,
                          owners=Items(tuple(owners), sep_only=True)))
    if result.unknown_cost:
        notes.append(text("note.unknown_cost"))
    missing_musts = [j for j, n in enumerate(p.needs)
                     if n.priority == "must" and not open_needs[j]]
    if missing_musts:
        names = Items(tuple(p.needs[j].id for j in missing_musts), sep_only=True)
        no_tool = [p.needs[j].id for j in missing_musts if not per_need[j]]
        if no_tool:
            notes.append(text("note.no_tool_for_musts", needs=Items(tuple(no_tool),
                                                                    sep_only=True)))
        musts = [j for j, n in enumerate(p.needs)
                 if n.priority == "must" and per_need[j] and not cand.stack_covers[j]]
        full = cheapest_cover(inp, musts) if musts and len(no_tool) < len(missing_musts) \
            else None
        if full is not None and budget is not None:
            tools = tuple(str(ids[rows[i]]) for i in full[1])
            notes.append(text("note.cheapest_cover", needs=names, budget=budget, cost=full[0],
                              tools=Items(tools, sep_only=True)))
    stack = Stack(
        tools=[str(ids[r]) for r in chosen_rows], monthly_cost_eur=round(total, 2),
        covers=covered, uncovered=uncovered,
        within_budget=budget is None or total <= budget + 1e-9,
    )
    return stack, notes
