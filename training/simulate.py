"""Simulated training data for cinwe-reco: SME profiles and graded judgments.

SIMULATED DATA. Nothing here was observed: a seeded simulator samples a population of French
SME client profiles and grades every feasible candidate tool with a documented *expert utility*.
The population and the utility are described in ``training/README.md``; this module is the
authority. Regenerate with::

    python training/simulate.py --profiles 3000 --seed 20261201

which rewrites ``training/data/simulated/profiles.jsonl`` and ``judgments.csv``.

Population (per profile):
  * size class: solo 28%, 1-9 employees 42%, 10-49 20%, 50-249 10%. Real French firms are about
    96% micro-enterprises (INSEE); larger SMEs are over-sampled so the model sees enough of them.
  * sector from a weighted mix; business model tied to the sector; digital maturity and tech
    skill tied to size and sector (software and agencies higher, trades and food lower).
  * budget: a log-normal around a median by size class (25, 80, 400, 1,500 EUR/month) scaled
    by maturity; some zero budgets (associations, solo founders). Contacts tied to size and B2C.
  * goals from sector-weighted goal mixes; 1 to 6 needs drawn from the goals' capabilities
    (15% phrased as a whole category), the first one a must-have.
  * a current stack of 0-3 tools, sometimes overlapping a need; EU hosting, open source,
    language, strict budget and exclusions drawn with sector-dependent rates.

Expert utility (per profile x feasible candidate), built from the same features the model sees
plus two things no single feature shows:
  * a per-tool latent quality q ~ N(0, 0.45), fixed by a hash of the tool id (product quality,
    support, reputation that the catalog's facts do not capture);
  * pair noise e ~ N(0, 0.35) (two facilitators do not grade alike).
  u = 2.2 level + 1.6 new_coverage + 0.6 need_coverage + 0.6 [all must-haves covered]
      (level: 1 if it serves a must-have need, 2/3 a should-have, 1/3 a nice-to-have)
      - budget_penalty(cost / budget)   (0 up to half the budget, steep beyond the budget)
      + 0.4 free plan fits (small budgets) + 0.9 size_fit
      - language mismatch (1.5 for low-maturity teams, 0.7 otherwise; 0.3 even when 'any')
      +/- EU hosting and open source when preferred
      - 0.5 skill_gap (x1.3 when maturity <= 2) - 0.35 maturity_gap
      + 0.45 min(stack integrations, 2) - 0.4 redundancy - 1.2 specialist overlap
      - 0.6 main category already in stack
      + 0.6 / -0.5 sector fit, + 0.7 goal fit, - suite overload for tiny low-maturity firms
      + 0.15 log(1 + ecosystem) + q + e
  Grades: u < 1.7 -> 0, < 2.9 -> 1, < 3.8 -> 2, else 3.

Unknown facts: imported catalog entries leave facts unknown, and the model must not read a
missing value as a zero. For 15% of the judged pairs the simulator hides some fact groups
(price, size, languages, hosting, licence, ease, sectors; see cinwe_reco.features.FACT_GROUPS)
and records them in the ``unknown_facts`` column; the training loader makes those features
missing. A facilitator cannot call a tool ideal on unverified facts: a pair with two or more
hidden groups loses one grade.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cinwe_reco.candidates import CatalogArrays, find_candidates  # noqa: E402
from cinwe_reco.catalog import Catalog, load_catalog  # noqa: E402
from cinwe_reco.constraints import feasible_mask  # noqa: E402
from cinwe_reco.features import FEATURE_INDEX, build_features  # noqa: E402
from cinwe_reco.files import atomic_write_text  # noqa: E402
from cinwe_reco.profile import Profile, profile_from_dict  # noqa: E402

DEFAULT_SEED = 20261201
GRADE_THRESHOLDS = (1.7, 2.9, 3.8)
HIDDEN_SHARE = 0.15
HIDE_PROBABILITY = {"price": 0.5, "size": 0.8, "languages": 0.8, "hosting": 0.8,
                    "licence": 0.5, "ease": 0.8, "sectors": 0.8}

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


def tool_quality(tool_id: str, seed: int) -> float:
    """The latent quality of a tool: stable for a tool id and seed, N(0, 0.45)."""
    digest = hashlib.sha256(f"{seed}:{tool_id}".encode()).digest()
    return float(np.random.default_rng(int.from_bytes(digest[:8], "little")).normal(0, 0.45))


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

    n_stack = int(np.clip(rng.poisson(0.4 + 0.4 * maturity), 0, 3))
    weights = (arrays.degree + 1.0) * (arrays.ease >= 3)
    stack = list(rng.choice(arrays.ids, size=n_stack, replace=False, p=weights / weights.sum())) \
        if n_stack else []
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
    if contacts is not None:
        doc["contacts"] = contacts
    return doc


def expert_utility(profile: Profile, arrays: CatalogArrays, rows: np.ndarray, X: np.ndarray,
                   quality: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The simulator's utility of each candidate (see the module docstring)."""
    f = {name: X[:, i] for name, i in FEATURE_INDEX.items()}
    must = np.nan_to_num(f["must_frac"], nan=0.0)
    has_must = any(n.priority == "must" for n in profile.needs)
    # A facilitator shortlists per need: a tool is first judged by the most important open
    # need it serves well (must 1, should 2/3, nice 1/3), then by how much more it covers.
    level = np.where(f["must_covered"] > 0, 1.0, np.where(
        f["should_covered"] > 0, 2 / 3, np.where(f["nice_covered"] > 0, 1 / 3, 0.0)))
    u = (2.2 * level + 1.6 * f["new_coverage"] + 0.6 * f["need_coverage"]
         + 0.6 * ((must >= 1) & has_must))
    ratio = f["cost_budget_ratio"]
    small_budget = (profile.budget_eur_month or 0) < 100
    penalty = np.where(ratio <= 0.5, 0.0, np.where(ratio <= 1.0, 1.2 * (ratio - 0.5),
                                                   0.6 + 2.5 * (ratio - 1.0)))
    penalty = np.minimum(np.nan_to_num(penalty, nan=0.6 + 0.6 * small_budget), 4.0)
    u -= penalty
    u += 0.4 * f["free_plan_fits"] * small_budget
    u += 0.9 * f["size_fit"]
    lang_cols = [arrays.lang_index[x] for x in profile.languages if x in arrays.lang_index]
    match = arrays.langs[rows][:, lang_cols].any(axis=1) if lang_cols else np.zeros(len(rows), bool)
    if profile.language == "any":
        u -= 0.3 * ~match
    else:
        u -= (1.5 if profile.digital_maturity <= 2 else 0.7) * ~match
    if profile.eu_hosting == "preferred":
        u += np.where(f["eu_fit"] > 0, 0.3, -0.7)
    if profile.open_source == "preferred":
        u += np.where(f["oss_fit"] > 0, 0.5, -0.2)
    u -= 0.5 * f["skill_gap"] * (1.3 if profile.digital_maturity <= 2 else 0.7)
    u -= 0.35 * f["maturity_gap"]
    u += 0.45 * np.minimum(f["stack_integrations"], 2)
    # duplicating a specialist the client already runs is bad; adding a dedicated tool for a
    # need a generalist covers on the side (forms in a site builder) is often what they want
    u -= 0.4 * f["redundancy"] + 1.2 * f["specialist_overlap"] + 0.6 * f["primary_in_stack"]
    u += np.where(f["sector_fit"] > 0, 0.6, np.where(f["sector_fit"] < 0, -0.5, 0.0))
    u += 0.7 * np.nan_to_num(f["goal_fit"], nan=0.0)
    if profile.employees < 10 and profile.digital_maturity <= 2:
        u -= 0.06 * np.maximum(0.0, f["breadth"] - 8)
    u += 0.15 * np.log1p(f["ecosystem"])
    return u + quality + rng.normal(0.0, 0.35, size=len(u))


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


