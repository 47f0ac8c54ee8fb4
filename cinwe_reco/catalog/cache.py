"""The catalog cache: an optimisation, never a source.

The validated catalog is stored as columns (one JSON list per field: decoding 10,000 small
objects is what costs time). The file starts with one header line naming the digest of the
sources it was built from and the SHA-256 of the body that follows; a cache whose digests or
types do not check out is ignored, and the caller rebuilds it from the sources.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
from itertools import chain
from pathlib import Path
from typing import Any

from ..errors import CatalogError
from ..taxonomy import taxonomy_from_dict
from .entry import STRENGTHS, Tool
from .lookup import Catalog

# Bump when the normalised form changes, so stale caches are ignored.
CACHE_FORMAT = 6
MAX_CACHE_BYTES = 512 * 1024 * 1024

_TUPLE_FIELDS = ("categories", "capabilities", "ui_languages", "integrations", "sectors",
                 "sources", "strengths", "plan_prices", "platforms", "requires", "aliases")
# stored once each, as the cache's "lists" (sources hold mappings: stored in place)
_SHARED_FIELDS = tuple(f for f in _TUPLE_FIELDS if f != "sources")
_STR = ("id", "name", "website", "source", "reviewed", "status", "file")
_OPT_STR = ("vendor", "vendor_country", "description", "free_plan_limits", "currency",
            "entry_billing", "presence_evidence", "review_basis", "notes")
_OPT_BOOL = ("free_plan", "per_user", "eu_hosting", "open_source", "self_hostable")
_OPT_INT = ("min_employees", "max_employees", "ease_of_use", "free_max_contacts",
            "free_max_users", "presence")
_OPT_NUM = ("entry_eur_month", "popularity")


def cache_dir() -> Path:
    """Where validated catalogs are cached (``$XDG_CACHE_HOME/cinwe-reco``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cinwe-reco"


def cache_file(fingerprint: str) -> Path:
    """The cache file of the catalog built from sources with this digest."""
    return cache_dir() / f"catalog-v{CACHE_FORMAT}-{fingerprint[:32]}.json"


def write_cache(path: Path, catalog: Catalog) -> None:
    """Store ``catalog`` (best effort: a read-only home only costs the next load its speed)."""
    columns = [list(column) for column in zip(*catalog.tools, strict=True)] \
        if catalog.tools else [[] for _ in Tool._fields]
    # a list field holds the index of its value among the distinct values ("lists"): most
    # tools repeat a few language, category or strength lists
    lists: dict[tuple, int] = {}
    for key in _SHARED_FIELDS:
        i = Tool._fields.index(key)
        columns[i] = [None if v is None else lists.setdefault(v, len(lists))
                      for v in columns[i]]
    body = json.dumps({
        "source": catalog.source,
        "taxonomy": catalog.taxonomy.to_dict(),
        "taxonomy_source": catalog.taxonomy.source,
        "fields": list(Tool._fields),
        "lists": list(lists),
        "columns": columns,
        "names": catalog.names,
    }, ensure_ascii=False, allow_nan=False)
    header = json.dumps({"format": CACHE_FORMAT, "fingerprint": catalog.fingerprint,
                         "body_sha256": hashlib.sha256(body.encode()).hexdigest()})
    try:
        from ..files import atomic_write_text

        atomic_write_text(path, header + "\n" + body, force=True)
    except (OSError, CatalogError, ValueError):
        pass


def read_cache(path: Path, fingerprint: str) -> tuple[Catalog | None, str | None]:
    """(catalog, None) from a sound cache; (None, why) when the file is absent (why is None)
    or does not check out (why says what is off, so the caller can warn and rebuild)."""
    # building tens of thousands of small containers would trigger the cyclic garbage
    # collector over and over; none of them can form a cycle, so pause it meanwhile
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _decode(path, fingerprint)
    finally:
        if enabled:
            gc.enable()


def _decode(path: Path, fingerprint: str) -> tuple[Catalog | None, str | None]:
    if not path.exists():
        return None, None
    if not path.is_file():  # a FIFO or a device would hang or flood the read
        return None, "not a regular file"
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_CACHE_BYTES + 1)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"unreadable ({exc.strerror})"
    if len(raw) > MAX_CACHE_BYTES:
        return None, "too large"
    head, _, body = raw.partition(b"\n")
    try:
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("format") != CACHE_FORMAT:
            return None, None  # another version of the tool wrote it: not damage
        if header.get("fingerprint") != fingerprint:
            return None, "built from other sources"
        if header.get("body_sha256") != hashlib.sha256(body).hexdigest():
            return None, "its content does not match its digest"
        payload = json.loads(body)
        if payload["fields"] != list(Tool._fields):
            return None, "its fields differ from this version's"
        taxonomy = taxonomy_from_dict(payload["taxonomy"], payload["taxonomy_source"])
        columns = payload["columns"]
        lists = list(map(tuple, payload["lists"]))
        for key in _SHARED_FIELDS:
            i = Tool._fields.index(key)
            column = columns[i]
            known = [k for k in column if k is not None] if None in column else column
            if not set(map(type, known)) <= {int} or (known and min(known) < 0):
                return None, f"wrong types in '{key}'"
            if None in column:
                columns[i] = [None if k is None else lists[k] for k in column]
            else:
                columns[i] = list(map(lists.__getitem__, column))
        i = Tool._fields.index("sources")
        columns[i] = [None if x is None else tuple(x) for x in columns[i]]
        i = Tool._fields.index("contact_tiers")
        columns[i] = [tuple((int(c), float(e)) for c, e in x) for x in columns[i]]
        problem = _type_problem(columns)
        if problem:
            return None, problem
        new = tuple.__new__
        tools = [new(Tool, row) for row in zip(*columns, strict=True)]
        names = payload["names"]
        if not isinstance(names, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
            return None, "its name index is damaged"
        catalog = Catalog(tools, taxonomy, fingerprint, str(payload["source"]), names)
        if len(catalog.index) != len(tools) or not set(names.values()) <= set(catalog.index):
            return None, "its name index is damaged"
        return catalog, None
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, CatalogError) as exc:
        return None, f"damaged ({type(exc).__name__})"


