"""``profile init``: a profile from answers, asked one by one or given as options.

The library asks through :class:`Asker`, a two-method interface the caller implements (the CLI
with click prompts; a web form or a test with anything else). Each answer is checked when it is
given, with the same rules as ``profile validate``, and asked again when it is wrong, so one bad
answer never loses the others. Needs, sectors and goals are offered as numbered lists with their
labels in the user's language; an answer may be a number, an id, or an English or French name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .catalog import Catalog
from .errors import AnswerError
from .hints import SYNONYMS, term_hint_text
from .i18n import say
from .profile import PRIORITIES, check_profile, profile_from_dict
from .text import fold

PROFILE_HEADER = "# cinwe-reco client profile (schema cinwe-reco/profile@1)\n"
MAX_ASKS = 20  # a question asked this many times without a valid answer gives up


class Asker(Protocol):
    """How the library talks to the person answering."""

    def ask(self, prompt: str, default: str | None) -> str:
        """The answer to ``prompt`` (``default`` when the person just presses Enter)."""

    def tell(self, text: str) -> None:
        """Show a line of information (a list of choices, why an answer was refused)."""


def split_list(text: str | None) -> list[str]:
    """'a, b ,c' -> ['a', 'b', 'c']."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _numbered(ids: list[str], pick: str) -> str | None:
    """'3' -> the third id; otherwise None."""
    if pick.isdigit() and 1 <= int(pick) <= len(ids):
        return ids[int(pick) - 1]
    return None


def _by_name(catalog: Catalog, kinds: tuple[str, ...], text: str) -> str | None:
    """An id given as itself, as its exact English or French label (any case, accents) or as
    an everyday word for it ('boulangerie' -> food-retail)."""
    tax = catalog.taxonomy
    key = fold(text).strip()
    for kind in kinds:
        terms = getattr(tax, kind)
        if text in terms:
            return text
        for term in terms.values():
            if key in (fold(term.en), fold(term.fr)):
                return term.id
        synonym = SYNONYMS.get(kind, {}).get(key)
        if synonym in terms:
            return synonym
    return None


def parse_need(text: str, catalog: Catalog) -> dict[str, str]:
    """'email-campaigns:must', '12:must', 'avis clients' -> a need mapping; AnswerError with a
    'did you mean' when the need is not in the taxonomy."""
    tax = catalog.taxonomy
    need, _, priority = text.strip().rpartition(":") if ":" in text else (text, "", "")
    need, priority = need.strip(), (priority.strip() or "should")
    if priority not in PRIORITIES:
        raise AnswerError("needs", f"'{priority}' is not a priority: use must, should or nice")
    caps = list(tax.capabilities)
    found = _numbered(caps, need) or _by_name(catalog, ("capabilities", "categories"), need)
    if found is None:
        hint = term_hint_text(tax, ("capabilities", "categories"), need)
        raise AnswerError("needs", f"'{need}' is not a capability or category{hint}")
    kind = "capability" if found in tax.capabilities else "category"
    return {kind: found, "priority": priority}


def _parse_goals(text: str, catalog: Catalog) -> list[str]:
    ids = list(catalog.taxonomy.goals)
    return [_numbered(ids, g) or _by_name(catalog, ("goals",), g) or g for g in split_list(text)]


def _parse_sector(text: str, catalog: Catalog) -> str | None:
    text = text.strip()
    if not text:
        return None
    ids = list(catalog.taxonomy.sectors)
    return _numbered(ids, text) or _by_name(catalog, ("sectors",), text) or text


def _number(text: str) -> Any:
    text = text.strip().replace(" ", "").replace("\u202f", "").replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return text  # the validator says what was expected
    return int(value) if value.is_integer() else value


@dataclass(frozen=True)
class Question:
    """One question: the profile field it fills, its prompt, how the typed text becomes the
    field's value, and the lines shown before it (choices)."""

    field: str
    prompt: str
    parse: Callable[[str], Any]
    default: Callable[[dict[str, Any]], Any] = lambda doc: None
    intro: Callable[[], list[str]] = lambda: []
    constraint: bool = False  # the field sits under ``constraints``


