"""Human-readable sentences in English and French, from templates (one module per language).

The engine builds its reasons, warnings and exclusion reasons as :class:`Text`: a ``str`` whose
value is the English sentence (so JSON output and existing callers see plain English) and which
remembers its template key and parameters, so a renderer can say it in another language with
:func:`translate`. Parameters that are words themselves (taxonomy labels, language names) are
given as :class:`Label` (one text per language) or :class:`Items` (a list joined with "and"/"or"
in the right language); numbers are grouped the French way in French.

``en.py`` and ``fr.py`` hold the templates; both must define the same keys with the same
placeholders (a test checks it). A fixed sentence (no placeholder) met as plain text is
recognised by its English words and translated too.
"""

from __future__ import annotations

import os
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import en, fr

LANGS = ("en", "fr")
TEMPLATES: dict[str, dict[str, str]] = {"en": en.TEMPLATES, "fr": fr.TEMPLATES}
LANGUAGE_NAMES: dict[str, dict[str, str]] = {"en": en.LANGUAGE_NAMES, "fr": fr.LANGUAGE_NAMES}
_MAX_SEEN = 50_000


@dataclass(frozen=True)
class Label:
    """One word or phrase in each language (a taxonomy label, a language name)."""

    en: str
    fr: str

    def get(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en

    def lower(self) -> Label:
        """Lowercase, as inside a sentence ('SEO local' keeps its capitals in French)."""
        return Label(self.en.lower(), _lower_first(self.fr))

    def __str__(self) -> str:
        return self.en


@dataclass(frozen=True)
class Items:
    """A list said in words: 'a, b and c' / 'a, b et c' (``conj`` is 'and' or 'or')."""

    items: tuple[Any, ...]
    conj: str = "and"
    sep_only: bool = False  # 'a, b, c' without a conjunction

    def get(self, lang: str) -> str:
        words = [_word(i, lang) for i in self.items]
        if self.sep_only or len(words) < 2:
            return ", ".join(words)
        conj = TEMPLATES[lang]["word." + self.conj]
        return ", ".join(words[:-1]) + f" {conj} " + words[-1]


def _lower_first(text: str) -> str:
    # 'Email campaigns' -> 'email campaigns', but 'SEO local' and 'NPS' keep their capitals
    if len(text) > 1 and text[:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def _word(value: Any, lang: str) -> str:
    if isinstance(value, Label | Items):
        return value.get(lang)
    if isinstance(value, Text):
        return value.in_lang(lang)
    return str(value)


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Label | Items | Text):
            return format(_word(value, self.lang), format_spec)
        out = format(value, format_spec)
        if self.lang == "fr" and isinstance(value, int | float):
            out = out.replace(",", "\u202f").replace(".", ",") if "," in format_spec or \
                "." in format_spec else out
            if format_spec.endswith("%"):
                out = out[:-1] + "\u00a0%"
        return out


_FORMATTERS = {lang: _Formatter(lang) for lang in LANGS}


def render(key: str, lang: str = "en", params: Mapping[str, Any] | None = None) -> str:
    """The sentence ``key`` in ``lang`` with ``params`` filled in."""
    lang = lang if lang in LANGS else "en"
    return _FORMATTERS[lang].vformat(TEMPLATES[lang][key], (), dict(params or {}))


def say(key: str, lang: str = "en", **params: Any) -> str:
    """``render`` with keyword parameters: ``say("table.none", "fr")``."""
    return render(key, lang, params)


class Text(str):
    """An English sentence that can be said in another language (see the module docstring)."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Text:
        obj = super().__new__(cls, render(key, "en", params))
        obj.key = key
        obj.params = params
        if len(_SEEN) < _MAX_SEEN:  # the same sentence, met again as plain str, still translates
            _SEEN.setdefault(str.__str__(obj), (key, params))
        return obj

    def __str__(self) -> str:  # str(text) keeps the translation (an f-string around it does not)
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickles across processes (Dask)
        return (_make_text, (self.key, self.params))

    def in_lang(self, lang: str) -> str:
        """The sentence in ``lang``."""
        return render(self.key, lang, self.params)


def _make_text(key: str, params: dict[str, Any]) -> Text:
    return Text(key, **params)


def text(key: str, **params: Any) -> Text:
    """A translatable sentence: ``text("warn.over_budget", amount=12)``."""
    return Text(key, **params)


_SEEN: dict[str, tuple[str, dict[str, Any]]] = {}


for _key, _template in en.TEMPLATES.items():  # fixed sentences are recognised by their words
    if "{" not in _template and _key.split(".")[0] in en.SENTENCE_GROUPS:
        _SEEN.setdefault(_template, (_key, {}))


def translate(value: Any, lang: str) -> str:
    """``value`` (a Text, or a plain sentence the engine wrote) in ``lang``; other text as is."""
    if lang not in LANGS or lang == "en":
        return str.__str__(value) if isinstance(value, str) else str(value)
    if isinstance(value, Text):
        return value.in_lang(lang)
    raw = str(value)
    seen = _SEEN.get(raw)
    if seen is not None:
        return render(seen[0], lang, seen[1])
    return raw


def translate_all(values: Iterable[Any], lang: str) -> list[str]:
    """Every item of ``values`` in ``lang``."""
    return [translate(v, lang) for v in values]


def language_name(code: str) -> Label:
    """'fr' -> Label('French', 'français')."""
    return Label(LANGUAGE_NAMES["en"].get(code, code), LANGUAGE_NAMES["fr"].get(code, code))


def term(taxonomy: Any, term_id: str, lower: bool = False) -> Label:
    """A taxonomy id's labels in both languages (the id itself when unknown)."""
    label = Label(taxonomy.label(term_id, "en"), taxonomy.label(term_id, "fr"))
    return label.lower() if lower else label


def pick_language(explicit: str | None = None, languages: Sequence[str] = (),
                  environ: Mapping[str, str] | None = None) -> str:
    """The output language: ``explicit`` (``--lang``), else the first of the profile's
    ``languages`` that we speak, else the ``LANG`` environment variable, else English."""
    if explicit:
        return explicit if explicit in LANGS else "en"
    for code in languages:
        if code in LANGS:
            return code
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"
