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
                  "languages_known")
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

    def need_matrix(self, profile: Profile) -> np.ndarray:
        """(tools x needs) bool: tool covers the need (a capability, or a category it is in)."""
        return self.coverage[:, [self.need_column[(n.kind, n.id)] for n in profile.needs]]


    def need_home(self, profile: Profile) -> np.ndarray:
        """(needs x categories) bool: each need's home category, the kind of tool made for it
        (a capability's first category in the taxonomy, or the category a need names)."""
        tax = self.catalog.taxonomy
        out = np.zeros((len(profile.needs), len(self.cat_ids)), dtype=bool)
        for j, need in enumerate(profile.needs):
            home = tax.categories_of(need.id)[0] if need.kind == "capability" else need.id
            out[j, self.cat_index[home]] = True
        return out


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
    stack_specialist: np.ndarray  # (needs,) bool: covered by a stack tool made for it

    def __len__(self) -> int:
        return len(self.rows)

    def subset(self, keep: np.ndarray) -> Candidates:
        """The candidates where ``keep`` is true (same profile, same stack)."""
        if keep.all():
            return self
        return Candidates(self.rows[keep], self.covers[keep], self.stack_rows, self.stack_covers,
                          self.stack_specialist)


_NO_ROWS = np.empty(0, dtype=np.int64)


def find_candidates(profile: Profile, arrays: CatalogArrays) -> Candidates:
    """Tools covering at least one need, minus the current stack."""
    need = arrays.need_matrix(profile)
    stack_rows = arrays.rows(profile.current_stack) if profile.current_stack else _NO_ROWS
    mask = need.any(axis=1)
    if len(stack_rows):
        mask[stack_rows] = False
    rows = np.flatnonzero(mask)
    n_needs = need.shape[1]
    if len(stack_rows):
        stack_covers = need[stack_rows].any(axis=0)
        # a stack tool is a specialist for a need when its main category is the need's home
        # (a CRM for contact-management; not a website builder that has a form module)
        home = arrays.need_home(profile)  # (needs x categories)
        specialist = need[stack_rows] & home[:, arrays.primary_cat[stack_rows]].T
        stack_specialist = specialist.any(axis=0)
    else:
        stack_covers = stack_specialist = np.zeros(n_needs, dtype=bool)
    return Candidates(rows, need[rows], stack_rows, stack_covers, stack_specialist)