def _choices(catalog: Catalog, kind: str, lang: str) -> list[str]:
    tax = catalog.taxonomy
    terms = list(getattr(tax, kind).values())
    width = len(str(len(terms)))
    return [f"  {i:>{width}}. {t.id:<28} {t.fr if lang == 'fr' else t.en}"
            for i, t in enumerate(terms, start=1)]


def questions(catalog: Catalog, lang: str = "en") -> list[Question]:
    """The questionnaire, in order."""
    def lines(key: str, kind: str) -> Callable[[], list[str]]:
        return lambda: [say(key, lang), *_choices(catalog, kind, lang)]

    def needs(text: str) -> list[dict[str, str]]:
        items = split_list(text)
        if not items:
            raise AnswerError("needs", say("ask.need_at_least_one", "en"))
        return [parse_need(item, catalog) for item in items]

    def tools(text: str) -> list[str]:
        return [catalog.resolve(t) or t for t in split_list(text)]

    return [
        Question("client", say("ask.client", lang), lambda t: t.strip() or None),
        Question("country", say("ask.country", lang), lambda t: t.strip().upper() or "FR",
                 lambda doc: "FR"),
        Question("languages", say("ask.languages", lang),
                 lambda t: [x.lower() for x in split_list(t)] or ["fr"], lambda doc: "fr"),
        Question("sector", say("ask.sector", lang), lambda t: _parse_sector(t, catalog),
                 intro=lines("ask.sectors_intro", "sectors")),
        Question("business_model", say("ask.business_model", lang),
                 lambda t: t.strip().lower() or "mixed", lambda doc: "b2c"),
        Question("employees", say("ask.employees", lang), _number, lambda doc: 1),
        Question("users", say("ask.users", lang), _number,
                 lambda doc: min(max(doc.get("employees") or 1, 1), 5)),
        Question("contacts", say("ask.contacts", lang), lambda t: _number(t) or None,
                 lambda doc: 0),
        Question("budget_eur_month", say("ask.budget", lang), _number, lambda doc: 100),
        Question("digital_maturity", say("ask.maturity", lang), _number, lambda doc: 2),
        Question("tech_skill", say("ask.skill", lang), _number, lambda doc: 1),
        Question("current_stack", say("ask.stack", lang), tools),
        Question("other_tools", say("ask.other_tools", lang), split_list),
        Question("needs", say("ask.needs", lang), needs,
                 intro=lambda: [say("ask.needs_intro", lang),
                                *_choices(catalog, "capabilities", lang)]),
        Question("goals", say("ask.goals", lang), lambda t: _parse_goals(t, catalog),
                 intro=lines("ask.goals_intro", "goals")),
        Question("budget", say("ask.budget_mode", lang), lambda t: t.strip() or "flexible",
                 lambda doc: "flexible", constraint=True),
        Question("eu_hosting", say("ask.eu_hosting", lang), lambda t: t.strip() or "any",
                 lambda doc: "any", constraint=True),
        Question("open_source", say("ask.open_source", lang), lambda t: t.strip() or "any",
                 lambda doc: "any", constraint=True),
        Question("language", say("ask.language", lang), lambda t: t.strip() or "preferred",
                 lambda doc: "preferred", constraint=True),
        Question("exclude", say("ask.exclude", lang), tools, constraint=True),
    ]


_PLACEHOLDER = {"client": "placeholder", "needs": [{"capability": "email-campaigns"}]}


def answer_problems(doc: dict[str, Any], field: str, catalog: Catalog) -> list[str]:
    """The problems of one answered field, with the rules of ``profile validate``."""
    trial = {**_PLACEHOLDER, **{k: v for k, v in doc.items() if k != "constraints"}}
    trial["constraints"] = dict(doc.get("constraints", {}))
    prefix = f"constraints.{field}" if field in trial["constraints"] else field
    return [p.message for p in check_profile(trial, catalog, "answer")
            if p.field is not None and (p.field == prefix or p.field.startswith(prefix + "[")
                                        or p.field.startswith(prefix + "."))]


