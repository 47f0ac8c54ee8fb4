"""Import the awesome-selfhosted data set as a catalog layer of open-source, self-hostable tools.

Reads ``software/*.yml`` from a folder in the awesome-selfhosted-data format (CC-BY-SA 3.0:
every imported entry carries the attribution). Only applications whose tags map to our
categories (``TAG_MAP``: analytics, CRM, mailing lists, e-commerce, booking, polls, automation,
CMS, ticketing...) are imported; the rest are skipped and counted. Archived projects, and
projects without a commit in the twelve months before the data set's date, are skipped and
counted: a facilitator should not put a client on dead software.

Every imported entry is ``status: imported`` (unreviewed), ``open_source: true`` and
``self_hostable: true``; its capabilities carry no strength (unknown, never ``core`` by default);
its GitHub stars and recent commits become a market presence figure with its date. A product
the catalog already has (same name, alias or website domain) is not imported again: it gains
the source (a patch). Facts the data set does not give stay unknown (vendor, country, prices,
languages, hosting, size, ease).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalog import URL, Catalog
from ..errors import InputFileError
from ..files import MAX_INPUT_BYTES, parse_yaml, read_text
from . import Merge, write_layer

SOURCE_NAME = "awesome-selfhosted"
SOURCE_URL = "https://github.com/awesome-selfhosted/awesome-selfhosted-data"
LICENCE = "CC-BY-SA-3.0"
ATTRIBUTION = "awesome-selfhosted-data contributors, CC BY-SA 3.0"
ACTIVE_MONTHS = 12

# awesome-selfhosted tag -> (our category, our capabilities)
TAG_MAP: dict[str, tuple[str, tuple[str, ...]]] = {
    "Analytics": ("web-analytics", ("traffic-analytics",)),
    "Customer Relationship Management (CRM)": ("crm", ("contact-management",)),
    "Communication - Email - Mailing Lists and Newsletters": (
        "email-marketing", ("email-campaigns",)),
    "E-commerce": ("ecommerce", ("online-store",)),
    "Booking and Scheduling": ("scheduling", ("appointment-booking",)),
    "Polls and Events": ("forms-surveys", ("surveys",)),
    "Automation": ("automation", ("workflow-automation",)),
    "Content Management Systems (CMS)": ("website-builder", ("website-builder",)),
    "Blogging Platforms": ("website-builder", ("blog",)),
    "Ticketing": ("helpdesk", ("ticketing",)),
    "Conference Management": ("webinars-events", ("event-ticketing",)),
    "Communication - Video Conferencing": ("webinars-events", ("webinars",)),
    "Media Streaming - Video Streaming": ("video", ("video-hosting",)),
    "Task Management & To-do Lists": ("project-management", ("task-management",)),
    "Software Development - Project Management": ("project-management", ("task-management",)),
    "Groupware": ("project-management", ("team-collaboration",)),
    "Communication - Custom Communication Systems": (
        "project-management", ("team-collaboration",)),
}


@dataclass
class ImportReport:
    """What an import read, mapped, merged and skipped."""

    read: int = 0
    mapped: int = 0
    merged: int = 0
    skipped: int = 0
    archived: int = 0
    inactive: int = 0
    invalid: int = 0
    skipped_tags: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the terminal."""
        return (f"read {self.read:,} applications: {self.mapped:,} imported, {self.merged:,} "
                f"merged into existing entries, {self.skipped:,} skipped (no marketing tag), "
                f"{self.archived:,} archived and {self.inactive:,} inactive (no commit in "
                f"{ACTIVE_MONTHS} months) skipped, {self.invalid:,} skipped (no usable name or "
                "website)")


def read_software(folder: Path) -> list[dict[str, Any]]:
    """The application records of an awesome-selfhosted-data folder."""
    folder = Path(folder)
    software = folder / "software"
    if not software.is_dir():
        raise InputFileError(f"{folder}: not an awesome-selfhosted-data folder (expected "
                             "software/*.yml)")
    out = []
    for file in sorted(software.glob("*.yml")):
        data = parse_yaml(read_text(file, max_bytes=MAX_INPUT_BYTES), str(file))
        if isinstance(data, dict):
            out.append(data)
    return out


