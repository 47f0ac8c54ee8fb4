"""The report's own fixed text, one YAML file per language (``messages/en.yaml``, ``fr.yaml``).

Section titles, table headers, chart labels and fixed sentences live here, translated by people;
labels of ids come from the taxonomy, and reasons and warnings are the engine's own sentences.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from ..errors import ReportError

LANGS = ("fr", "en")

# French typography: a no-break space before the high punctuation marks, so "Total :" never
# breaks before its colon (narrow for ; ? !, as the Imprimerie nationale recommends)
_FR_SPACE = [(re.compile(r" :"), "\u00a0:"), (re.compile(r" ([;?!])"), "\u202f\\1"),
             (re.compile(r"(\d) %"), "\\1\u00a0%")]


def _french(value: Any) -> Any:
    if isinstance(value, str):
        for pattern, repl in _FR_SPACE:
            value = pattern.sub(repl, value)
        return value
    if isinstance(value, dict):
        return {k: _french(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_french(v) for v in value]
    return value


@cache
def messages(lang: str) -> dict[str, Any]:
    """The report's text in ``lang`` (``fr`` or ``en``)."""
    if lang not in LANGS:
        raise ReportError(f"expected a report language among {', '.join(LANGS)}, got {lang!r}")
    text = files(__package__).joinpath("messages", f"{lang}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return _french(data) if lang == "fr" else data
