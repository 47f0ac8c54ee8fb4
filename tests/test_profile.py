"""Client profile loading and validation (schema cinwe-reco/profile@1)."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from cinwe_reco.cli import cli
from cinwe_reco.errors import CinweError, ProfileError
from cinwe_reco.profile import load_profile, load_profiles, profile_from_dict

from .conftest import GOOD


def with_(**changes):
    doc = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def test_good_profile_and_defaults(catalog):
    p = profile_from_dict(GOOD, catalog)
    assert p.current_stack == ("wordpress", "google-analytics")
    assert p.country == "FR" and p.languages == ("fr",)
    assert p.users == 5  # min(max(employees, 1), 5)
    assert p.language == "preferred" and p.eu_hosting == "any"
    assert p.needs[1].kind == "category" and p.needs[1].priority == "nice"
    assert p.exclude == ("salesforce-sales-cloud",)


def test_minimal_profile(catalog):
    p = profile_from_dict({"client": "X", "needs": [{"capability": "blog"}]}, catalog)
    assert p.needs[0].priority == "should" and p.users == 1


BROKEN = [
    ({"client": None}, "client: required field is missing"),
    ({"needs": None}, "needs: required field is missing"),
    ({"needs": []}, "needs: the list is empty: give at least one need"),
    ({"needs": [{"capability": "emial-campaigns"}]},
     "needs[0].capability: unknown capability 'emial-campaigns'; did you mean 'email-campaigns'"),
    ({"needs": [{"category": "email-campaigns"}]},
     "needs[0].category: 'email-campaigns' is a capability id; "
     "write 'capability: email-campaigns'"),
    ({"needs": [{"capability": "blog", "priority": "urgent"}]},
     "needs[0].priority: expected one of must, should, nice"),
    ({"needs": [{"capability": "blog", "category": "seo"}]},
     "needs[0]: expected exactly one of capability or category"),
    ({"sector": "bakery"}, "sector: unknown sector 'bakery'"),
    ({"sector": "food-retial"}, "did you mean 'food-retail' (Food retail"),
    ({"employees": -1}, "employees: expected a whole number from 0"),
    ({"employees": "six"}, "employees: expected a whole number"),
    ({"employees": 2.5}, "employees: expected a whole number"),
    ({"budget_eur_month": -10}, "budget_eur_month: expected a number from 0"),
    ({"budget_eur_month": float("nan")}, "budget_eur_month: expected a number"),
    ({"budget_eur_month": float("inf")}, "budget_eur_month: expected a number"),
    ({"digital_maturity": 6}, "digital_maturity: expected a whole number from 1 to 5"),
    ({"tech_skill": 0}, "tech_skill: expected a whole number from 1 to 5"),
    ({"business_model": "b2g"}, "business_model: expected one of b2b, b2c, mixed"),
    ({"country": "France"}, "country: expected an ISO 3166-1 alpha-2 code"),
    ({"languages": ["french"]}, "languages[0]: expected an ISO 639-1 code"),
    ({"current_stack": ["hubspto"]},
     "current_stack[0]: unknown tool 'hubspto'; did you mean 'hubspot-crm'?"),
    ({"current_stack": "wordpress, nonexistent-tool-zz"}, "current_stack[0]: unknown tool"),
    ({"goals": ["more-sales"]}, "goals[0]: unknown goal 'more-sales'"),
    ({"constraints": {"eu_hosting": "yes"}},
     "constraints.eu_hosting: expected one of required, preferred, any"),
    ({"constraints": {"budjet": "strict"}},
     "constraints.budjet: unknown field; did you mean 'budget'?"),
    ({"constraints": {"exclude": ["mailchimpp"]}},
     "constraints.exclude[0]: unknown tool 'mailchimpp'; did you mean 'mailchimp'?"),
    ({"constraints": "strict"}, "constraints: expected a mapping"),
    ({"needz": [1]}, "needz: unknown field; did you mean 'needs'?"),
    ({"client": ["a", "b"]}, "client: expected text"),
    ({"users": 0}, "users: expected a whole number from 1"),
]


@pytest.mark.parametrize(("change", "message"), BROKEN, ids=[m for _, m in BROKEN])
def test_broken_profiles_name_the_field(catalog, change, message):
    with pytest.raises(ProfileError, match=None) as info:
        profile_from_dict(with_(**change), catalog, "client.yaml")
    text = str(info.value)
    assert text.startswith("client.yaml: ")
    assert message in text


def test_not_a_mapping(catalog):
    with pytest.raises(ProfileError, match="expected a profile"):
        profile_from_dict(["a"], catalog, "x.yaml")


def test_yaml_and_json_files_load_the_same(tmp_path, catalog):
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(GOOD))
    (tmp_path / "a.json").write_text(json.dumps(GOOD))
    assert load_profile(tmp_path / "a.yaml", catalog) == load_profile(tmp_path / "a.json", catalog)


def test_batches_from_folder_and_jsonl(tmp_path, catalog):
    folder = tmp_path / "clients"
    folder.mkdir()
    (folder / "a.yaml").write_text(yaml.safe_dump(GOOD))
    (folder / "b.yaml").write_text(yaml.safe_dump(with_(sector="bakery")))
    lines = tmp_path / "batch.jsonl"
    lines.write_text(json.dumps(GOOD) + "\n" + "{not json\n" + json.dumps(with_(client="Z")) + "\n")
    results = list(load_profiles([folder, lines], catalog))
    assert len(results) == 5
    kinds = [isinstance(r, CinweError) for _, r in results]
    assert kinds == [False, True, False, True, False]
    assert results[3][0].endswith("batch.jsonl:2")


def test_file_errors(tmp_path, catalog):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"client: \xff\xfe\n")
    with pytest.raises(CinweError, match="not valid UTF-8"):
        load_profile(bad, catalog)
    with pytest.raises(CinweError, match="no such file"):
        load_profile(tmp_path / "missing.yaml", catalog)
    tagged = tmp_path / "tag.yaml"
    tagged.write_text("client: !!python/object/apply:os.system ['echo hi']\nneeds: [blog]\n")
    with pytest.raises(CinweError, match="invalid YAML"):
        load_profile(tagged, catalog)
    aliases = tmp_path / "laughs.yaml"
    aliases.write_text("a: &a [x, x]\nb: &b [*a, *a]\nclient: *b\n")
    with pytest.raises(CinweError, match="aliases"):
        load_profile(aliases, catalog)


def test_examples_are_valid_and_varied(example_paths, catalog):
    assert len(example_paths) >= 10
    profiles = [load_profile(p, catalog) for p in example_paths]
    assert len({p.sector for p in profiles}) >= 8
    assert min(p.employees for p in profiles) == 0
    assert max(p.employees for p in profiles) >= 200
    budgets = [p.budget_eur_month for p in profiles]
    assert min(budgets) == 0 and max(budgets) >= 1000


def test_validate_command(tmp_path, example_paths):
    runner = CliRunner()
    ok = runner.invoke(cli, ["profile", "validate", *map(str, example_paths[:3])])
    assert ok.exit_code == 0 and ok.output.count("ok: ") == 3
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(with_(sector="bakery")))
    bad = runner.invoke(cli, ["profile", "validate", str(example_paths[0]),
                              str(tmp_path / "bad.yaml")])
    assert bad.exit_code == 2
    assert "sector: unknown sector 'bakery'" in bad.stderr
    assert "Traceback" not in bad.output + bad.stderr


def test_init_no_input_writes_a_valid_profile(tmp_path, catalog):
    out = tmp_path / "new.yaml"
    args = ["profile", "init", "--no-input", "--client", "Garage Test", "--sector", "automotive",
            "--employees", "4", "--budget", "60", "--need", "sms-campaigns:must",
            "--need", "reviews:nice", "--stack", "Google Business Profile", "--out", str(out)]
    runner = CliRunner()
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    p = load_profile(out, catalog)
    assert p.needs[0].id == "sms-campaigns" and p.needs[1].kind == "category"
    assert p.current_stack == ("google-business-profile",)
    again = runner.invoke(cli, args)
    assert again.exit_code == 2 and "already exists" in again.stderr
    bad = runner.invoke(cli, ["profile", "init", "--no-input", "--client", "X",
                              "--need", "emial-campaigns"])
    assert bad.exit_code == 2 and "did you mean 'email-campaigns'" in bad.stderr


def test_init_interactive_reasks_on_bad_answers(tmp_path, catalog):
    out = tmp_path / "asked.yaml"
    answers = "\n".join([
        "Salon Test", "FR", "fr",
        "bakery", "beauty",            # a wrong sector is asked again
        "b2c", "3", "3", "400", "60", "2", "1",
        "hubspto", "Canva",            # an unknown tool is asked again
        "",
        "emial-campaigns:must", "email-campaigns:must, review-collection:nice",
        "local-visibility",
        "flexible", "preferred", "any", "preferred", "",
    ]) + "\n"
    result = CliRunner().invoke(cli, ["profile", "init", "--out", str(out)], input=answers)
    assert result.exit_code == 0, result.output
    assert "did you mean 'hubspot-crm'" in result.output
    assert "did you mean 'email-campaigns'" in result.output
    p = load_profile(out, catalog)
    assert p.sector == "beauty" and p.current_stack == ("canva",)
    assert [n.id for n in p.needs] == ["email-campaigns", "review-collection"]
    assert p.eu_hosting == "preferred"
