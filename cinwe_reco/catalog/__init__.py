"""The martech catalog: real products, validated, found by id, name or alias.

The modules follow the data: ``entry`` (the record of one product), ``schema`` (the v2 entry
schema and its validator), ``lookup`` (the validated catalog and its name index), ``search``,
``loading`` (one folder or file, from its sources), ``cache`` (the validated form, as an
optimisation) and ``layers`` (imported and user layers over the shipped catalog).
"""

from .entry import STRENGTHS, Tool
from .layers import load_catalogs, merge_layer, validate_catalogs
from .loading import load_catalog, validate_catalog
from .lookup import Catalog
from .schema import SLUG, URL, check_entries

__all__ = [
    "STRENGTHS", "SLUG", "URL", "Catalog", "Tool", "check_entries", "load_catalog",
    "load_catalogs", "merge_layer", "validate_catalog", "validate_catalogs",
]
