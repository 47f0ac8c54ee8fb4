"""Catalog search: every word must match; results ranked by where they match.

A name match beats an alias, which beats a capability or category label (English or French),
which beats the description; within a rank, the more present product comes first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..text import fold

if TYPE_CHECKING:
    from .entry import Tool
    from .lookup import Catalog


def search(catalog: Catalog, text: str) -> list[Tool]:
    """Tools whose name, aliases, capability labels, vendor or description match all words."""
    words = [fold(w) for w in str(text).split() if w.strip()]
    if not words:
        return []
    phrase = " ".join(words)
    tax = catalog.taxonomy
    ranked = []
    for t in catalog.tools:
        name = fold(f"{t.id} {t.name}")
        aliases = fold(" ".join(t.aliases))
        labels = []
        for term_id in (*t.capabilities, *t.categories):
            term = tax.capabilities.get(term_id) or tax.categories.get(term_id)
            if term:
                labels += [term.id, term.en, term.fr]
        label_text = fold(" ".join(labels))
        rest = fold(f"{t.vendor or ''} {t.description or ''}")
        if not all(w in f"{name} {aliases} {label_text} {rest}" for w in words):
            continue
        if phrase in (fold(t.name), t.id) or phrase in (fold(a) for a in t.aliases):
            rank = 0
        elif all(w in name for w in words):
            rank = 1
        elif all(w in aliases for w in words):
            rank = 2
        elif all(w in f"{name} {aliases} {label_text}" for w in words):
            rank = 3
        else:
            rank = 4
        ranked.append((rank, -(t.presence or 0), t.name.lower(), t))
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked]
