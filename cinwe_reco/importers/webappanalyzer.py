"""Import the Wappalyzer-format technology set (webappanalyzer) as a catalog layer.

Reads ``technologies/*.json`` and ``categories.json`` from a folder in that format. Only the
marketing-relevant categories are mapped (``CATEGORY_MAP``); a technology in none of them is
skipped and counted. Each imported entry is ``status: imported``, unreviewed, with its source and
licence. A technology that matches a catalog entry by name or by website domain is not
imported again: its source is added to that entry's record of sources (a patch).

Facts the data set does not give stay unknown (never guessed): vendor, vendor country, company
size, interface languages, EU hosting, ease of use, sectors, integrations. Pricing tags become:
``freemium`` -> a free plan; ``low``/``mid``/``high`` -> an estimated entry price (30, 300 and
1,500 EUR/month: Wappalyzer's tiers are under about 100, 100 to 1,000 and over 1,000 USD),
marked ``estimated``; ``poa`` alone -> price on request; ``payg`` -> usage-based (no entry
price). ``oss`` -> open source; ``saas`` without ``oss`` -> not self-hostable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalog import URL, Catalog
from ..errors import CinweError
from ..files import MAX_INPUT_BYTES, parse_json, read_text
from . import Merge, write_layer

SOURCE_NAME = "webappanalyzer"
SOURCE_URL = "https://github.com/enthec/webappanalyzer"
LICENCE = "GPL-3.0"

# webappanalyzer category id -> (our category, our capabilities)
CATEGORY_MAP: dict[int, tuple[str, tuple[str, ...]]] = {
    1: ("website-builder", ("website-builder",)),            # CMS
    6: ("ecommerce", ("online-store",)),                     # Ecommerce
    10: ("web-analytics", ("traffic-analytics",)),           # Analytics
    11: ("website-builder", ("blog",)),                      # Blogs
    14: ("video", ("video-hosting",)),                       # Video players
    32: ("marketing-automation", ("marketing-workflows",)),  # Marketing automation
    41: ("ecommerce", ("payments",)),                        # Payment processors
    51: ("landing-pages", ("landing-pages",)),               # Page builders
    52: ("live-chat", ("live-chat",)),                       # Live chat
    53: ("crm", ("contact-management",)),                    # CRM
    54: ("seo", ("on-page-seo",)),                           # SEO
    67: ("consent-management", ("cookie-consent",)),         # Cookie compliance
    71: ("loyalty", ("referral-program",)),                  # Affiliate programs
    72: ("scheduling", ("appointment-booking",)),            # Appointment scheduling
    73: ("forms-surveys", ("surveys",)),                     # Surveys
    74: ("ab-testing", ("ab-testing",)),                     # A/B Testing
    75: ("email-marketing", ("email-campaigns",)),           # Email
    76: ("ab-testing", ("personalization",)),                # Personalisation
    77: ("advertising", ("retargeting",)),                   # Retargeting
    84: ("loyalty", ("loyalty-program",)),                   # Loyalty & rewards
    86: ("customer-data-platform", ("audience-segmentation",)),  # Segmentation
    90: ("reviews", ("review-collection",)),                 # Reviews
    93: ("scheduling", ("appointment-booking",)),            # Reservations & delivery
    94: ("loyalty", ("referral-program",)),                  # Referral marketing
    97: ("customer-data-platform", ("customer-data-unification",)),  # Customer data platform
    98: ("ecommerce", ("abandoned-cart",)),                  # Cart abandonment
    103: ("video", ("video-hosting",)),                      # Livestreaming
    104: ("webinars-events", ("event-ticketing",)),          # Ticket booking
    108: ("ecommerce", ("online-store",)),                   # Ecommerce frontends
    110: ("forms-surveys", ("forms",)),                      # Form builders
    111: ("ecommerce", ("payments",)),                       # Fundraising & donations
}
PRICE_ESTIMATE_EUR = {"low": 30.0, "mid": 300.0, "high": 1500.0}


@dataclass
class ImportReport:
    """What an import read, mapped, merged and skipped."""

    read: int = 0
    mapped: int = 0
    merged: int = 0
    skipped: int = 0
    invalid: int = 0
    skipped_categories: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the terminal."""
        return (f"read {self.read:,} technologies: {self.mapped:,} imported, {self.merged:,} "
                f"merged into existing entries, {self.skipped:,} skipped (no marketing "
                f"category), {self.invalid:,} skipped (no usable name or website)")


def _read_json(path: Path) -> Any:
    return parse_json(read_text(path, max_bytes=10 * MAX_INPUT_BYTES), str(path))


