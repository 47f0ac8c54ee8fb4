"""Every catalog product covering one need, with its catalog facts, sorted by id: what a blind
judge of the open judgments (``expert/train/judgments-open-*.csv``) works from. Catalog facts
only: no engine, no model, no score, no rank. Usage::

    python training/list_for_judges.py NEED_ID

A capability lists the products that have it (with their strength for it); a category lists
the products filed under it (with their best strength among the category's capabilities).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

CATALOG = Path(__file__).resolve().parent.parent / "catalog"
RANK = {"core": 3, "solid": 2, "basic": 1}


def strength(entry: dict, wanted: set[str]) -> str | None:
    """The entry's best strength among the wanted capabilities."""
    best = None
    for cap, value in (entry.get("capabilities") or {}).items():
        if cap in wanted:
            s = value.get("strength") if isinstance(value, dict) else value
            if best is None or RANK.get(s, 0) > RANK.get(best, 0):
                best = s
    return best


def describe(e: dict, best: str) -> str:
    """One line of facts."""
    p = e.get("pricing") or {}
    price = p.get("entry_eur_month")
    price = ("quote only" if p.get("quote_only") else "price unknown") if price is None \
        else f"entry {price}EUR" + ("/user" if p.get("per_user") else "")
    tiers = ",".join(f"{t['contacts']}:{t['eur_month']}" for t in p.get("contact_tiers") or [])
    market = e.get("market") or {}
    return " | ".join(str(x) for x in [
        e["id"], e.get("name"), best, price,
        "free plan" if p.get("free_plan") else "no free plan", f"tiers {tiers}" if tiers else "",
        "lang " + ",".join(e.get("ui_languages") or []),
        "EU-hosting" if e.get("eu_hosting") else "no-EU-hosting",
        "open-source" if e.get("open_source") else "", f"presence {market.get('presence', '?')}",
        f"ease {e.get('ease_of_use', '?')}", "platforms " + ",".join(e.get("platforms") or []),
        "requires " + ",".join(e.get("requires") or []), e.get("vendor_country", ""),
        (e.get("description") or "")[:140]])


def main(need: str) -> None:
    tax = yaml.safe_load((CATALOG / "taxonomy.yaml").read_text(encoding="utf-8"))
    caps, cats = tax["capabilities"], tax["categories"]
    if need in caps:
        wanted, category = {need}, None
    elif need in cats:
        wanted = {c for c, v in caps.items() if need in (v.get("home") or v.get("categories"))}
        category = need
    else:
        raise SystemExit(f"unknown need '{need}'")
    rows = []
    for path in sorted((CATALOG / "products").glob("*.yaml")):
        e = yaml.safe_load(path.read_text(encoding="utf-8"))
        best = strength(e, wanted)
        if category is not None:
            if category not in (e.get("categories") or []):
                continue
            best = best or "?"
        if best is not None:
            rows.append(describe(e, best))
    print(f"{len(rows)} products cover '{need}' (sorted by id; the order means nothing)")
    print("\n".join(rows))


if __name__ == "__main__":
    main(sys.argv[1])
