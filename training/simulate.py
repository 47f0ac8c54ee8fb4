"""Simulated training data for cinwe-reco: SME profiles and graded judgments per need.

SIMULATED DATA. Nothing here was observed: a seeded simulator samples a population of French
SME client profiles and grades, for each need of each profile, the feasible candidate tools with
a documented *facilitator utility* built on the catalog's v2 facts. Expert judgments are the
main labels; the simulator adds what experts cannot judge at scale (many profile shapes, hard
constraints, unknown facts of imported entries) and is trained on with a lower weight (0.1 a
pair against 3 for an expert judgment).
The population and the utility are described in ``training/README.md``; this module is the
authority. Regenerate with::

    python training/simulate.py --profiles 3000 --seed 20261204

which rewrites ``training/data/simulated/profiles.jsonl`` and ``judgments.csv``.

Population (per profile):
  * size class: solo 28%, 1-9 employees 42%, 10-49 20%, 50-249 10%. Real French firms are about
    96% micro-enterprises (INSEE); larger SMEs are over-sampled so the model sees enough of them.
  * sector from a weighted mix; business model tied to the sector; digital maturity and tech
    skill tied to size and sector (software and agencies higher, trades and food lower).
  * budget: a log-normal around a median by size class (25, 80, 400, 1,500 EUR/month) scaled
    by maturity; some zero budgets (associations, solo founders). Contacts tied to size and B2C.
  * goals from sector-weighted goal mixes; 1 to 6 needs drawn from the goals' capabilities
    (15% phrased as a whole category; 20% of profiles get one need drawn from the whole
    taxonomy), the first one a must-have.
  * a current stack of 0-3 tools drawn by market presence: B2C and e-commerce clients often
    run a platform (a shop or site builder) first; EU hosting, open source, language, strict
    budget and exclusions (sometimes of a stack tool, i.e. replacing it) with sector-dependent
    rates.

Facilitator utility, per (profile, need, feasible candidate), from the features the model sees:
  u = 1.7 s(need_strength) + 0.5 need_home + 0.3 (presence - 3)
      (s: core 1, solid 0.55, basic 0; an unknown strength 0.35)
      - budget_penalty(cost / budget)   (0 up to half the budget, steep beyond the budget)
      - 0.35 plan_upgrade + 0.35 free plan fits (small budgets) + 0.8 size_fit
      - language mismatch (1.4 for low-maturity teams, 0.6 otherwise; 0.25 even when 'any')
      +/- EU hosting and open source when preferred
      - 0.45 skill_gap (x1.3 when maturity <= 2) - 0.3 maturity_gap
      + 0.5 platform_fit + 0.3 min(stack integrations, 2) - 0.35 main category already in stack
      + 0.35 other_needs_fit (a tool that serves the client's other needs too)
      + 0.4 / -0.4 sector fit + noise e ~ N(0, 0.3) (two facilitators do not grade alike)
  Grades: u < 0.9 -> 0, < 1.7 -> 1, < 2.4 -> 2, else 3. Each group keeps the 12 best
  candidates and up to 8 others drawn at random, so lists of every quality are judged.

Unknown facts: imported catalog entries leave facts unknown, and the model must not read a
missing value as a zero. For 15% of the judged pairs the simulator hides some fact groups
(price, size, languages, hosting, licence, ease, sectors, strength, presence; see
cinwe_reco.features.FACT_GROUPS) and records them in the ``unknown_facts`` column; the training
loader makes those features missing. A facilitator cannot call a tool ideal on unverified
facts: a pair with two or more hidden groups loses one grade.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cinwe_reco.candidates import CatalogArrays  # noqa: E402
from cinwe_reco.catalog import Catalog, load_catalog  # noqa: E402
from cinwe_reco.features import FEATURE_INDEX  # noqa: E402
from cinwe_reco.files import atomic_write_text  # noqa: E402
from cinwe_reco.profile import Profile, profile_from_dict  # noqa: E402
from cinwe_reco.scoring import prepare_many  # noqa: E402

DEFAULT_SEED = 20261204
GRADE_THRESHOLDS = (0.9, 1.7, 2.4)
KEEP_BEST, KEEP_RANDOM = 12, 8
HIDDEN_SHARE = 0.15
HIDE_PROBABILITY = {"price": 0.5, "size": 0.8, "languages": 0.8, "hosting": 0.8,
                    "licence": 0.5, "ease": 0.8, "sectors": 0.8, "strength": 0.5,
                    "presence": 0.5}
STRENGTH_UTILITY = {3.0: 1.0, 2.0: 0.55, 1.0: 0.0}
PLATFORM_SECTORS = {"retail", "food-retail", "ecommerce", "beauty", "arts-culture", "tourism"}

SIZE_CLASSES = (("solo", 0.28), ("micro", 0.42), ("small", 0.20), ("medium", 0.10))
BUDGET_MEDIAN = {"solo": 25.0, "micro": 80.0, "small": 400.0, "medium": 1500.0}
SECTOR_WEIGHTS = {
    "retail": 10, "food-retail": 6, "restaurant-hospitality": 8, "ecommerce": 7,
    "professional-services": 8, "consulting": 6, "manufacturing": 6, "construction-trades": 10,
    "health-wellness": 7, "beauty": 5, "real-estate": 4, "tourism": 4, "education-training": 4,
    "nonprofit": 3, "software-tech": 4, "agency": 3, "finance-insurance": 2, "logistics": 2,
    "agriculture": 2, "arts-culture": 2, "automotive": 2,
}
B2C = {"retail", "food-retail", "restaurant-hospitality", "ecommerce", "beauty", "health-wellness",
       "tourism", "arts-culture", "automotive"}
B2B = {"manufacturing", "consulting", "professional-services", "software-tech", "agency",
       "logistics", "finance-insurance"}
MATURITY_BONUS = {"software-tech": 1.5, "agency": 1.2, "ecommerce": 1.0, "consulting": 0.4,
                  "construction-trades": -0.5, "food-retail": -0.4, "agriculture": -0.4}
GOAL_WEIGHTS = {
    "b2c": {"customer-retention": 4, "local-visibility": 4, "brand-awareness": 3,
            "online-sales": 3, "customer-service": 2, "lead-generation": 1, "productivity": 1,
            "data-insight": 1},
    "b2b": {"lead-generation": 5, "productivity": 3, "brand-awareness": 2, "data-insight": 2,
            "customer-retention": 2, "customer-service": 1, "local-visibility": 1,
            "online-sales": 1},
    "mixed": {"lead-generation": 3, "customer-retention": 3, "local-visibility": 2,
              "brand-awareness": 2, "productivity": 2, "online-sales": 2, "customer-service": 1,
              "data-insight": 1},
}
SENSITIVE = {"health-wellness", "finance-insurance", "nonprofit", "education-training"}


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[rng.choice(len(keys), p=p / p.sum())]


def sample_profile(rng: np.random.Generator, catalog: Catalog, arrays: CatalogArrays,
                   number: int) -> dict:
    """One simulated profile document (valid against cinwe-reco/profile@1)."""
    tax = catalog.taxonomy
    size = _pick(rng, dict(SIZE_CLASSES))
    employees = {
        "solo": 0,
        "micro": int(min(9, 1 + rng.geometric(0.3) - 1)),
        "small": int(round(np.exp(rng.uniform(np.log(10), np.log(49))))),
        "medium": int(round(np.exp(rng.uniform(np.log(50), np.log(249))))),
    }[size]
    sector = _pick(rng, SECTOR_WEIGHTS)
    if sector in B2C:
        model = _pick(rng, {"b2c": 0.75, "mixed": 0.25})
    elif sector in B2B:
        model = _pick(rng, {"b2b": 0.75, "mixed": 0.2, "b2c": 0.05})
    else:
        model = _pick(rng, {"mixed": 0.5, "b2c": 0.25, "b2b": 0.25})
    maturity = int(np.clip(round(1.6 + 0.45 * np.log2(employees + 1) * 0.6
                                 + MATURITY_BONUS.get(sector, 0) + rng.normal(0, 0.8)), 1, 5))
    skill = int(np.clip(round(maturity - 0.4 + (1 if sector == "software-tech" else 0)
                              + rng.normal(0, 0.9)), 1, 5))
    users = min(max(employees, 1), 5)
    if employees >= 20 and rng.random() < 0.5:
        users = int(max(2, round(employees * rng.uniform(0.05, 0.3))))
    median_contacts = (800 if model == "b2c" else 300 if model == "b2b" else 500) * (
        employees + 1) ** 0.6
    contacts = None if rng.random() < 0.15 else int(
        round(np.exp(rng.normal(np.log(median_contacts), 0.8)), -1))
    budget = BUDGET_MEDIAN[size] * (0.6 + 0.2 * maturity) * np.exp(rng.normal(0, 0.7))
    zero_budget = 0.25 if sector == "nonprofit" else 0.12 if size == "solo" else 0.04
    budget = 0.0 if rng.random() < zero_budget else float(max(5, round(budget / 5) * 5))
    languages = ["fr"]
    if rng.random() < 0.08 + 0.07 * (maturity - 1) + (0.25 if sector in (
            "tourism", "software-tech") else 0):
        languages.append("en")
    country = _pick(rng, {"FR": 0.9, "BE": 0.05, "CH": 0.03, "LU": 0.02})

    n_goals = int(rng.integers(1, 4))
    goal_w = dict(GOAL_WEIGHTS[model])
    goals: list[str] = []
    for _ in range(n_goals):
        g = _pick(rng, {k: v for k, v in goal_w.items() if k not in goals})
        goals.append(g)
    max_needs = {"solo": 3, "micro": 4, "small": 5, "medium": 6}[size]
    n_needs = int(rng.integers(1, max_needs + 1))
    needs: list[dict] = []
    used: set[str] = set()
    for i in range(n_needs * 3):
        if len(needs) >= n_needs:
            break
        goal = goals[int(rng.integers(len(goals)))]
        caps = [c for c in tax.goals[goal].related if c not in used]
        if not caps:
            continue
        cap = caps[int(rng.integers(len(caps)))]
        cats = tax.capabilities[cap].related
        if rng.random() < 0.15 and cats[0] not in used:
            need = {"category": cats[0]}
            used.add(cats[0])
        else:
            need = {"capability": cap}
        used.add(cap)
        need["priority"] = "must" if i == 0 else _pick(
            rng, {"must": 0.3, "should": 0.45, "nice": 0.25})
        needs.append(need)

    if rng.random() < 0.2:  # a need outside the goals' lists: the whole taxonomy gets seen
        served = arrays.caps.sum(axis=0) >= 3
        pool = [c for c, ok in zip(arrays.cap_ids, served, strict=True) if ok and c not in used]
        if pool:
            needs.append({"capability": pool[int(rng.integers(len(pool)))],
                          "priority": _pick(rng, {"must": 0.3, "should": 0.45, "nice": 0.25})})

    n_stack = int(np.clip(rng.poisson(0.4 + 0.4 * maturity), 0, 3))
    presence = np.nan_to_num(arrays.presence, nan=1.0)
    weights = presence ** 2 * (np.nan_to_num(arrays.ease, nan=3.0) >= 3)
    stack: list[str] = []
    if (sector in PLATFORM_SECTORS or model == "b2c") and rng.random() < 0.6:
        platforms = np.flatnonzero(arrays.is_platform & (presence >= 3))
        if len(platforms):
            stack.append(str(arrays.ids[platforms[int(rng.integers(len(platforms)))]]))
    if n_stack > len(stack):
        picks = rng.choice(arrays.ids, size=n_stack, replace=False, p=weights / weights.sum())
        stack += [str(t) for t in picks if str(t) not in stack][:n_stack - len(stack)]
    exclude: list[str] = []
    if stack and rng.random() < 0.05:
        exclude.append(stack[-1])  # the client wants to replace a tool it runs
    eu_p = 0.25 if sector in SENSITIVE else 0.06
    eu = _pick(rng, {"required": eu_p, "preferred": 0.3, "any": 0.7 - eu_p})
    oss = _pick(rng, {"required": 0.03, "preferred": 0.1, "any": 0.87})
    lang_required = 0.3 if maturity <= 2 else 0.1
    lang = _pick(rng, {"required": lang_required, "preferred": 0.8 - lang_required,
                       "any": 0.2 if "en" in languages else 0.1})
    doc = {
        "client": f"Simulated SME {number:05d}",
        "country": country,
        "languages": languages,
        "sector": sector,
        "business_model": model,
        "employees": employees,
        "users": users,
        "budget_eur_month": budget,
        "digital_maturity": maturity,
        "tech_skill": skill,
        "current_stack": [str(s) for s in stack],
        "needs": needs,
        "goals": goals,
        "constraints": {
            "budget": "strict" if rng.random() < 0.3 else "flexible",
            "eu_hosting": eu, "open_source": oss, "language": lang,
        },
    }
    if exclude:
        doc["constraints"]["exclude"] = exclude
    if contacts is not None:
        doc["contacts"] = contacts
    return doc


def facilitator_utility(profile: Profile, X: np.ndarray, rng: np.random.Generator
                        ) -> np.ndarray:
    """The simulator's utility of each (need, candidate) pair of one profile (see the module
    docstring)."""
    f = {name: X[:, i] for name, i in FEATURE_INDEX.items()}
    strength = np.array([STRENGTH_UTILITY.get(v, 0.35) for v in np.nan_to_num(
        f["need_strength"], nan=-1.0)])
    u = 1.7 * strength + 0.5 * f["need_home"] + 0.3 * (np.nan_to_num(f["presence"], nan=2.0)
                                                       - 3.0)
    ratio = f["cost_budget_ratio"]
    small_budget = (profile.budget_eur_month or 0) < 100
    penalty = np.where(ratio <= 0.5, 0.0, np.where(ratio <= 1.0, 1.2 * (ratio - 0.5),
                                                   0.6 + 2.5 * (ratio - 1.0)))
    u -= np.minimum(np.nan_to_num(penalty, nan=0.5 + 0.5 * small_budget), 4.0)
    u -= 0.35 * f["plan_upgrade"]
    u += 0.35 * np.nan_to_num(f["free_plan_fits"], nan=0.0) * small_budget
    u += 0.8 * np.nan_to_num(f["size_fit"], nan=-0.5)
    lang = np.nan_to_num(f["language_fit"], nan=0.0)
    if profile.language == "any":
        u -= 0.25 * (lang < 0)
    else:
        u -= (1.4 if profile.digital_maturity <= 2 else 0.6) * (lang < 0)
    if profile.eu_hosting == "preferred":
        u += np.where(f["eu_fit"] > 0, 0.3, -0.6)
    if profile.open_source == "preferred":
        u += np.where(f["oss_fit"] > 0, 0.5, -0.2)
    u -= 0.45 * np.nan_to_num(f["skill_gap"], nan=1.0) * (
        1.3 if profile.digital_maturity <= 2 else 0.7)
    u -= 0.3 * f["maturity_gap"]
    u += 0.5 * f["platform_fit"] + 0.3 * np.minimum(f["stack_integrations"], 2)
    u -= 0.35 * f["main_category_in_stack"]
    u += 0.35 * np.nan_to_num(f["other_needs_fit"], nan=0.0)
    sector = np.nan_to_num(f["sector_fit"], nan=0.0)
    u += np.where(sector > 0, 0.4, np.where(sector < 0, -0.4, 0.0))
    return u + rng.normal(0.0, 0.3, size=len(u))


def grade(utility: np.ndarray) -> np.ndarray:
    """Utility -> graded judgment 0..3."""
    return np.searchsorted(np.array(GRADE_THRESHOLDS), utility, side="right").astype(int)


def hide(rng: np.random.Generator, grades: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(grades after the unverified-facts penalty, hidden fact groups per pair as 'a;b')."""
    hidden = []
    out = grades.copy()
    for k in range(len(grades)):
        groups = []
        if rng.random() < HIDDEN_SHARE:
            groups = [g for g, p in HIDE_PROBABILITY.items() if rng.random() < p]
            if len(groups) >= 2:
                out[k] = max(0, out[k] - 1)
        hidden.append(";".join(groups))
    return out, hidden


