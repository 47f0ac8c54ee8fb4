"""Profile documents as written: YAML or JSON, with the keys written twice.

YAML and JSON parsers keep the last of two equal keys silently (``client: X`` then ``client:
Y`` reads as Y). A profile written that way is a mistake the user must hear about, so the
documents read here remember their duplicate keys (field path and both line numbers) for the
profile validator to report with its other problems. Reading and parsing themselves are
``files.py``'s (size limits, UTF-8, safe loaders, no aliases).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .files import parse_json, parse_yaml, read_text

Duplicate = tuple[str, int, int]  # field path, first line, second line


class Document(dict):
    """A parsed mapping that remembers the keys its text wrote twice."""

    duplicates: tuple[Duplicate, ...] = ()


def _with_duplicates(doc: Any, duplicates: list[Duplicate]) -> Any:
    if not duplicates or not isinstance(doc, dict):
        return doc
    out = Document(doc)
    out.duplicates = tuple(duplicates)
    return out


def yaml_duplicates(text: str) -> list[Duplicate]:
    """Keys written twice in one YAML mapping, at any depth (call after a successful parse)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:  # pragma: no cover - the parse before would have failed
        return []
    out: list[Duplicate] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                line = key_node.start_mark.line + 1
                field = f"{path}.{key}" if path else key
                if key in seen:
                    out.append((field, seen[key], line))
                else:
                    seen[key] = line
                walk(value_node, field)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{path}[{i}]")

    walk(root, "")
    return out


def json_duplicates(text: str) -> list[Duplicate]:
    """Keys written twice in one JSON object (lines are not tracked: reported as 0)."""
    out: list[Duplicate] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                out.append((key, 0, 0))
            seen.add(key)
        return dict(pairs)

    try:
        json.loads(text, object_pairs_hook=hook)
    except ValueError:  # pragma: no cover - the parse before would have failed
        return []
    return out


def parse_document(text: str, source: str, is_json: bool) -> Any:
    """A parsed profile document that remembers its duplicate keys."""
    if is_json:
        doc = parse_json(text, source)
        return _with_duplicates(doc, json_duplicates(text))
    doc = parse_yaml(text, source)
    return _with_duplicates(doc, yaml_duplicates(text) if isinstance(doc, dict) else [])


def read_document(path: Path) -> Any:
    """A YAML or JSON profile file (JSON when the name ends in .json), parsed."""
    path = Path(path)
    return parse_document(read_text(path), str(path), path.suffix.lower() == ".json")
