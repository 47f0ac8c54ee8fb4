"""The tools an expert judge grades for one (profile, need) of the training set.

The pool is what the engine shows plus what it might miss: the model's top 8 for the need, the
rule-based scorer's top 8, and 2 tools drawn at random among the feasible candidates for which
the need is a ``core`` capability. The judge sees the pool in a random order, without scores or
ranks, with the catalog facts that matter for the client (price at its size, languages,
hosting, strength for the need, presence, platforms), so the grades cover what the engine shows
without being anchored on its order. Usage::

    python training/pool_for_judges.py PROFILE.yaml NEED [--model models/default] [--seed 1]

prints one line per tool. The frozen test set (``expert/test``) is never pooled this way: its
judges never see the engine's output.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cinwe_reco.baselines import RuleBasedScorer  # noqa: E402
from cinwe_reco.features import FEATURE_INDEX  # noqa: E402
from cinwe_reco.recommender import Recommender  # noqa: E402
from cinwe_reco.scoring import prepare, score  # noqa: E402
from cinwe_reco.shortlists import build_shortlists  # noqa: E402

MODEL_TOP, RULES_TOP, RANDOM_CORE = 8, 8, 2
STRENGTH = {3.0: "core", 2.0: "solid", 1.0: "basic"}


def pool(rec: Recommender, profile_path: str, need_id: str, seed: int) -> list[str]:
    """Lines describing each pooled tool, in a random order fixed by the seed and the pair."""
    p = rec.profile(profile_path)
    if need_id not in p.need_keys:
        raise SystemExit(f"{profile_path}: the profile has no need '{need_id}' "
                         f"(its needs: {', '.join(p.need_keys)})")
    prep = prepare(p, rec.arrays)
    j = p.need_keys.index(need_id)
    chosen: list[int] = []
    for scorer, n in ((rec.scorer, MODEL_TOP), (RuleBasedScorer(), RULES_TOP)):
        lists = build_shortlists(score(prep, scorer))
        chosen += [int(i) for i in lists.orders[j][:n]]
    digest = hashlib.sha256(f"{seed}:{Path(profile_path).stem}:{need_id}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    sel = np.flatnonzero((prep.pairs.need == j) & prep.pair_ok)
    strength = prep.X[sel, FEATURE_INDEX["need_strength"]]
    core = [int(prep.pairs.position[i]) for i, s in zip(sel, strength, strict=True)
            if s == 3.0 and int(prep.pairs.position[i]) not in chosen]
    if core:
        chosen += [int(x) for x in rng.choice(core, size=min(RANDOM_CORE, len(core)),
                                              replace=False)]
    chosen = list(dict.fromkeys(chosen))
    rng.shuffle(chosen)
    lines = []
    for pos in chosen:
        row = int(prep.cand.rows[pos])
        tool = rec.catalog.tools[row]
        x = prep.X[int(np.flatnonzero((prep.pairs.position == pos) & (prep.pairs.need == j))[0])]
        cost = x[FEATURE_INDEX["monthly_cost_eur"]]
        lines.append(
            f"{tool.id} | {tool.name} | {STRENGTH.get(x[FEATURE_INDEX['need_strength']], '?')} "
            f"for {need_id} | ~{'?' if np.isnan(cost) else f'{cost:,.0f}'} EUR/month at this "
            f"size | UI {','.join(tool.ui_languages or ['?'])} | EU hosting "
            f"{tool.eu_hosting} | presence {tool.presence or '?'}/5 | ease "
            f"{tool.ease_of_use or '?'}/5 | platforms {','.join(tool.platforms) or '-'} | "
            f"{tool.description or ''}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile")
    parser.add_argument("need")
    parser.add_argument("--model", default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rec = Recommender.load(model=args.model)
    print("\n".join(pool(rec, args.profile, args.need, args.seed)))


if __name__ == "__main__":
    main()