def _month(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        return None


def activity(app: dict[str, Any], as_of: dt.date) -> int:
    """Commits in the ``ACTIVE_MONTHS`` months before ``as_of`` (0 when none is recorded)."""
    history = app.get("commit_history")
    if not isinstance(history, dict):
        return 0
    start = dt.date(as_of.year - 1, as_of.month, 1)
    total = 0
    for month, count in history.items():
        when = _month(str(month))
        if when is not None and start <= when <= as_of and isinstance(count, int):
            total += count
    return total


def presence(stars: int) -> int:
    """A 1..5 presence figure from GitHub stars (a real, dated signal of an open-source
    project's reach; 5 is left to the category leaders curators name by hand)."""
    if stars >= 20_000:
        return 4
    if stars >= 5_000:
        return 3
    if stars >= 1_000:
        return 2
    return 1


def data_date(apps: list[dict[str, Any]]) -> dt.date:
    """The data set's date: its most recent ``updated_at``."""
    dates = []
    for app in apps:
        try:
            dates.append(dt.date.fromisoformat(str(app.get("updated_at"))[:10]))
        except ValueError:
            continue
    return max(dates) if dates else dt.date.today()


def import_awesome_selfhosted(folder: Path, catalog: Catalog, today: str | None = None
                              ) -> tuple[list[dict], list[dict], ImportReport]:
    """(new entries, patches for existing entries, report) from an awesome-selfhosted folder."""
    apps = read_software(folder)
    as_of = data_date(apps)
    today = today or dt.date.today().isoformat()
    report = ImportReport(read=len(apps))
    merge = Merge(catalog)
    entries: list[dict] = []
    source = {"name": SOURCE_NAME, "url": SOURCE_URL, "licence": LICENCE,
              "attribution": ATTRIBUTION}
    for app in apps:
        name = str(app.get("name") or "").strip()
        tags = [t for t in app.get("tags") or [] if isinstance(t, str)]
        mapped = [TAG_MAP[t] for t in tags if t in TAG_MAP]
        if not mapped:
            report.skipped += 1
            for t in tags:
                report.skipped_tags[t] = report.skipped_tags.get(t, 0) + 1
            continue
        if app.get("archived") is True:
            report.archived += 1
            continue
        commits = activity(app, as_of)
        if commits == 0:
            report.inactive += 1
            continue
        website = app.get("website_url") or app.get("source_code_url")
        if not name or not isinstance(website, str) or not URL.match(website):
            report.invalid += 1
            continue
        if merge.existing(name, website, source) is not None:
            report.merged += 1
            continue
        tool_id = merge.new_id(name)
        if tool_id is None:
            report.invalid += 1
            continue
        stars = app.get("stargazers_count") if isinstance(app.get("stargazers_count"), int) \
            else 0
        description = app.get("description")
        licences = ", ".join(str(x) for x in app.get("licenses") or [])
        entries.append({
            "id": tool_id,
            "name": name,
            "status": "imported",
            "website": website,
            "description": " ".join(str(description).split())[:500] if description else None,
            "categories": list(dict.fromkeys(c for c, _ in mapped)),
            # strengths unknown: a plain list, never core by default
            "capabilities": list(dict.fromkeys(cap for _, caps in mapped for cap in caps)),
            "pricing": {"free_plan": True, "entry_eur_month": 0.0,
                        "free_plan_limits": "free software, self-hosted (hosting not included)"},
            "open_source": True,
            "self_hostable": True,
            "integrations": [],
            "market": {"presence": presence(stars), "as_of": as_of.isoformat(),
                       "evidence": f"{stars:,} GitHub stars, {commits:,} commits in the 12 months "
                                   f"to {as_of:%Y-%m} (awesome-selfhosted-data)"},
            "source": str(app.get("source_code_url") or website)
            if URL.match(str(app.get("source_code_url") or "")) else website,
            "sources": [source],
            "notes": f"licence: {licences}" if licences else None,
            "reviewed": today,
        })
        if entries[-1]["notes"] is None:
            del entries[-1]["notes"]
        report.mapped += 1
    return entries, list(merge.patches.values()), report


def layer_readme(report: ImportReport, folder: Path) -> str:
    """README.md of the written layer: provenance, licence, attribution, counts."""
    top = sorted(report.skipped_tags.items(), key=lambda kv: -kv[1])[:15]
    skipped = "\n".join(f"- {name}: {count:,}" for name, count in top)
    return f"""# Imported catalog layer: awesome-selfhosted

Imported from `{folder}` ({SOURCE_URL}). Licence {LICENCE}; attribution: "{ATTRIBUTION}".
Every entry here is **imported and unreviewed**, open source and self-hostable; capability
strengths, vendors, prices beyond the free software itself, languages and hosting are unknown.
The presence figure comes from GitHub stars, dated in each entry.

{report.summary()}.

Most frequent tags of the skipped applications:

{skipped}

Use it as a layer over the shipped catalog:

    cinwe-reco --catalog THIS_FOLDER suggest client.yaml
"""


def run(folder: Path, out: Path, catalog: Catalog, *, force: bool = False,
        inputs: Iterable[Path | str] = ()) -> ImportReport:
    """Import ``folder`` and write the layer ``out`` (never over a folder holding ``folder`` or
    another of ``inputs``)."""
    entries, patches, report = import_awesome_selfhosted(folder, catalog)
    write_layer(out, entries, patches, layer_readme(report, folder), force=force,
                inputs=[folder, *inputs])
    return report


__all__ = ["TAG_MAP", "ImportReport", "import_awesome_selfhosted", "run"]
