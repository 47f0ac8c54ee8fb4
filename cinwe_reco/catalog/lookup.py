"""The validated catalog: tools in a stable order, found by id, product name or alias."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..errors import UnknownToolError, closest
from ..taxonomy import Taxonomy
from ..text import fold, slugify
from .entry import Tool


class Catalog:
    """The validated catalog: tools in a stable order, with id, name and alias look-ups."""

    def __init__(self, tools: Iterable[Tool], taxonomy: Taxonomy, fingerprint: str,
                 source: str = "", names: dict[str, str] | None = None) -> None:
        self.tools: tuple[Tool, ...] = tuple(sorted(tools, key=lambda t: t.id))
        self.taxonomy = taxonomy
        self.fingerprint = fingerprint
        self.source = source
        self.index: dict[str, int] = {t.id: i for i, t in enumerate(self.tools)}
        self._by_name = names if names is not None else name_index(self.tools)
        # notes from loading (a damaged cache that was rebuilt); shown by the CLI
        self.warnings: list[str] = []

    def __len__(self) -> int:
        return len(self.tools)

    def __iter__(self) -> Iterator[Tool]:
        return iter(self.tools)

    def __contains__(self, tool_id: object) -> bool:
        return tool_id in self.index

    @property
    def names(self) -> dict[str, str]:
        """Look-up key (folded name or alias) -> tool id."""
        return self._by_name

    def get(self, tool_id: str) -> Tool:
        """The tool with this id; UnknownToolError with a suggestion otherwise."""
        try:
            return self.tools[self.index[tool_id]]
        except KeyError:
            raise UnknownToolError(self.unknown_message(tool_id)) from None

    def resolve(self, text: str) -> str | None:
        """The id of the tool named ``text`` (an id, a product name or an alias such as a
        former name, any case), or None."""
        key = str(text).strip()
        if key in self.index:
            return key
        lowered = key.lower()
        if lowered in self.index:
            return lowered
        for candidate in name_keys(key):
            if candidate in self._by_name:
                return self._by_name[candidate]
        slugged = slugify(key)
        if slugged in self.index:  # "Google Analytics" -> google-analytics
            return slugged
        return None

    def suggestion(self, text: str) -> str | None:
        """The id closest to a mistyped id, name or alias."""
        # ids, names and aliases compete together: "Sendinblu" is closest to the alias
        # "Sendinblue" (Brevo), not to the id "sendible"
        keys = {**{k: v for k, v in self._by_name.items()}, **{i: i for i in self.index}}
        best = closest(fold(str(text)), keys)
        return keys[best] if best else None

    def unknown_message(self, text: str) -> str:
        """'unknown tool X; did you mean Y? (cinwe-reco catalog search X)': the hint looks at
        ids, names and aliases together, then at the tools that mention the word."""
        from ..hints import tool_hint_text

        hint = tool_hint_text(self, text)
        word = str(text).split()[0] if str(text).split() else str(text)
        return f"unknown tool '{text}'{hint} (cinwe-reco catalog search {word})"

    def search(self, text: str) -> list[Tool]:
        """Tools matching every word of ``text``, most relevant first (see ``search.py``)."""
        from .search import search

        return search(self, text)

    def in_category(self, category: str) -> list[Tool]:
        """Tools listed in a category."""
        return [t for t in self.tools if category in t.categories]


def name_keys(name: str) -> list[str]:
    """Look-up keys for a product name: as written, without a parenthesised part, without
    punctuation."""
    base = fold(str(name).strip())
    keys = [base]
    short = re.sub(r"\s*\(.*?\)\s*", " ", base).strip()
    if short and short != base:
        keys.append(short)
    for k in list(keys):
        compact = re.sub(r"[^a-z0-9]+", "", k)
        if compact:
            keys.append(compact)
    return keys


def name_index(tools: Iterable[Tool], base: dict[str, str] | None = None,
               owners: dict[str, Tool] | None = None) -> dict[str, str]:
    """Name and alias keys -> id. Reviewed entries come first, so an imported entry never takes
    over a reviewed entry's name or alias; with ``base`` (the layers below), a key already
    there keeps its owner unless that owner is an imported entry and the new one is reviewed."""
    names = dict(base or {})
    tools = list(tools)
    ordered = [t for t in tools if t.status == "reviewed"] + [
        t for t in tools if t.status != "reviewed"]
    for t in ordered:
        for key in [*name_keys(t.name), *(k for a in t.aliases for k in name_keys(a))]:
            current = names.get(key)
            if current is None or (owners is not None and current in owners and current != t.id
                  and owners[current].status != "reviewed" and t.status == "reviewed"):
                names[key] = t.id
    return names
