"""``profile init``: build a profile from answers (interactive prompts or options)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from .catalog import Catalog
from .errors import CinweError, did_you_mean
from .profile import BUDGET_MODES, BUSINESS_MODELS, LEVELS, PRIORITIES, profile_from_dict


def parse_need(text: str, catalog: Catalog) -> dict[str, str]:
    """'email-campaigns:must' or 'reviews' -> a need mapping; CinweError if the id is unknown."""
    tax = catalog.taxonomy
    need_id, _, priority = text.strip().partition(":")
    need_id, priority = need_id.strip(), (priority.strip() or "should")
    if priority not in PRIORITIES:
        raise CinweError(f"need '{text}': priority must be one of {', '.join(PRIORITIES)}"
                         f"{did_you_mean(priority, PRIORITIES)}")
    if need_id in tax.capabilities:
        return {"capability": need_id, "priority": priority}
    if need_id in tax.categories:
        return {"category": need_id, "priority": priority}
    raise CinweError(f"need '{need_id}': not a capability or category id"
                     f"{did_you_mean(need_id, [*tax.capabilities, *tax.categories])}")


def split_list(text: str | None) -> list[str]:
    """'a, b ,c' -> ['a', 'b', 'c']."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _checked(check: Callable[[str], Any]) -> Callable[[str], str]:
    """A click value_proc that re-asks when ``check`` raises."""

    def proc(value: str) -> str:
        try:
            check(value)
        except CinweError as exc:
            raise click.UsageError(str(exc)) from None
        return value

    return proc


def ask(catalog: Catalog, defaults: dict[str, Any]) -> dict[str, Any]:
    """Ask the questionnaire on the terminal; every answer is checked and re-asked if wrong."""
    tax = catalog.taxonomy
    answers: dict[str, Any] = {}
    answers["client"] = click.prompt("Client (business name)", default=defaults.get("client"))
    answers["country"] = click.prompt("Country (ISO code)", default=defaults.get("country", "FR"))
    answers["languages"] = click.prompt("Team languages (ISO codes, comma-separated)",
                                        default=defaults.get("languages", "fr"))
    click.echo("Sectors: " + ", ".join(tax.sectors))
    answers["sector"] = click.prompt("Sector", type=click.Choice(list(tax.sectors)),
                                     show_choices=False, default=defaults.get("sector"))
    answers["business_model"] = click.prompt("Business model",
                                             type=click.Choice(BUSINESS_MODELS),
                                             default=defaults.get("business_model", "b2c"))
    answers["employees"] = click.prompt("Employees (0 = solo founder)",
                                        type=click.IntRange(0, 1_000_000),
                                        default=defaults.get("employees", 1))
    answers["users"] = click.prompt("People who will use the tools",
                                    type=click.IntRange(1, 100_000),
                                    default=defaults.get("users")
                                    or min(max(answers["employees"], 1), 5))
    answers["contacts"] = click.prompt("Customers and prospects in the base (0 if unknown)",
                                       type=click.IntRange(0, 1_000_000_000),
                                       default=defaults.get("contacts") or 0)
    answers["budget_eur_month"] = click.prompt("Monthly budget for new tools (EUR)",
                                               type=click.FloatRange(0, 10_000_000),
                                               default=defaults.get("budget_eur_month", 100))
    answers["digital_maturity"] = click.prompt("Digital maturity, 1 (paper) to 5 (data-driven)",
                                               type=click.IntRange(1, 5),
                                               default=defaults.get("digital_maturity", 2))
    answers["tech_skill"] = click.prompt("Tech skill, 1 (no one technical) to 5 (developer)",
                                         type=click.IntRange(1, 5),
                                         default=defaults.get("tech_skill", 1))

    def check_stack(text: str) -> None:
        for item in split_list(text):
            if catalog.resolve(item) is None:
                raise CinweError(catalog.unknown_message(item))

    answers["current_stack"] = click.prompt(
        "Tools already in use that the catalog knows (comma-separated, blank for none)",
        default=defaults.get("current_stack", ""), show_default=False,
        value_proc=_checked(check_stack))
    answers["other_tools"] = click.prompt("Other tools in use (free text, comma-separated)",
                                          default=defaults.get("other_tools", ""),
                                          show_default=False)
    click.echo("Needs: capability or category ids, each with :must, :should or :nice "
               "(e.g. email-campaigns:must, reviews:nice). See `cinwe-reco catalog search`.")

    def check_needs(text: str) -> None:
        items = split_list(text)
        if not items:
            raise CinweError("give at least one need")
        for item in items:
            parse_need(item, catalog)

    answers["needs"] = click.prompt("Needs", default=defaults.get("needs"),
                                    value_proc=_checked(check_needs))

    def check_goals(text: str) -> None:
        for goal in split_list(text):
            if goal not in tax.goals:
                raise CinweError(f"unknown goal '{goal}'{did_you_mean(goal, tax.goals)}; "
                                 f"goals: {', '.join(tax.goals)}")

    click.echo("Goals: " + ", ".join(tax.goals))
    answers["goals"] = click.prompt("Goals (comma-separated, blank for none)",
                                    default=defaults.get("goals", ""), show_default=False,
                                    value_proc=_checked(check_goals))
    answers["budget_mode"] = click.prompt("Budget", type=click.Choice(BUDGET_MODES),
                                          default=defaults.get("budget_mode", "flexible"))
    answers["eu_hosting"] = click.prompt("EU data hosting", type=click.Choice(LEVELS),
                                         default=defaults.get("eu_hosting", "any"))
    answers["open_source"] = click.prompt("Open source", type=click.Choice(LEVELS),
                                          default=defaults.get("open_source", "any"))
    answers["language"] = click.prompt("Interface in the team's language",
                                       type=click.Choice(LEVELS),
                                       default=defaults.get("language", "preferred"))
    answers["exclude"] = click.prompt("Tools never to suggest (comma-separated, blank for none)",
                                      default=defaults.get("exclude", ""), show_default=False,
                                      value_proc=_checked(check_stack))
    return answers


