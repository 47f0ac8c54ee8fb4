"""A synthetic 10,000-tool catalog for scale benchmarks only (never shipped as real data).

    python benchmarks/scale_catalog.py --tools 10000 --out /tmp/scale-catalog.json

Each synthetic tool copies the shape of a randomly drawn real entry (its categories and
capabilities, with some capabilities dropped or added from the same categories) and draws every
other field from the shipped catalog's empirical distributions: prices, free plans, size
ranges, languages, hosting, licences, ease of use, sectors and the number of integrations.
Ids are ``synthetic-NNNNN`` and every entry says it is synthetic in its description.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def generate(n_tools: int, seed: int = 0) -> list[dict]:
    """``n_tools`` synthetic entries in the catalog's own format."""
    from cinwe_reco.catalog import load_catalog

    real = [t.to_dict() for t in load_catalog()]
    catalog = load_catalog()
    tax = catalog.taxonomy
    rng = np.random.default_rng(seed)
    ids = [f"synthetic-{i:05d}" for i in range(n_tools)]
    degrees = np.array([len(e["integrations"]) for e in real])
    out = []
    for i, tool_id in enumerate(ids):
        shape = real[rng.integers(len(real))]
        pick = lambda field: real[rng.integers(len(real))][field]  # noqa: E731
        shape_caps = shape["capabilities"]  # v2: id -> {"strength": ...}
        caps = {c: v["strength"] for c, v in shape_caps.items()
                if v["strength"] == "core" or rng.random() > 0.15}
        for cat in shape["categories"]:  # every category keeps one of its capabilities
            own = [c for c in shape_caps if cat in tax.categories_of(c)]
            if own and not set(own) & set(caps):
                caps[own[0]] = shape_caps[own[0]]["strength"]
        pool = [c for cat in shape["categories"] for c in tax.capabilities_of_category(cat)]
        if pool and rng.random() < 0.3:
            caps.setdefault(pool[rng.integers(len(pool))], "basic")
        pricing = dict(pick("pricing"))
        for key in ("free_max_contacts", "free_max_users", "free_plan_limits"):
            if key in pricing and not pricing.get("free_plan"):
                pricing.pop(key)
        k = int(min(degrees[rng.integers(len(degrees))], 30))
        links = sorted({ids[j] for j in rng.integers(0, n_tools, k) if j != i})
        out.append({
            "id": tool_id,
            "name": f"Synthetic Tool {i:05d}",
            "vendor": f"Synthetic Vendor {i % 997:03d}",
            "website": f"https://synthetic-{i:05d}.example",
            "vendor_country": pick("vendor_country"),
            "description": f"Synthetic benchmark entry shaped like {shape['name']}; not a product.",
            "categories": shape["categories"],
            "capabilities": caps,
            "pricing": pricing,
            "company_size": pick("company_size"),
            "ui_languages": pick("ui_languages"),
            "eu_hosting": pick("eu_hosting"),
            "open_source": pick("open_source"),
            "self_hostable": pick("self_hostable"),
            "ease_of_use": pick("ease_of_use"),
            "integrations": links,
            "sectors": pick("sectors"),
            "source": "https://synthetic.example/benchmark",
            "reviewed": "2026-12-01",
            "market": {"presence": int(rng.integers(1, 6)), "evidence": "synthetic"},
        })
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("/tmp/cinwe-scale-catalog.json"))
    args = parser.parse_args()
    entries = generate(args.tools, args.seed)
    args.out.write_text(json.dumps({"entries": entries}))
    print(f"wrote {len(entries):,} synthetic entries to {args.out}")


if __name__ == "__main__":
    main()
