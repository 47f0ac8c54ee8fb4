"""The tool as a facilitator meets it: messages, validation, output files, terminal tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cinwe_reco.cli import cli
from cinwe_reco.errors import AnswerError, OutputFormatError, ProfileError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "boulangerie-lemoine.yaml"  # a French bakery, strict budget


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CINWE_RECO_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


BAD_PROFILE = """\
client: Boulangerie Dupont
country: librairie
sector: comptabilite
current_stack: [Sendinblu, Gmail, hubspto, wordpress]
needs:
  - capability: emailing
  - comptabilite
goals: [fidelisation]
constraints: {budget: strikt}
"""


def test_validate_reports_every_problem_at_once(tmp_path):
    path = write(tmp_path / "bad.yaml", BAD_PROFILE)
    result = run("profile", "validate", str(path))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("invalid:")]
    fields = [line.split(": ")[2] for line in lines]
    assert fields == ["country", "sector", "current_stack[0]", "current_stack[1]",
                      "current_stack[2]", "needs[0].capability", "needs[1].capability",
                      "goals[0]", "constraints.budget"]
    assert all(f"{path}: " in line for line in lines)


@pytest.mark.parametrize(("text", "field", "meant"), [
    ("current_stack: [Sendinblu]", "current_stack[0]", "'brevo'"),
    ("current_stack: [Gmail]", "current_stack[0]", "'google-workspace'"),
    ("current_stack: [hubspto]", "current_stack[0]", "'hubspot-crm'"),
    ("sector: restauration", "sector", "'restaurant-hospitality'"),
    ("sector: food-retial", "sector", "'food-retail'"),
    ("goals: [fidelisation]", "goals[0]", "'customer-retention'"),
], ids=["alias", "mentioned", "typo", "french-sector", "sector-typo", "french-goal"])
def test_did_you_mean_uses_aliases_and_labels(tmp_path, catalog, text, field, meant):
    from cinwe_reco.profile import profile_from_dict

    doc = {"client": "X", "needs": ["email-campaigns"], **yaml.safe_load(text)}
    with pytest.raises(ProfileError, match="did you mean") as info:
        profile_from_dict(doc, catalog, "p.yaml")
    problem = info.value.problems[0]
    assert problem.field == field
    assert f"did you mean {meant}" in problem.message


@pytest.mark.parametrize(("need", "meant"), [("emailing", "email-campaigns"),
                                             ("comptabilite", "accounting")])
def test_need_hint_from_french_words(catalog, need, meant):
    from cinwe_reco.profile import profile_from_dict

    with pytest.raises(ProfileError, match=f"did you mean '{meant}'"):
        profile_from_dict({"client": "X", "needs": [{"capability": need}]}, catalog)


def test_sendinblue_is_brevo(catalog):
    from cinwe_reco.profile import profile_from_dict

    p = profile_from_dict({"client": "X", "needs": ["email-campaigns"],
                           "current_stack": ["Sendinblue"]}, catalog)
    assert p.current_stack == ("brevo",)


def test_duplicate_keys_are_errors(tmp_path):
    path = write(tmp_path / "dup.yaml", "client: X\nclient: Y\nneeds: [email-campaigns]\n"
                                        "constraints: {budget: strict, budget: flexible}\n")
    result = run("profile", "validate", str(path))
    assert result.exit_code == 2
    assert "client: written twice (lines 1 and 2)" in result.output
    assert "constraints.budget: written twice" in result.output


def test_duplicate_keys_in_json(tmp_path):
    path = write(tmp_path / "dup.json", '{"client": "X", "client": "Y", "needs": ["seo"]}')
    result = run("profile", "validate", str(path))
    assert result.exit_code == 2
    assert "client: written twice" in result.output


def test_tab_in_client_says_why(catalog):
    from cinwe_reco.profile import profile_from_dict

    with pytest.raises(ProfileError, match="without tabs or line breaks.*it holds a tab"):
        profile_from_dict({"client": "Boulangerie\tDupont", "needs": ["seo"]}, catalog)


def test_empty_needs_says_what_to_write(catalog):
    from cinwe_reco.profile import profile_from_dict

    with pytest.raises(ProfileError, match="the list is empty: give at least one need, for "
                                           "example '- capability: email-campaigns'"):
        profile_from_dict({"client": "X", "needs": []}, catalog)


@pytest.mark.parametrize("kind", ["folder", "jsonl"])
def test_empty_batch_is_exit_2(tmp_path, kind):
    if kind == "folder":
        target = tmp_path / "clients"
        target.mkdir()
    else:
        target = write(tmp_path / "clients.jsonl", "\n")
    for command in (["suggest"], ["profile", "validate"]):
        result = run(*command, str(target))
        assert result.exit_code == 2, command
        assert "no profile in this" in result.output


def test_out_extension_picks_the_format(tmp_path):
    out = tmp_path / "s.json"
    result = run("suggest", str(EXAMPLE), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["schema"] == "cinwe-reco/suggestions@1"
    md = tmp_path / "s.md"
    assert run("suggest", str(EXAMPLE), "--out", str(md)).exit_code == 0
    assert md.read_text().startswith("# Boulangerie")


def test_out_extension_mismatch_is_refused(tmp_path):
    out = tmp_path / "s.json"
    result = run("suggest", str(EXAMPLE), "--out", str(out), "--format", "table")
    assert result.exit_code == 2
    assert "--out" in result.output and "--format table" in result.output
    assert not out.exists()


def test_output_format_rule_in_library():
    from cinwe_reco.commands import output_format

    assert output_format(None, "x.csv", False) == "csv"
    assert output_format(None, None, True) == "json"
    assert output_format("markdown", "x.txt.md", False) == "markdown"
    with pytest.raises(OutputFormatError, match="the extension says json") as info:
        output_format("csv", "x.jsonl", False)
    assert "--" not in str(info.value)  # no CLI flag names in library messages


def _table(lang: str = "en") -> str:
    result = run("--lang", lang, "suggest", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_table_fits_80_columns_and_wraps_instead_of_cutting():
    text = _table()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    # every word of a wrapped warning is there, in order
    flat = " ".join(text.split())
    assert "! your stack already has a tool of this kind" in flat


def test_table_says_how_much_it_shows():
    text = _table()
    json_out = json.loads(run("suggest", str(EXAMPLE), "--format", "json").stdout)
    total = len(json_out["excluded"])
    assert total > 10  # the example excludes more than a table lists
    assert f"Excluded by your constraints: (10 of {total} shown)" in text


def test_table_uses_a_wider_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "132")
    text = _table()
    widths = [len(line) for line in text.splitlines()]
    assert 80 < max(widths) <= 132


def test_closed_pipe_ends_quietly():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        f"{sys.executable} -m cinwe_reco catalog list | head -1; exit ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", capture_output=True, text=True, env=env,
        cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.startswith("id ")


def test_batch_notes_come_after_the_progress_bar(tmp_path):
    folder = tmp_path / "clients"
    assert run("examples", "--all", "--out", str(folder)).exit_code == 0
    write(folder / "broken.yaml", "client: X\n")
    result = run("suggest", str(folder))
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(list(folder.glob("*.yaml"))) - 1
    err = result.stderr.splitlines()
    notes = [i for i, line in enumerate(err) if line.startswith(("note (", "skipped "))]
    bar = [i for i, line in enumerate(err) if "scoring" in line]
    assert notes and (not bar or max(bar) < min(notes))
    assert all("scoring" not in err[i] for i in notes)


def test_imported_entries_say_imported(tmp_path, catalog):
    from cinwe_reco.render import tool_card

    tool = catalog.get("brevo")._replace(status="imported")
    card = tool_card(tool, catalog)
    assert f"(imported {tool.reviewed})" in card
    assert "reviewed" not in card.split("source", 1)[1].splitlines()[0]


def test_where_shows_the_user_data_folder(tmp_path):
    result = run("where")
    assert result.exit_code == 0
    assert str(tmp_path / "home") in result.output
    assert "your recorded outcomes" in result.output


def test_feedback_goes_to_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("feedback", "add", str(EXAMPLE), "trustpilot", "--outcome", "adopted")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "home" / "training" / "feedback" / "outcomes.jsonl").is_file()
    assert not (tmp_path / "training").exists()


def test_examples_list_and_write(tmp_path):
    listed = run("examples")
    assert "boulangerie-lemoine" in listed.output
    out = tmp_path / "c.yaml"
    assert run("examples", "boulangerie-lemoine", "--out", str(out)).exit_code == 0
    assert out.read_text() == EXAMPLE.read_text()
    missing = run("examples", "boulangerie-lemoin")
    assert missing.exit_code == 2 and "did you mean 'boulangerie-lemoine'" in missing.output


@pytest.mark.parametrize("name", ["profile", "suggestions"])
def test_schemas_are_shipped(name):
    result = run("schema", name)
    schema = json.loads(result.output)
    assert schema["title"] == f"cinwe-reco/{name}@1"


def test_profile_schema_knows_every_field():
    from cinwe_reco.profile import FIELDS

    schema = json.loads(run("schema", "profile").output)
    assert set(schema["properties"]) == set(FIELDS)


def test_suggestions_schema_matches_the_output():
    schema = json.loads(run("schema", "suggestions").output)
    out = json.loads(run("suggest", str(EXAMPLE), "--format", "json").stdout)
    assert set(schema["required"]) == set(out)
    item = schema["properties"]["suggestions"]["items"]
    assert all(set(item["required"]) == set(s) for s in out["suggestions"])


# ------------------------------------------------------------------ profile init


class ScriptedAsker:
    """Answers by question (the start of its prompt), in turn; the default when none is left.
    Records what the questionnaire asked and said."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = {k: list(v) for k, v in answers.items()}
        self.told: list[str] = []
        self.prompts: list[str] = []

    def ask(self, prompt: str, default: str | None) -> str:
        self.prompts.append(prompt)
        for start, queue in self.answers.items():
            if prompt.startswith(start) and queue:
                return queue.pop(0)
        return default or ""

    def tell(self, text: str) -> None:
        self.told.append(text)


