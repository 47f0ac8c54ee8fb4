"""Text keys shared by look-ups and importers: accent folding and slugs."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lowercase without accents: 'Éditeur' -> 'editeur'."""
    decomposed = unicodedata.normalize("NFKD", str(text).lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(text: str, default: str = "") -> str:
    """'Shopify Plus!' -> 'shopify-plus' (the id form of a product name)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or default
