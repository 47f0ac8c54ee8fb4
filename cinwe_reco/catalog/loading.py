"""Loading one catalog folder or file: read the sources, validate them, use the cache.

A catalog is a folder holding ``taxonomy.yaml`` and ``products/*.yaml`` (one file per product,
so a diff of one product is readable), or a single YAML/JSON file holding a list of entries
(the shipped taxonomy is used then).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from ..errors import CatalogError, Problem
from ..files import InputFileError, decode_text, parse_json, parse_yaml
from ..resources import shipped_catalog_dir
from ..taxonomy import load_taxonomy
from .cache import cache_file, read_cache, write_cache
from .fingerprint import (
    content_fingerprint,
    remember_fingerprint,
    remembered_fingerprint,
)
from .lookup import Catalog
from .schema import check_entries

PATCH_FILE = "patches.json"


def catalog_files(path: Path) -> tuple[Path | None, list[Path]]:
    """(taxonomy file or None, entry files) of a catalog folder or file.

    A layer folder may also hold ``patches.json``: additions (sources, popularity) to entries
    of the layers below it; it is read by ``load_catalogs``.
    """
    if path.is_dir():
        tax = path / "taxonomy.yaml"
        products = path / "products"
        folder = products if products.is_dir() else path
        files = sorted(
            p for p in folder.iterdir()
            if p.suffix.lower() in (".yaml", ".yml", ".json")
            and p.name not in ("taxonomy.yaml", PATCH_FILE) and not p.name.startswith(".")
        )
        return (tax if tax.is_file() else None), files
    if os.path.lexists(path) and not path.is_dir():
        return None, [path]  # read_bytes refuses a FIFO, a device or a dangling link by name
    raise InputFileError(f"{path}: no such catalog file or folder")


def _entries_of(path: Path, data: Any) -> list[tuple[str, Any]]:
    if isinstance(data, dict) and "entries" in data:
        data = data["entries"]
    if isinstance(data, list):
        return [(str(path), item) for item in data]
    return [(str(path), data)]


def _read_raw(contents: dict[Path, bytes | Problem]
              ) -> tuple[list[tuple[str, Any]], list[Problem]]:
    raw: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for p, data in contents.items():
        if isinstance(data, Problem):
            problems.append(data)
            continue
        try:
            text = decode_text(data, str(p))
            data = parse_json(text, str(p)) if p.suffix.lower() == ".json" else parse_yaml(
                text, str(p))
        except InputFileError as exc:
            problems.append(Problem(str(p), None, None, str(exc).removeprefix(f"{p}: ")))
            continue
        raw += _entries_of(p, data)
    return raw, problems


def load_catalog(path: Path | str | None = None, *, use_cache: bool = True,
                 base: Catalog | None = None) -> Catalog:
    """Load and validate one catalog folder or file (default: the shipped catalog).

    With ``base``, the folder is a layer above it: validated against the base's taxonomy, and
    its integrations may name the base's tools. Raises CatalogError listing every problem.
    """
    path = Path(path) if path is not None else shipped_catalog_dir()
    tax_file, files = catalog_files(path)
    if tax_file is None or base is not None:
        tax_file = Path(base.taxonomy.source) if base is not None and Path(
            base.taxonomy.source).is_file() else shipped_catalog_dir() / "taxonomy.yaml"

    def full(sources: str) -> str:
        return sources if base is None else hashlib.sha256(
            f"{base.fingerprint}:{sources}".encode()).hexdigest()

    if use_cache:
        remembered = remembered_fingerprint(tax_file, files)
        if remembered is not None:
            cached, _ = read_cache(cache_file(full(remembered)), full(remembered))
            if cached is not None:
                return cached
    sources, contents = content_fingerprint(tax_file, files)
    fingerprint = full(sources)
    cached_at = cache_file(fingerprint)
    notes: list[str] = []
    if use_cache:
        cached, why = read_cache(cached_at, fingerprint)
        if cached is not None:
            remember_fingerprint(tax_file, files, sources)
            return cached
        if why:
            notes.append(f"catalog cache {cached_at} ignored ({why}); rebuilt from {path}")
    taxonomy = base.taxonomy if base is not None else load_taxonomy(tax_file)
    raw, problems = _read_raw(contents)
    tools, entry_problems = check_entries(
        raw, taxonomy, base.index if base is not None else (),
        base.names if base is not None else None)
    problems += entry_problems
    if problems:
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        raise CatalogError(f"invalid catalog: {problems[0]}{more} "
                           "(cinwe-reco catalog validate lists them all)",
                           problems)
    catalog = Catalog(tools, taxonomy, fingerprint, str(path))
    catalog.warnings = notes
    if use_cache:
        write_cache(cached_at, catalog)
        remember_fingerprint(tax_file, files, sources)
    return catalog


def validate_catalog(path: Path | None = None) -> tuple[Catalog | None, list[Problem]]:
    """Check one catalog from its sources, without raising: (catalog or None, every problem)."""
    try:
        return load_catalog(path, use_cache=False), []
    except CatalogError as exc:
        return None, exc.problems or [Problem(str(path), None, None, str(exc))]