def _type_problem(columns: list[list[Any]]) -> str | None:
    """The first field whose values do not have the types the validator gives them."""
    f = Tool._fields

    def col(name: str) -> list[Any]:
        return columns[f.index(name)]

    n = len(columns[0])
    if any(len(c) != n for c in columns):
        return "its columns differ in length"
    # the set of types a column holds is found in C (map(type, ...)); only floats need a
    # second look (finite)
    none = type(None)
    checks = [(_STR, {str}), (_OPT_STR, {str, none}), (_OPT_BOOL, {bool, none}),
              (_OPT_INT, {int, none}), (_OPT_NUM, {int, float, none}),
              (("quote_only", "price_estimated"), {bool})]
    for names, allowed in checks:
        for name in names:
            values = col(name)
            if not set(map(type, values)) <= allowed:
                return f"wrong types in '{name}'"
            if float in allowed and not all(
                    map(math.isfinite, (v for v in values if v is not None))):
                return f"wrong types in '{name}'"
    for name in ("categories", "capabilities", "integrations", "platforms", "requires",
                 "aliases"):
        values = col(name)
        # equal tuples are one object (the cache's "lists"): each is looked into once
        distinct = {id(v): v for v in values}.values()
        if not set(map(type, values)) <= {tuple} or not set(
                map(type, chain.from_iterable(distinct))) <= {str}:
            return f"wrong types in '{name}'"
    caps, strengths, prices = col("capabilities"), col("strengths"), col("plan_prices")
    lengths = list(map(len, caps))
    if list(map(len, strengths)) != lengths or list(map(len, prices)) != lengths:
        return "wrong types in 'strengths'"
    if not set(chain.from_iterable(strengths)) <= {None, *STRENGTHS}:
        return "wrong types in 'strengths'"
    flat = list(chain.from_iterable(prices))
    if not set(map(type, flat)) <= {type(None), int, float} or not all(
            map(math.isfinite, (v for v in flat if v is not None))):
        return "wrong types in 'plan_prices'"
    return None
