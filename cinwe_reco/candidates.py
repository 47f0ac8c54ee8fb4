"""The catalog as arrays, and the candidate tools of a profile.

``CatalogArrays`` is built once per catalog (capability and category bitsets, prices, languages,
the integration graph) so that every later step works on whole numpy arrays. A *candidate* is a
tool that covers at least one need of the profile (a capability, or any capability of a whole
category) and is not already in the client's current stack.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .catalog import Catalog
from .profile import Profile

STATIC_COLUMNS = ("entry", "free_plan", "per_user", "free_max_contacts", "free_max_users",
                  "min_employees", "max_employees", "eu_fact", "oss_fact", "self_hostable",
                  "ease", "breadth", "degree", "generalist", "primary_cat", "popularity",
                  "languages_known", "presence")
STRENGTH_VALUE = {"basic": 1.0, "solid": 2.0, "core": 3.0}
STATIC = {name: i for i, name in enumerate(STATIC_COLUMNS)}


class CatalogArrays:
    """Column arrays of a catalog, one row per tool in ``catalog.tools`` order."""

    def __init__(self, catalog: Catalog) -> None:
        tax = catalog.taxonomy
        tools = catalog.tools
        n = len(tools)
        self.catalog = catalog
        self.ids = np.array([t.id for t in tools], dtype=object)
        self.cap_ids = list(tax.capabilities)
        self.cat_ids = list(tax.categories)
        self.sector_ids = list(tax.sectors)
        self.goal_ids = list(tax.goals)
        self.cap_index = {c: i for i, c in enumerate(self.cap_ids)}
        self.cat_index = {c: i for i, c in enumerate(self.cat_ids)}
        self.sector_index = {s: i for i, s in enumerate(self.sector_ids)}
        self.goal_index = {g: i for i, g in enumerate(self.goal_ids)}
        languages = sorted({lang for t in tools for lang in t.ui_languages or ()})
        self.lang_index = {lang: i for i, lang in enumerate(languages)}

        self.caps = _bitset(n, len(self.cap_ids), ((i, self.cap_index[c])
                                                   for i, t in enumerate(tools)
                                                   for c in t.capabilities))
        self.cats = _bitset(n, len(self.cat_ids), ((i, self.cat_index[c])
                                                   for i, t in enumerate(tools)
                                                   for c in t.categories))
        self.primary_cat = np.array([self.cat_index[t.categories[0]] for t in tools],
                                    dtype=np.int64)
        self.langs = _bitset(n, max(len(languages), 1), ((i, self.lang_index[lang])
                                                          for i, t in enumerate(tools)
                                                          for lang in t.ui_languages or ()))
        self.sectors = _bitset(n, len(self.sector_ids), ((i, self.sector_index[s])
                                                         for i, t in enumerate(tools)
                                                         for s in t.sectors or ()))
        # capabilities then categories side by side: a profile's needs are one column pick
        self.coverage = np.hstack([self.caps, self.cats])
        self.need_column = {("capability", c): i for i, c in enumerate(self.cap_ids)}
        self.need_column.update({("category", c): len(self.cap_ids) + i
                                 for i, c in enumerate(self.cat_ids)})
        self.generalist = np.where([t.sectors is None for t in tools], np.nan,
                                   ~self.sectors.any(axis=1))

        def column(get, dtype=np.float64):
            return np.array([get(t) for t in tools], dtype=dtype)

        def fact(name):  # a number or flag, NaN where an imported entry leaves it unknown
            return column(lambda t: np.nan if getattr(t, name) is None else getattr(t, name))

        self.entry = fact("entry_eur_month")
        self.free_plan = fact("free_plan")
        self.per_user = fact("per_user")
        self.quote_only = column(lambda t: t.quote_only, bool)
        self.free_max_contacts = fact("free_max_contacts")
        self.free_max_users = fact("free_max_users")
        self.min_employees = fact("min_employees")
        self.max_employees = fact("max_employees")
        self.eu_fact = fact("eu_hosting")
        self.oss_fact = fact("open_source")
        self.self_hostable = fact("self_hostable")
        self.ease = fact("ease_of_use")
        # for hard constraints only a known "yes" passes
        self.eu_hosting = self.eu_fact == 1.0
        self.open_source = self.oss_fact == 1.0
        self.languages_known = column(lambda t: t.ui_languages is not None, bool)
        self.sectors_known = column(lambda t: t.sectors is not None, bool)
        self.reviewed = column(lambda t: t.status == "reviewed", bool)
        self.popularity = column(lambda t: np.nan if t.popularity is None else t.popularity)
        self.breadth = self.caps.sum(axis=1).astype(np.float64)
        self.presence = fact("presence")

        # Strength of each tool for each capability: 3 core, 2 solid, 1 basic, 0 absent, NaN
        # when the tool has it but the strength is unknown (imported entries).
        self.cap_strength = np.zeros((n, len(self.cap_ids)))
        self.cap_plan = np.full((n, len(self.cap_ids)), np.nan)
        home = np.zeros((len(self.cap_ids), len(self.cat_ids)), dtype=bool)
        for c, cap in enumerate(self.cap_ids):
            home[c, [self.cat_index[h] for h in tax.home_of(cap)]] = True
        self.cap_home = home
        main = np.zeros((n, len(self.cat_ids)), dtype=bool)
        for i, t in enumerate(tools):
            for cap, strength, plan in zip(t.capabilities, t.strengths or (None,) * len(
                    t.capabilities), t.plan_prices or (None,) * len(t.capabilities),
                    strict=True):
                c = self.cap_index[cap]
                self.cap_strength[i, c] = np.nan if strength is None else STRENGTH_VALUE[strength]
                if plan is not None:
                    self.cap_plan[i, c] = plan
            cores = [self.cap_index[c] for c in t.core_capabilities]
            if cores:  # main categories: the tool's categories its core capabilities live in
                main[i] = home[cores].any(axis=0) & self.cats[i]
            if not main[i].any():  # strengths unknown: the first listed category
                main[i, self.cat_index[t.categories[0]]] = True
        self.main_cats = main
        # A category need's strength: the best strength among the tool's capabilities whose
        # home is that category (a CRM's core contact management makes it core for "crm"); a
        # tool listed in the category without such a capability counts as basic there.
        cat_strength = np.zeros((n, len(self.cat_ids)))
        with np.errstate(invalid="ignore"):
            for k in range(len(self.cat_ids)):
                members = home[:, k]
                values = self.cap_strength[:, members]
                best = np.nanmax(np.where(values > 0, values, -1.0), axis=1, initial=-1.0)
                unknown = np.isnan(values).any(axis=1) & (best < 0)
                best = np.where(best > 0, best, np.where(unknown, np.nan, 1.0))
                cat_strength[:, k] = np.where(self.cats[:, k], best, 0.0)
        self.need_strength = np.hstack([self.cap_strength, cat_strength])
        self.need_plan = np.hstack([self.cap_plan, np.full((n, len(self.cat_ids)), np.nan)])
        # the home categories of each need column (capability: its home; category: itself)
        self.need_home_cats = np.vstack([home, np.eye(len(self.cat_ids), dtype=bool)])

        # Contact tiers, padded: price of the cheapest plan for up to tier_contacts contacts.
        width = max((len(t.contact_tiers) for t in tools), default=0)
        self.tier_contacts = np.full((n, max(width, 1)), np.inf)
        self.tier_price = np.full((n, max(width, 1)), np.nan)
        self.has_tiers = np.zeros(n, dtype=bool)
        for i, t in enumerate(tools):
            for k, (contacts, price) in enumerate(t.contact_tiers):
                self.tier_contacts[i, k] = contacts
                self.tier_price[i, k] = price
            self.has_tiers[i] = bool(t.contact_tiers)
        # the largest tier: a client beyond it has no published price
        self.tier_max = np.where(self.has_tiers, np.nanmax(np.where(
            np.isinf(self.tier_contacts), np.nan, self.tier_contacts), axis=1, initial=0), np.nan)

        # Platforms (ecosystems a tool is built for) and requirements (products it runs
        # inside only), as sparse row lists.
        self.platform_rows = [np.array([catalog.index[x] for x in t.platforms
                                        if x in catalog.index], dtype=np.int64) for t in tools]
        self.has_platforms = np.array([len(r) > 0 for r in self.platform_rows])
        self.is_platform = np.zeros(n, dtype=bool)
        for r in self.platform_rows:
            self.is_platform[r] = True
        # tools x platforms (the few catalog rows some tool is built for): one AND per profile
        self.platform_ids = np.flatnonzero(self.is_platform)
        column = {int(r): k for k, r in enumerate(self.platform_ids)}
        self.platform_matrix = _bitset(n, max(len(self.platform_ids), 1), (
            (i, column[int(r)]) for i, rows in enumerate(self.platform_rows) for r in rows))
        self.require_rows = [np.array([catalog.index[x] for x in t.requires
                                       if x in catalog.index], dtype=np.int64) for t in tools]
        self.has_requires = np.array([len(r) > 0 for r in self.require_rows])

        # Integrations count in either direction: a connector listed on one side works both ways.
        edges = [(i, catalog.index[o]) for i, t in enumerate(tools) for o in t.integrations
                 if o in catalog.index]
        # Kept sparse (CSR): a dense tools x tools matrix would be 100 MB for 10,000 tools.
        pairs = {(a, b) for a, b in edges if a != b} | {(b, a) for a, b in edges if a != b}
        src = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
        self._link_ptr = np.searchsorted(src[:, 0], np.arange(n + 1)) if len(src) else \
            np.zeros(n + 1, dtype=np.int64)
        self._link_dst = src[:, 1] if len(src) else np.empty(0, dtype=np.int64)
        self.degree = np.diff(self._link_ptr).astype(np.float64)

        # The per-tool numbers features read, as one (columns x tools) matrix: one gather per
        # profile instead of one per fact.
        self.static = np.vstack([getattr(self, name).astype(np.float64)
                                 for name in STATIC_COLUMNS])

        goal_caps = _bitset(len(self.goal_ids), len(self.cap_ids), (
            (gi, self.cap_index[c]) for gi, g in enumerate(self.goal_ids)
            for c in tax.goals[g].related if c in self.cap_index))
        # tool x goal: the tool has at least one capability that serves the goal
        self.serves_goal = (self.caps.astype(np.int32) @ goal_caps.T.astype(np.int32)) > 0
        # the same facts as bit masks, so a profile's test is one AND per tool
        self.goal_bits = _bits(self.serves_goal)
        # the goals each need column serves (a category: through any of its capabilities)
        cap_goal_bits = _bits(goal_caps.T)
        cat_members = np.array([[cat in tax.capabilities[c].related for c in self.cap_ids]
                                for cat in self.cat_ids], dtype=bool)
        cat_goal_bits = np.array([np.bitwise_or.reduce(cap_goal_bits[m]) if m.any()
                                  else np.uint64(0) for m in cat_members], dtype=np.uint64)
        self.need_goals = np.concatenate([cap_goal_bits, cat_goal_bits])
        self.lang_bits = _bits(self.langs)

    def neighbours(self, row: int) -> np.ndarray:
        """Rows of the tools ``row`` integrates with (either side lists the integration)."""
        return self._link_dst[self._link_ptr[row]:self._link_ptr[row + 1]]

    def link_counts(self, targets: np.ndarray) -> np.ndarray:
        """(tools,) how many of ``targets`` each tool integrates with."""
        if not len(targets):
            return np.zeros(len(self.ids))
        hits = np.concatenate([self.neighbours(int(t)) for t in targets])
        return np.bincount(hits, minlength=len(self.ids)).astype(np.float64)

    def bit_mask(self, index: dict[str, int], ids: Iterable[str]) -> int:
        """The bit mask of ``ids`` in a language or goal index (unknown ids are skipped)."""
        return sum(1 << index[i] for i in set(ids) if i in index)

    def links(self, rows: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """(rows x targets) bool: tool integrates with target."""
        out = np.zeros((len(rows), len(targets)), dtype=bool)
        if not len(rows) or not len(targets):
            return out
        position = np.full(len(self.ids), -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        for j, t in enumerate(targets):  # few targets: a stack or a stack-search pool
            hit = position[self.neighbours(int(t))]
            out[hit[hit >= 0], j] = True
        return out

    def rows(self, ids: list[str] | tuple[str, ...]) -> np.ndarray:
        """Row numbers of tool ids (ids not in this catalog are skipped)."""
        index = self.catalog.index
        return np.array([index[i] for i in ids if i in index], dtype=np.int64)

    def need_columns(self, profile: Profile) -> list[int]:
        """The coverage column of each need of the profile."""
        return [self.need_column[(n.kind, n.id)] for n in profile.needs]

    def need_matrix(self, profile: Profile) -> np.ndarray:
        """(tools x needs) bool: tool covers the need (a capability, or a category it is in)."""
        return self.coverage[:, self.need_columns(profile)]

    def need_goal_bits(self, profile: Profile) -> np.ndarray:
        """(needs,) uint64: the goals each need of the profile serves, as bit masks."""
        return self.need_goals[self.need_columns(profile)]


def _bits(matrix: np.ndarray) -> np.ndarray:
    """Rows of a bool matrix (at most 64 columns) as uint64 bit masks."""
    if matrix.shape[1] > 64:
        raise ValueError("more than 64 columns do not fit a bit mask")
    weights = np.left_shift(np.uint64(1), np.arange(matrix.shape[1], dtype=np.uint64))
    return (matrix.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)


def popcount(values: np.ndarray) -> np.ndarray:
    """Number of set bits of each uint64."""
    v = values.astype(np.uint64)
    if not len(v) or int(v.max()) < 256:  # the taxonomy's 8 goals: one table look-up
        return _POP8[v.astype(np.int64)] if len(v) else np.zeros(0)
    count = np.zeros(v.shape, dtype=np.float64)
    for shift in range(0, 64, 8):
        count += _POP8[(v >> np.uint64(shift)) & np.uint64(0xFF)]
    return count


_POP8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.float64)


def _bitset(n_rows: int, n_cols: int, pairs) -> np.ndarray:
    out = np.zeros((n_rows, n_cols), dtype=bool)
    pairs = list(pairs)
    if pairs:
        rows, cols = zip(*pairs, strict=True)
        out[list(rows), list(cols)] = True
    return out


@dataclass(frozen=True)
class Candidates:
    """The candidate tools of one profile and which needs each covers."""

    rows: np.ndarray  # row numbers into CatalogArrays, catalog order
    covers: np.ndarray  # (candidates x needs) bool
    stack_rows: np.ndarray  # rows of the current stack
    stack_covers: np.ndarray  # (needs,) bool: already covered by the current stack

    def __len__(self) -> int:
        return len(self.rows)

    def subset(self, keep: np.ndarray) -> Candidates:
        """The candidates where ``keep`` is true (same profile, same stack)."""
        if keep.all():
            return self
        return Candidates(self.rows[keep], self.covers[keep], self.stack_rows, self.stack_covers)


_NO_ROWS = np.empty(0, dtype=np.int64)


def effective_stack(profile: Profile) -> tuple[str, ...]:
    """The current stack less the tools the profile excludes: excluding a tool you run means
    replacing it, so the needs it covered are open again."""
    if not profile.exclude:
        return profile.current_stack
    return tuple(t for t in profile.current_stack if t not in set(profile.exclude))


def find_candidates(profile: Profile, arrays: CatalogArrays) -> Candidates:
    """Tools covering at least one need, minus the current stack, minus tools that run only
    inside a product the client does not use (a WordPress plugin without WordPress)."""
    cols = arrays.need_columns(profile)
    need = arrays.coverage[:, cols]
    stack = effective_stack(profile)
    stack_rows = arrays.rows(stack) if stack else _NO_ROWS
    mask = need.any(axis=1)
    if profile.current_stack:
        mask[arrays.rows(profile.current_stack)] = False
    needs_host = np.flatnonzero(mask & arrays.has_requires)
    for row in needs_host:  # few tools are plugins
        if not np.isin(arrays.require_rows[row], stack_rows).any():
            mask[row] = False
    rows = np.flatnonzero(mask)
    if len(stack_rows):
        # a need counts as covered by the stack when a stack tool does it at least as a full
        # module: Shopify's basic email module leaves email campaigns open
        strength = arrays.need_strength[np.ix_(stack_rows, cols)]
        stack_covers = (need[stack_rows] & ~(strength < 2)).any(axis=0)
    else:
        stack_covers = np.zeros(len(cols), dtype=bool)
    return Candidates(rows, need[rows], stack_rows, stack_covers)