def test_questionnaire_checks_each_answer_when_given(catalog):
    from cinwe_reco.questionnaire import ask_profile

    asker = ScriptedAsker({
        "Client": ["Boulangerie Dupont"], "Pays": ["librairie", "FR"],
        "Secteur": ["boulangerie"], "Salariés": ["6"], "Budget mensuel": ["80"],
        "Outils déjà": ["Sendinblue, Gmal", "Sendinblue"],
        "Besoins": ["emial-campaigns:must",
                    "Campagnes d'emailing:must, Collecte d'avis clients:nice"],
        "Objectifs": ["fidélisation"]})
    doc = ask_profile(catalog, asker, lang="fr")
    assert doc["country"] == "FR"  # asked again, answer kept
    assert doc["client"] == "Boulangerie Dupont"  # earlier answers are not lost
    assert doc["sector"] == "food-retail"
    assert doc["current_stack"] == ["brevo"]
    assert doc["needs"] == [{"capability": "email-campaigns", "priority": "must"},
                            {"capability": "review-collection", "priority": "nice"}]
    assert doc["goals"] == ["customer-retention"]
    refused = [t for t in asker.told if "merci de répondre à nouveau" in t]
    assert len(refused) == 3
    assert "LIBRAIRIE" in refused[0]
    assert "Gmal" in refused[1]
    assert "'emial-campaigns' is not a capability or category; did you mean 'email-campaigns'" \
        in refused[2]
    # the needs question offers the capabilities as a numbered list, in French
    assert any("Campagnes d'emailing" in t and "email-campaigns" in t for t in asker.told)
    assert sum(p.startswith("Pays") for p in asker.prompts) == 2