def simulate(n_profiles: int, seed: int, catalog: Catalog | None = None
             ) -> tuple[list[dict], list[tuple[str, str, int, str]]]:
    """(profiles with ids, judgments (profile_id, tool_id, grade, unknown facts)), fully
    determined by the seed."""
    catalog = catalog or load_catalog()
    arrays = CatalogArrays(catalog)
    rng = np.random.default_rng(seed)
    hide_rng = np.random.default_rng(seed + 1)  # its own stream: the grades do not move
    quality = np.array([tool_quality(t, seed) for t in arrays.ids])
    profiles: list[dict] = []
    judgments: list[tuple[str, str, int]] = []
    number = 0
    while len(profiles) < n_profiles:
        number += 1
        doc = sample_profile(rng, catalog, arrays, number)
        profile = profile_from_dict(doc, catalog, f"simulated profile {number}")
        cand = find_candidates(profile, arrays)
        cand = cand.subset(feasible_mask(profile, arrays, cand))
        if len(cand) < 3:
            continue
        X = build_features(profile, arrays, cand)
        grades = grade(expert_utility(profile, arrays, cand.rows, X, quality[cand.rows], rng))
        grades, hidden = hide(hide_rng, grades)
        pid = f"sim-{number:05d}"
        profiles.append({"id": pid, "profile": doc})
        judgments += [(pid, str(arrays.ids[r]), int(g), h)
                      for r, g, h in zip(cand.rows, grades, hidden, strict=True)]
    return profiles, judgments


def write(profiles: list[dict], judgments: list[tuple[str, str, int, str]], out: Path) -> None:
    """Write profiles.jsonl and judgments.csv atomically into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n" for p in profiles)
    atomic_write_text(out / "profiles.jsonl", lines, force=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["profile_id", "tool_id", "grade", "source", "unknown_facts"])
    w.writerows((p, t, g, "simulated", h) for p, t, g, h in judgments)
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
    grades = np.bincount([j[2] for j in judgments], minlength=4)
    print(f"wrote {len(profiles):,} simulated profiles and {len(judgments):,} judgments to "
          f"{args.out} (grades 0-3: {', '.join(f'{g:,}' for g in grades)})")


if __name__ == "__main__":
    main()
