"""Importers that turn public data sets into catalog layers.

Each importer reads a path the user gives (the data sets keep their own licences and are never
copied into the package) and writes a catalog layer folder: ``products/*.json`` with new entries
marked ``status: imported`` (unreviewed), and ``patches.json`` with additions (sources,
popularity) to entries the layers below already have. Reviewed facts are never overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from ..files import atomic_folder
from ..text import slugify

if TYPE_CHECKING:
    from ..catalog import Catalog


def slug(text: str) -> str:
    """'Shopify Plus!' -> 'shopify-plus'."""
    return slugify(text, default="tool")


def domain(url: str | None) -> str | None:
    """The host of a URL without 'www.': 'https://www.brevo.com/fr/' -> 'brevo.com'."""
    if not url:
        return None
    host = urlparse(url if "//" in url else f"//{url}").netloc.lower().split(":")[0]
    return host.removeprefix("www.") or None


class Merge:
    """What an import checks for each record: whether the catalog already has the product (by
    name or alias, else by website domain; it then gains the record's source as a patch instead
    of a duplicate), and a free id for a new entry."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.by_domain: dict[str, str] = {}
        for t in catalog:
            d = domain(t.website)
            if d:
                self.by_domain.setdefault(d, t.id)
        self.taken = set(catalog.index)
        self.patches: dict[str, dict[str, Any]] = {}

    def existing(self, name: str, website: str, source: dict[str, Any]) -> str | None:
        """The id of the catalog entry this record is, with ``source`` added to its patch; None
        for a product the catalog lacks."""
        found, matched_by = self.catalog.resolve(name), "name"
        if found is None and domain(website) in self.by_domain:
            found, matched_by = self.by_domain[domain(website)], "domain"
        if found is not None:
            patch = self.patches.setdefault(found, {"id": found, "sources": []})
            if {**source, "matched_by": matched_by} not in patch["sources"]:
                patch["sources"].append({**source, "matched_by": matched_by})
        return found

    def new_id(self, name: str) -> str | None:
        """A free slug id for a new entry ('acme', then 'acme-2'...); None when the name makes
        no valid id."""
        from ..catalog import SLUG

        base = slug(name)
        if not SLUG.match(base):
            return None
        tool_id, k = base, 2
        while tool_id in self.taken:
            tool_id, k = f"{base}-{k}", k + 1
        self.taken.add(tool_id)
        return tool_id


def write_layer(out: Path, entries: list[dict[str, Any]], patches: list[dict[str, Any]],
                readme: str, *, force: bool = False, inputs: Iterable[Path | str] = ()) -> None:
    """Write a layer folder atomically (a temporary folder swapped into place); ``--force``
    replaces only a layer folder the tool wrote that holds none of ``inputs``."""
    with atomic_folder(Path(out), force=force, inputs=inputs) as tmp:
        if entries:
            (tmp / "products").mkdir()
            by_letter: dict[str, list[dict[str, Any]]] = {}
            for entry in entries:
                first = entry["id"][0]
                by_letter.setdefault(first if first.isalpha() else "0-9", []).append(entry)
            for letter, group in sorted(by_letter.items()):
                # one file per initial: diffs stay readable, and loading stays fast
                (tmp / "products" / f"{letter}.json").write_text(
                    json.dumps({"entries": group}, indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")
        if patches:
            (tmp / "patches.json").write_text(
                json.dumps({"patches": patches}, indent=1, ensure_ascii=False) + "\n",
                encoding="utf-8")
        (tmp / "README.md").write_text(readme, encoding="utf-8")
