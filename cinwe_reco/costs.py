"""What a tool costs this client each month, for a need, at the client's size.

The estimate follows SPEC section 4: the first contact tier that covers the client's contacts
(or the entry price), times the users for per-user prices, raised to the plan that has the needed
capability (``plan_eur_month``); zero when the free plan fits the users, the contacts and the
need. An unknown price stays unknown (NaN), never zero: a client beyond the largest published
tier, a quote-only product or an imported entry without prices.
"""

from __future__ import annotations

import numpy as np

from .candidates import STATIC, CatalogArrays


def pair_costs(arrays: CatalogArrays, rows: np.ndarray, need_cols: np.ndarray,
               users: np.ndarray, contacts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(monthly cost in EUR, free plan fits) per (tool row, need column) pair.

    ``need_cols`` may hold -1 for "no particular need" (the entry plan is enough); ``users``
    and ``contacts`` are per pair (NaN contacts: unknown, so a stated limit is assumed to fit
    and the first tier is used).
    """
    S = arrays.static[:, rows]
    plan = np.where(need_cols >= 0, arrays.need_plan[rows, np.maximum(need_cols, 0)], np.nan)
    upgrade = ~np.isnan(plan)
    max_contacts, max_users = S[STATIC["free_max_contacts"]], S[STATIC["free_max_users"]]
    with np.errstate(invalid="ignore"):
        contacts_ok = np.isnan(max_contacts) | np.isnan(contacts) | (contacts <= max_contacts)
        users_ok = np.isnan(max_users) | (users <= max_users)
    free_fits = (S[STATIC["free_plan"]] > 0) & contacts_ok & users_ok & ~upgrade

    base = S[STATIC["entry"]].copy()
    tiered = arrays.has_tiers[rows]
    if tiered.any():
        t_rows = rows[tiered]
        wanted = np.nan_to_num(contacts[tiered], nan=0.0)
        fits = arrays.tier_contacts[t_rows] >= wanted[:, None]
        first = np.argmax(fits, axis=1)
        price = arrays.tier_price[t_rows, first]
        base[tiered] = np.where(fits.any(axis=1), price, np.nan)  # beyond the largest tier
    per_user = S[STATIC["per_user"]]
    # an unknown per-user flag (imported entries) makes the cost unknown unless free fits
    seats = np.where(per_user > 0, users, np.where(np.isnan(per_user), np.nan, 1.0))
    paid = base * seats
    plan_cost = plan * seats
    paid = np.where(upgrade, np.fmax(paid, plan_cost), paid)
    return np.where(free_fits, 0.0, paid), free_fits


def cheapest_costs(arrays: CatalogArrays, rows: np.ndarray, covers: np.ndarray,
                   need_cols: list[int], users: float, contacts: float) -> np.ndarray:
    """The cheapest monthly cost per tool for one profile: its cost for the cheapest of the
    needs it covers (NaN when none of them has a known price)."""
    n, m = covers.shape
    if not n or not m:
        return np.full(n, np.nan)
    r = np.repeat(rows, m)
    cols = np.tile(np.asarray(need_cols, dtype=np.int64), n)
    cost, _ = pair_costs(arrays, r, cols, np.full(n * m, float(users)),
                         np.full(n * m, float(contacts)))
    cost = cost.reshape(n, m)
    cheapest = np.where(covers & ~np.isnan(cost), cost, np.inf).min(axis=1)
    return np.where(np.isinf(cheapest), np.nan, cheapest)


def full_costs(pair_cost: np.ndarray, position: np.ndarray, n: int) -> np.ndarray:
    """Each of ``n`` candidates' cost for the plan that serves every need it covers: the
    dearest of its per-need costs (one per (need, candidate) pair at ``position``); NaN when
    any of them is unknown or it covers none."""
    full = np.full(n, -np.inf)
    np.maximum.at(full, position, np.nan_to_num(pair_cost, nan=0.0))
    unknown = np.zeros(n, dtype=bool)
    np.logical_or.at(unknown, position, np.isnan(pair_cost))
    return np.where(unknown | np.isinf(full), np.nan, full)