def test_needs_by_number(catalog):
    from cinwe_reco.questionnaire import parse_need

    first = next(iter(catalog.taxonomy.capabilities))
    assert parse_need("1:must", catalog) == {"capability": first, "priority": "must"}
    with pytest.raises(AnswerError, match="'sometimes' is not a priority"):
        parse_need("seo:sometimes", catalog)


def test_no_input_rules_live_in_the_library(catalog):
    from cinwe_reco.questionnaire import profile_from_answers

    with pytest.raises(AnswerError, match="client") as info:
        profile_from_answers({"needs": ["seo"]}, catalog)
    assert info.value.field == "client" and "--" not in str(info.value)
    doc = profile_from_answers({"client": "X", "needs": ["Collecte d'avis clients:must"]}, catalog)
    assert doc["employees"] == 1


def test_no_input_cli_names_the_option(tmp_path):
    result = run("profile", "init", "--no-input", "--need", "seo")
    assert result.exit_code == 2
    assert "error: --client: required" in result.output


def test_profile_init_interactive_through_click(tmp_path):
    out = tmp_path / "client.yaml"
    answers = ["Bistrot", "FR", "fr", "3", "b2c", "4", "", "", "50", "2", "1", "", "",
               "12:must", "", "", "", "", "", ""]
    result = run("--lang", "en", "profile", "init", "--out", str(out),
                 input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(out.read_text())
    assert doc["client"] == "Bistrot"
    assert doc["needs"][0]["priority"] == "must"