def simulate(n_profiles: int, seed: int, catalog: Catalog | None = None, batch: int = 200
             ) -> tuple[list[dict], list[tuple[str, str, str, int, str]]]:
    """(profiles with ids, judgments (profile_id, need, tool_id, grade, unknown facts)), fully
    determined by the seed. Profiles go through the same scoring pipeline as ``suggest``."""
    catalog = catalog or load_catalog()
    arrays = CatalogArrays(catalog)
    rng = np.random.default_rng(seed)
    hide_rng = np.random.default_rng(seed + 1)  # its own stream: the grades do not move
    profiles: list[dict] = []
    judgments: list[tuple[str, str, str, int, str]] = []
    number = 0
    while len(profiles) < n_profiles:
        docs, loaded = [], []
        while len(docs) < min(batch, n_profiles - len(profiles)):
            number += 1
            doc = sample_profile(rng, catalog, arrays, number)
            docs.append((f"sim-{number:05d}", doc))
            loaded.append(profile_from_dict(doc, catalog, f"simulated profile {number}"))
        preps = prepare_many(loaded, arrays, reasons=False)
        for (pid, doc), prep in zip(docs, preps, strict=True):
            rows_of_profile = []
            u = facilitator_utility(prep.profile, prep.X, rng)
            for j, need in enumerate(prep.profile.needs):
                sel = np.flatnonzero((prep.pairs.need == j) & prep.pair_ok)
                if len(sel) < 3:
                    continue
                best = sel[np.argsort(-u[sel], kind="stable")]
                rest = best[KEEP_BEST:]
                extra = rng.choice(rest, size=min(KEEP_RANDOM, len(rest)), replace=False) \
                    if len(rest) else rest
                chosen = np.sort(np.concatenate([best[:KEEP_BEST], extra]))
                grades, hidden = hide(hide_rng, grade(u[chosen]))
                rows_of_profile += [(pid, need.id, str(arrays.ids[prep.pairs.rows[i]]), int(g), h)
                                    for i, g, h in zip(chosen, grades, hidden, strict=True)]
            if rows_of_profile and len(profiles) < n_profiles:
                profiles.append({"id": pid, "profile": doc})
                judgments += rows_of_profile
    return profiles, judgments


def write(profiles: list[dict], judgments: list[tuple[str, str, str, int, str]], out: Path
          ) -> None:
    """Write profiles.jsonl and judgments.csv atomically into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n" for p in profiles)
    atomic_write_text(out / "profiles.jsonl", lines, force=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["profile_id", "need", "tool_id", "grade", "source", "unknown_facts"])
    w.writerows((p, n, t, g, "simulated", h) for p, n, t, g, h in judgments)
    atomic_write_text(out / "judgments.csv", buf.getvalue(), force=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent / "data" / "simulated")
    args = parser.parse_args(argv)
    profiles, judgments = simulate(args.profiles, args.seed)
    write(profiles, judgments, args.out)
    grades = np.bincount([j[3] for j in judgments], minlength=4)
    print(f"wrote {len(profiles):,} simulated profiles and {len(judgments):,} judgments to "
          f"{args.out} (grades 0-3: {', '.join(f'{g:,}' for g in grades)})")


if __name__ == "__main__":
    main()
