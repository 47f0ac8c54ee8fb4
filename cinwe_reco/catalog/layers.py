"""Catalog layers: the shipped catalog, then the user's or imported layers on top.

A layer adds entries and sources; it never overwrites a reviewed fact, and never takes over a
reviewed entry's name or alias (an imported "Google Analytics 4" does not capture the look-up
of the reviewed Google Analytics).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import CatalogError, NoCatalogError, Problem, did_you_mean, show_value
from ..files import InputFileError, load_document
from ..resources import shipped_catalog_dir
from .entry import Tool
from .fingerprint import MAX_CATALOG_FILE_BYTES
from .loading import PATCH_FILE, load_catalog
from .lookup import Catalog, name_index
from .schema import EntryChecker, is_number


def validate_catalogs(paths: Iterable[Path | str] = (), *, include_default: bool = True
                      ) -> tuple[Catalog | None, list[Problem]]:
    """Check a layered catalog without raising: (catalog or None, every problem found)."""
    try:
        return load_catalogs(paths, include_default=include_default, use_cache=False), []
    except CatalogError as exc:
        return None, exc.problems or [Problem(" + ".join(map(str, paths)), None, None,
                                              str(exc))]


def load_catalogs(paths: Iterable[Path | str] = (), *, include_default: bool = True,
                  use_cache: bool = True) -> Catalog:
    """The layered catalog: the shipped catalog (unless ``include_default`` is false), then
    each path in order. Later layers add entries and sources; they never overwrite a reviewed
    fact (see ``merge_layer``)."""
    layers = ([shipped_catalog_dir()] if include_default else []) + [Path(p) for p in paths]
    if not layers:
        raise NoCatalogError("no catalog to load: no layer given and the shipped catalog "
                             "left out")
    merged = load_catalog(layers[0], use_cache=use_cache)
    problems: list[Problem] = []
    for path in layers[1:]:
        try:
            layer = load_catalog(path, use_cache=use_cache, base=merged)
        except CatalogError as exc:
            problems += exc.problems or [Problem(str(path), None, None, str(exc))]
            continue
        patches, patch_problems = read_patches(path, merged, layer)
        problems += patch_problems
        merged = merge_layer(merged, layer, patches)
    if problems:
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        raise CatalogError(f"invalid catalog: {problems[0]}{more} (cinwe-reco catalog validate "
                           "lists them all)", problems)
    return merged


def read_patches(path: Path, base: Catalog, layer: Catalog
                  ) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The validated ``patches.json`` of a layer folder: [{id, sources?, popularity?}]."""
    file = Path(path) / PATCH_FILE
    if not os.path.lexists(file):  # a FIFO or a device is reported by load_document
        return [], []
    try:
        data = load_document(file, MAX_CATALOG_FILE_BYTES)
    except InputFileError as exc:
        return [], [Problem(str(file), None, None, str(exc).removeprefix(f"{file}: "))]
    items = data.get("patches") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return [], [Problem(str(file), None, "patches", "expected a list of patches")]
    problems, out = [], []
    known = set(base.index) | set(layer.index)
    for i, item in enumerate(items):
        entry = str(item.get("id", "?")) if isinstance(item, dict) else "?"
        if not isinstance(item, dict) or set(item) - {"id", "sources", "popularity"}:
            problems.append(Problem(str(file), entry, f"patches[{i}]",
                                    "expected id and optionally sources, popularity"))
            continue
        if item.get("id") not in known:
            problems.append(Problem(str(file), entry, "id", f"unknown tool id '{entry}'"
                                    f"{did_you_mean(entry, known)}"))
            continue
        checker = EntryChecker({"sources": item.get("sources")}, str(file), base.taxonomy)
        sources = checker.sources()
        pop = item.get("popularity")
        if pop is not None and (not is_number(pop) or not 0 <= pop <= 1):
            checker.fail("popularity", f"expected a number from 0 to 1, got {show_value(pop)}")
        for problem in checker.problems:
            problem.entry = entry
        problems += checker.problems
        if not checker.problems:
            out.append({"id": item["id"], "sources": sources, "popularity": pop})
    return out, problems


def merge_layer(base: Catalog, layer: Catalog, patches: list[dict[str, Any]] = ()) -> Catalog:
    """``base`` with ``layer`` on top.

    A new id is added. For an id the base has: a reviewed base entry keeps every fact and only
    gains the layer's sources (and a popularity figure if it has none); an imported base entry
    is replaced by a reviewed one, and otherwise only has its unknown facts filled in. Patches
    add sources and popularity.
    """
    tools = {t.id: t for t in base.tools}
    for new in layer.tools:
        old = tools.get(new.id)
        if old is None:
            tools[new.id] = new
        elif old.status == "reviewed" or new.status != "reviewed":
            fill = {} if old.status == "reviewed" else {
                f: getattr(new, f) for f in Tool._fields
                if getattr(old, f) is None and getattr(new, f) is not None}
            extra = tuple(s for s in ({"name": layer.source, "url": new.source}, *new.sources)
                          if s not in old.sources)
            fill["sources"] = old.sources + extra
            if old.popularity is None and new.popularity is not None:
                fill["popularity"] = new.popularity
            tools[new.id] = old._replace(**fill)
        else:
            tools[new.id] = new._replace(sources=old.sources + new.sources)
    for patch in patches:
        old = tools[patch["id"]]
        fill: dict[str, Any] = {"sources": old.sources + tuple(
            s for s in patch["sources"] if s not in old.sources)}
        if patch["popularity"] is not None:
            fill["popularity"] = patch["popularity"]
        tools[patch["id"]] = old._replace(**fill)
    fingerprint = hashlib.sha256(f"{base.fingerprint}+{layer.fingerprint}+"
                                 f"{json.dumps(patches, sort_keys=True, default=str)}".encode()
                                 ).hexdigest()
    names = name_index(layer.tools, base.names, tools)
    merged = Catalog(tools.values(), base.taxonomy, fingerprint,
                     f"{base.source} + {layer.source}", names)
    merged.warnings = base.warnings + layer.warnings
    return merged


