"""Attach StackShare popularity to catalog entries, as a patch layer.

Reads a StackShare CSV (columns ``url``, ``name``, ``stack_count``...), matches each row to a
catalog entry (curated or imported) by product name, or by the StackShare slug of its URL, and
writes ``patches.json`` with a ``popularity`` figure for every matched entry: the row's
``stack_count`` (how many published stacks use the tool), log-scaled to 0..1 against the file's
largest count. Entries with no match get no figure, which the engine treats as a missing value,
not zero. Attribution: "StackShare dataset by captn3m0, ODbL".
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..catalog import Catalog
from ..errors import CinweError
from ..files import read_text
from . import write_layer

ATTRIBUTION = "StackShare dataset by captn3m0, ODbL"
LICENCE = "ODbL-1.0"


@dataclass
class PopularityReport:
    """How many rows were read and matched."""

    rows: int = 0
    matched_rows: int = 0
    matched_entries: int = 0
    catalog_entries: int = 0

    def summary(self) -> str:
        """One line for the terminal."""
        rate = self.matched_rows / self.rows if self.rows else 0.0
        cover = self.matched_entries / self.catalog_entries if self.catalog_entries else 0.0
        return (f"read {self.rows:,} StackShare rows: {self.matched_rows:,} matched a catalog "
                f"entry ({rate:.1%}); {self.matched_entries:,} of {self.catalog_entries:,} "
                f"catalog entries ({cover:.1%}) now have a popularity figure")


def import_stackshare(csv_path: Path, catalog: Catalog
                      ) -> tuple[list[dict[str, Any]], PopularityReport]:
    """(patches with popularity and attribution, report)."""
    text = read_text(Path(csv_path), max_bytes=100 * 1024 * 1024)
    reader = csv.DictReader(io.StringIO(text))
    missing = {"name", "stack_count"} - set(reader.fieldnames or [])
    if missing:
        raise CinweError(f"{csv_path}: not a StackShare CSV (missing columns "
                         f"{', '.join(sorted(missing))})")
    rows = []
    for line, row in enumerate(reader, start=2):
        try:
            count = int(float(row.get("stack_count") or 0))
        except ValueError:
            raise CinweError(f"{csv_path}: line {line}: stack_count is not a number") from None
        rows.append((row, max(count, 0)))
    report = PopularityReport(rows=len(rows), catalog_entries=len(catalog))
    top = max((c for _, c in rows), default=0)
    best: dict[str, tuple[int, dict]] = {}
    for row, count in rows:
        url = (row.get("url") or "").rstrip("/")
        stack_slug = url.rsplit("/", 1)[-1] if "stackshare.io/" in url else ""
        tool_id = catalog.resolve(row.get("name") or "") or (
            catalog.resolve(stack_slug) if stack_slug else None)
        if tool_id is None:
            continue
        report.matched_rows += 1
        if tool_id not in best or count > best[tool_id][0]:
            best[tool_id] = (count, row)
    patches = []
    for tool_id, (count, row) in sorted(best.items()):
        popularity = round(math.log1p(count) / math.log1p(top), 4) if top > 0 else 0.0
        patches.append({
            "id": tool_id,
            "popularity": popularity,
            "sources": [{"name": "StackShare", "url": row.get("url") or "https://stackshare.io",
                         "licence": LICENCE, "attribution": ATTRIBUTION}],
        })
    report.matched_entries = len(patches)
    return patches, report


def run(csv_path: Path, out: Path, catalog: Catalog, *, force: bool = False,
        inputs: Iterable[Path | str] = ()) -> PopularityReport:
    """Match ``csv_path`` against ``catalog`` and write the patch layer ``out`` (never over a
    folder holding ``csv_path`` or another of ``inputs``)."""
    patches, report = import_stackshare(csv_path, catalog)
    readme = f"""# Catalog layer: StackShare popularity

Popularity figures from `{csv_path}` ({ATTRIBUTION}; licence {LICENCE}), log-scaled
`stack_count`. Entries without a match have no figure (a missing value, not zero).

{report.summary()}.

Use it above the layers it was matched against, e.g.:

    cinwe-reco --catalog IMPORTED_LAYER --catalog THIS_FOLDER suggest client.yaml
"""
    write_layer(out, [], patches, readme, force=force, inputs=[csv_path, *inputs])
    return report
