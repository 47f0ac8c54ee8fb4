"""Coverage report of a catalog: where it is thin, so a curator knows what to add next."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .lookup import Catalog


def catalog_stats(catalog: Catalog) -> dict[str, Any]:
    """Entries per category and capability (with their core/solid/basic counts), the share of
    entries with contact tiers, a presence figure and a French interface, and vendor countries."""
    tools = catalog.tools
    n = len(tools) or 1
    per_category = Counter(c for t in tools for c in t.categories)
    strengths: dict[str, Counter] = {c: Counter() for c in catalog.taxonomy.capabilities}
    for t in tools:
        for cap, s in zip(t.capabilities, t.strengths or (None,) * len(t.capabilities),
                          strict=True):
            strengths[cap][s or "unknown"] += 1
    return {
        "entries": len(tools),
        "reviewed": sum(t.status == "reviewed" for t in tools),
        "imported": sum(t.status == "imported" for t in tools),
        "categories": {c: per_category[c] for c in catalog.taxonomy.categories},
        "capabilities": {c: {"tools": sum(v.values()), **{k: v[k] for k in
                                                          ("core", "solid", "basic", "unknown")}}
                         for c, v in strengths.items()},
        "share_with_tiers": round(sum(bool(t.contact_tiers) for t in tools) / n, 4),
        "share_with_presence": round(sum(t.presence is not None for t in tools) / n, 4),
        "share_french_interface": round(sum("fr" in (t.ui_languages or ()) for t in tools) / n,
                                        4),
        "share_with_price": round(sum(t.entry_eur_month is not None for t in tools) / n, 4),
        "vendor_countries": dict(Counter(t.vendor_country or "unknown" for t in tools)
                                 .most_common()),
    }


def stats_text(stats: dict[str, Any], thin: int = 3) -> str:
    """The report for a terminal; capabilities with fewer than ``thin`` tools or no core tool
    are flagged."""
    lines = [f"{stats['entries']:,} entries ({stats['reviewed']:,} reviewed, "
             f"{stats['imported']:,} imported)",
             f"contact tiers {stats['share_with_tiers']:.0%}, presence "
             f"{stats['share_with_presence']:.0%}, French interface "
             f"{stats['share_french_interface']:.0%}, public price "
             f"{stats['share_with_price']:.0%} of entries", "", "entries per category:"]
    for cat, count in sorted(stats["categories"].items(), key=lambda kv: kv[1]):
        lines.append(f"  {cat:<28} {count:>5}")
    lines += ["", f"capabilities (tools: core/solid/basic/unknown; ! fewer than {thin} tools or "
                  "no core tool):"]
    for cap, c in sorted(stats["capabilities"].items(), key=lambda kv: kv[1]["tools"]):
        flag = "!" if c["tools"] < thin or c["core"] == 0 else " "
        lines.append(f"{flag} {cap:<28} {c['tools']:>5}: {c['core']}/{c['solid']}/{c['basic']}/"
                     f"{c['unknown']}")
    lines += ["", "vendor countries: " + ", ".join(
        f"{k} {v}" for k, v in stats["vendor_countries"].items())]
    return "\n".join(lines)