def read_technologies(folder: Path) -> tuple[dict[str, dict], dict[int, str]]:
    """(technologies by name, category names by id) of a webappanalyzer folder."""
    folder = Path(folder)
    cats_file = folder / "categories.json"
    tech_dir = folder / "technologies"
    if not cats_file.is_file() or not tech_dir.is_dir():
        raise CinweError(f"{folder}: not a webappanalyzer folder (expected categories.json and "
                         "technologies/*.json)")
    categories = _read_json(cats_file)
    if not isinstance(categories, dict):
        raise CinweError(f"{cats_file}: expected an object of categories by id")
    names = {int(k): str(v.get("name", k)) for k, v in categories.items()
             if str(k).isdigit() and isinstance(v, dict)}
    techs: dict[str, dict] = {}
    for file in sorted(tech_dir.glob("*.json")):
        data = _read_json(file)
        if not isinstance(data, dict):
            raise CinweError(f"{file}: expected an object of technologies by name")
        for name, body in data.items():
            if isinstance(body, dict):
                techs[str(name)] = body
    return techs, names


def _pricing(tags: list[str]) -> dict[str, Any]:
    tags = [t for t in tags if isinstance(t, str)]
    pricing: dict[str, Any] = {"entry_eur_month": None}
    if tags:
        pricing["free_plan"] = "freemium" in tags
    tiers = [PRICE_ESTIMATE_EUR[t] for t in ("low", "mid", "high") if t in tags]
    if tiers:
        pricing["entry_eur_month"] = tiers[0]
        pricing["estimated"] = True
    elif "poa" in tags:
        pricing["quote_only"] = True
    if "payg" in tags and not tiers:
        pricing["free_plan_limits"] = "usage-based pricing (pay as you go)"
    return pricing


def import_webappanalyzer(folder: Path, catalog: Catalog, today: str | None = None
                          ) -> tuple[list[dict], list[dict], ImportReport]:
    """(new entries, patches for existing entries, report) from a webappanalyzer folder."""
    techs, category_names = read_technologies(folder)
    today = today or dt.date.today().isoformat()
    report = ImportReport(read=len(techs))
    merge = Merge(catalog)
    entries: list[dict] = []
    for name, tech in sorted(techs.items()):
        cats = [c for c in tech.get("cats", []) if isinstance(c, int)]
        mapped = [CATEGORY_MAP[c] for c in cats if c in CATEGORY_MAP]
        if not mapped:
            report.skipped += 1
            for c in cats:
                label = category_names.get(c, str(c))
                report.skipped_categories[label] = report.skipped_categories.get(label, 0) + 1
            continue
        website = tech.get("website")
        if not isinstance(website, str) or not URL.match(website) or not name.strip():
            report.invalid += 1
            continue
        source = {"name": SOURCE_NAME, "url": SOURCE_URL, "licence": LICENCE}
        if merge.existing(name, website, source) is not None:
            report.merged += 1
            continue
        tool_id = merge.new_id(name)
        if tool_id is None:
            report.invalid += 1
            continue
        categories = list(dict.fromkeys(c for c, _ in mapped))
        capabilities = list(dict.fromkeys(cap for _, caps in mapped for cap in caps))
        description = tech.get("description")
        entry: dict[str, Any] = {
            "id": tool_id,
            "name": name.strip(),
            "status": "imported",
            "website": website,
            "description": " ".join(description.split())[:500]
            if isinstance(description, str) and description.strip() else None,
            "categories": categories,
            "capabilities": capabilities,
            "pricing": _pricing(tech.get("pricing") or []),
            "open_source": True if tech.get("oss") is True else None,
            "self_hostable": False if tech.get("saas") is True and not tech.get("oss") else None,
            "integrations": [],
            "source": SOURCE_URL,
            "sources": [source],
            "reviewed": today,
        }
        entries.append(entry)
        report.mapped += 1
    return entries, list(merge.patches.values()), report


def layer_readme(report: ImportReport, folder: Path) -> str:
    """README.md of the written layer: provenance, licence, counts."""
    top = sorted(report.skipped_categories.items(), key=lambda kv: -kv[1])[:15]
    skipped = "\n".join(f"- {name}: {count:,}" for name, count in top)
    return f"""# Imported catalog layer: webappanalyzer

Imported from `{folder}` (Wappalyzer-format technology set, {SOURCE_URL}, licence {LICENCE}).
Every entry here is **imported and unreviewed**: check its facts before relying on them. Facts
the data set does not give are left unknown. Prices marked `estimated` come from Wappalyzer's
pricing tiers, not from the vendor.

{report.summary()}.

Most frequent categories of the skipped technologies:

{skipped}

Use it as a layer over the shipped catalog:

    cinwe-reco --catalog THIS_FOLDER suggest client.yaml
"""


def run(folder: Path, out: Path, catalog: Catalog, *, force: bool = False,
        inputs: Iterable[Path | str] = ()) -> ImportReport:
    """Import ``folder`` and write the layer ``out`` (never over a folder holding ``folder`` or
    another of ``inputs``)."""
    entries, patches, report = import_webappanalyzer(folder, catalog)
    write_layer(out, entries, patches, layer_readme(report, folder), force=force,
                inputs=[folder, *inputs])
    return report


__all__ = ["CATEGORY_MAP", "ImportReport", "import_webappanalyzer", "run"]
