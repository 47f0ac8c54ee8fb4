"""French output for French profiles: tables, markdown, CSV headers, explain, templates."""

from __future__ import annotations

import pickle
import re
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

from cinwe_reco import i18n
from cinwe_reco.cli import cli
from cinwe_reco.i18n import en, fr

ROOT = Path(__file__).resolve().parent.parent
FRENCH = ROOT / "examples" / "boulangerie-lemoine.yaml"  # languages: [fr]

# English words of the templates that must not appear in a French table's sentences
ENGLISH_MARKERS = ("is what it is built for", "your stack already has", "has a free plan",
                   "Recommended stack", "Excluded by your constraints", "already in your",
                   "no French interface", "no public price", "within budget", "top reason",
                   "is already covered by your current stack")


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("CINWE_RECO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LANG", "en_GB.UTF-8")  # the profile's language must win over LANG
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _placeholders(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_both_languages_have_the_same_templates():
    assert set(en.TEMPLATES) == set(fr.TEMPLATES)
    for key, template in en.TEMPLATES.items():
        assert _placeholders(template) == _placeholders(fr.TEMPLATES[key]), key


def test_french_profile_gives_a_french_table():
    text = run("suggest", str(FRENCH))
    for marker in ENGLISH_MARKERS:
        assert marker not in text, marker
    assert "Stack recommandée" in text
    assert "Exclus par vos contraintes" in text
    assert "conçu pour : gestion des fiches d'établissement (indispensable)" in " ".join(
        text.split())
    assert "Gestion des fiches d'établissement [listings-management] (indispensable)" in text
    assert "déjà dans votre stack actuelle" in text


def test_lang_option_overrides_the_profile():
    text = run("--lang", "en", "suggest", str(FRENCH))
    assert "Recommended stack" in text
    assert "Stack recommandée" not in text


def test_lang_environment_when_the_profile_says_nothing(tmp_path, monkeypatch):
    profile = tmp_path / "p.yaml"
    profile.write_text("client: X\nlanguages: [de]\nneeds: [email-campaigns]\n")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert "Stack recommandée" in run("suggest", str(profile))
    monkeypatch.setenv("LANG", "C")
    assert "Recommended stack" in run("suggest", str(profile))


def test_french_markdown_and_csv_headers():
    md = run("suggest", str(FRENCH), "--format", "markdown")
    assert "## Stack recommandée" in md and "## Exclus" in md
    for marker in ENGLISH_MARKERS:
        assert marker not in md, marker
    csv_text = run("suggest", str(FRENCH), "--format", "csv")
    assert csv_text.splitlines()[0] == ("client,section,besoin,rang,id_outil,nom,score,"
                                        "adequation,cout_mensuel_eur,couvre,raisons,vigilance")
    assert "already in your current stack" not in csv_text
    assert "déjà dans votre stack actuelle" in csv_text


def test_json_stays_english_for_programs():
    import json

    out = json.loads(run("suggest", str(FRENCH), "--format", "json"))
    assert any(e["reason"] == "already in your current stack" for e in out["excluded"])


def test_french_explain():
    text = run("explain", str(FRENCH), "trustpilot")
    assert re.search(r"classé \d+ sur \d+ pour collecte d'avis clients", text, re.IGNORECASE)
    assert "critère" in text and "valeur" in text
    assert "for it:" not in text and "ranked" not in text


def test_french_explain_of_an_excluded_tool():
    text = run("explain", str(FRENCH), "buffer")
    assert "exclu : pas d'interface en français (language: required)" in text


def test_text_keeps_its_translation_through_str_and_pickle():
    t = i18n.text("warn.free_limit", contacts=1500)
    assert t == "free plan limited to 1,500 contacts"
    assert i18n.translate(str(t), "fr") == "offre gratuite limitée à 1\u202f500 contacts"
    assert pickle.loads(pickle.dumps(t)).in_lang("fr") == i18n.translate(t, "fr")


def test_stack_notes_are_translatable_sentences():
    note = i18n.text("note.covered_by_stack", need="email-campaigns",
                     owners=i18n.Items(("Brevo",), sep_only=True))
    assert note == "email-campaigns is already covered by your current stack (Brevo)"
    assert i18n.translate(note, "fr") == ("email-campaigns est déjà couvert par votre stack "
                                          "actuelle (Brevo)")
    cover = i18n.text("note.cheapest_cover", needs="crm", budget=1000.0, cost=1234.0,
                      tools=i18n.Items(("pipedrive",), sep_only=True))
    assert "1,000 EUR/month" in cover and "1,234 EUR/month" in cover
    assert "1\u202f234 EUR/mois" in i18n.translate(cover, "fr")
    assert i18n.translate("some free text", "fr") == "some free text"


@pytest.mark.parametrize(("explicit", "languages", "env", "expected"), [
    ("en", ("fr",), {"LANG": "fr_FR"}, "en"),
    (None, ("fr", "en"), {"LANG": "en_US"}, "fr"),
    (None, ("de", "en"), {"LANG": "fr_FR"}, "en"),
    (None, ("de",), {"LANG": "fr_FR.UTF-8"}, "fr"),
    (None, (), {}, "en"),
], ids=["option", "profile", "profile-second", "env", "nothing"])
def test_pick_language(explicit, languages, env, expected):
    assert i18n.pick_language(explicit, languages, env) == expected


def test_french_questionnaire_prompts(tmp_path):
    result = CliRunner().invoke(cli, ["--lang", "fr", "profile", "init"], input="\n" * 3)
    assert "Client (nom de l'entreprise)" in result.output