def _shown(value: Any, doc: dict[str, Any], q: Question) -> str | None:
    if value is None:
        value = q.default(doc)
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def ask_profile(catalog: Catalog, asker: Asker, defaults: dict[str, Any] | None = None,
                lang: str = "en") -> dict[str, Any]:
    """Ask every question, each answer checked when it is given and asked again when wrong;
    returns the profile document (valid)."""
    defaults = defaults or {}
    doc: dict[str, Any] = {}
    for q in questions(catalog, lang):
        for line in q.intro():
            asker.tell(line)
        for _ in range(MAX_ASKS):
            typed = asker.ask(q.prompt, _shown(defaults.get(q.field), doc, q))
            try:
                value = q.parse(typed or "")
                problems = []
            except AnswerError as exc:
                value, problems = None, [str(exc)]
            if not problems and value is None and q.field == "client":
                problems = [say("ask.missing", lang)]
            if not problems:
                _store(doc, q, value)
                problems = answer_problems(doc, q.field, catalog)
            if not problems:
                break
            _store(doc, q, None)
            for problem in problems:
                asker.tell(say("ask.again", lang, problem=problem))
        else:
            raise AnswerError(q.field, f"no valid answer after {MAX_ASKS} tries")
    return build_document(doc, catalog)


def _store(doc: dict[str, Any], q: Question, value: Any) -> None:
    target = doc.setdefault("constraints", {}) if q.constraint else doc
    if value is None or value == []:
        target.pop(q.field, None)
    else:
        target[q.field] = value


# ``profile init --no-input``: the answers as options (strings and lists, as a CLI gives them)
REQUIRED_WITHOUT_QUESTIONS = ("client", "needs")
CONSTRAINT_OPTIONS = {"budget_mode": "budget", "eu_hosting": "eu_hosting",
                      "open_source": "open_source", "language": "language",
                      "exclude": "exclude"}


def profile_from_answers(answers: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    """A profile document from answers given all at once (``profile init --no-input``).

    The rules: ``client`` and at least one need are required (AnswerError naming the field);
    employees default to 1; lists may be comma-separated text; every other problem of the
    profile is reported at once (ProfileError).
    """
    for field in REQUIRED_WITHOUT_QUESTIONS:
        if not answers.get(field):
            raise AnswerError(field, f"{field}: {say('ask.missing', 'en')} without questions")
    doc: dict[str, Any] = {}
    for key, value in answers.items():
        if value is None or value == "" or value == [] or value == ():
            continue
        if key == "needs":
            items = value if isinstance(value, list | tuple) else split_list(value)
            value = [n if isinstance(n, dict) else parse_need(n, catalog) for n in items]
        elif key == "goals":
            value = _parse_goals(", ".join(value) if isinstance(value, list | tuple) else value,
                                 catalog)
        elif key in ("languages", "current_stack", "other_tools", "exclude"):
            value = list(value) if isinstance(value, list | tuple) else split_list(value)
            if key in ("current_stack", "exclude"):
                value = [catalog.resolve(t) or t for t in value]
        elif key == "country":
            value = str(value).upper()
        elif key == "sector":
            value = _parse_sector(str(value), catalog)
        if key in CONSTRAINT_OPTIONS:
            doc.setdefault("constraints", {})[CONSTRAINT_OPTIONS[key]] = value
        else:
            doc[key] = value
    doc.setdefault("employees", 1)
    return build_document(doc, catalog)


_ORDER = ("client", "country", "languages", "sector", "business_model", "employees", "users",
          "contacts", "budget_eur_month", "digital_maturity", "tech_skill", "current_stack",
          "other_tools", "needs", "goals", "constraints")


def build_document(doc: dict[str, Any], catalog: Catalog, source: str = "profile init"
                   ) -> dict[str, Any]:
    """The profile document in the schema's field order, validated (every problem at once)."""
    out = {k: doc[k] for k in _ORDER if k in doc}
    budget = out.get("budget_eur_month")
    if isinstance(budget, float) and budget.is_integer():
        out["budget_eur_month"] = int(budget)
    profile_from_dict(out, catalog, source)
    return out


def profile_text(doc: dict[str, Any]) -> str:
    """The YAML text ``profile init`` writes."""
    from .files import dump_yaml

    return PROFILE_HEADER + dump_yaml(doc)