def build_profile(answers: dict[str, Any], catalog: Catalog, source: str = "profile init"
                  ) -> dict[str, Any]:
    """Turn answers (strings as typed, or values) into a validated profile document."""
    needs_text = answers.get("needs") or ""
    needs = needs_text if isinstance(needs_text, list) else split_list(needs_text)
    doc: dict[str, Any] = {
        "client": answers.get("client"),
        "country": (answers.get("country") or "FR").upper(),
        "languages": _as_list(answers.get("languages") or "fr"),
    }
    if answers.get("sector"):
        doc["sector"] = answers["sector"]
    doc["business_model"] = answers.get("business_model") or "mixed"
    for key in ("employees", "users", "budget_eur_month", "digital_maturity", "tech_skill"):
        if answers.get(key) is not None:
            doc[key] = answers[key]
    if answers.get("contacts"):
        doc["contacts"] = answers["contacts"]
    budget = doc.get("budget_eur_month")
    if isinstance(budget, float) and budget.is_integer():
        doc["budget_eur_month"] = int(budget)
    doc["current_stack"] = [catalog.resolve(t) or t for t in _as_list(answers.get("current_stack"))]
    doc["other_tools"] = _as_list(answers.get("other_tools"))
    doc["needs"] = [n if isinstance(n, dict) else parse_need(n, catalog) for n in needs]
    doc["goals"] = _as_list(answers.get("goals"))
    doc["constraints"] = {
        "budget": answers.get("budget_mode") or "flexible",
        "eu_hosting": answers.get("eu_hosting") or "any",
        "open_source": answers.get("open_source") or "any",
        "language": answers.get("language") or "preferred",
        "exclude": [catalog.resolve(t) or t for t in _as_list(answers.get("exclude"))],
    }
    profile_from_dict(doc, catalog, source)  # raises a ProfileError naming the field
    return doc


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return split_list(str(value))
