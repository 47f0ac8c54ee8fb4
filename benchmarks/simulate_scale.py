"""Simulated training folders of a given size, for the training benchmark."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _simulator():
    sys.path.insert(0, str(ROOT))
    from training import simulate

    return simulate


def simulate_pairs(pairs: int, out: Path, seed: int = 99) -> int:
    """Write a simulated folder with at least ``pairs`` judged pairs; returns the count."""
    sim = _simulator()
    profiles, judgments = sim.simulate(max(10, pairs // 38), seed)
    while len(judgments) < pairs:
        more_p, more_j = sim.simulate(max(10, (pairs - len(judgments)) // 38 + 10),
                                      seed + len(profiles))
        rename = {p["id"]: f"{p['id']}-{len(profiles)}" for p in more_p}
        profiles += [{**p, "id": rename[p["id"]]} for p in more_p]
        judgments += [(rename[j[0]], *j[1:]) for j in more_j]
    sim.write(profiles, judgments, out)
    return len(judgments)
