"""Importing public data sets as catalog layers, and how the engine treats unreviewed entries."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from cinwe_reco.candidates import CatalogArrays, find_candidates
from cinwe_reco.catalog import load_catalog, load_catalogs
from cinwe_reco.cli import cli
from cinwe_reco.features import FEATURE_NAMES, build_features
from cinwe_reco.importers import stackshare, webappanalyzer
from cinwe_reco.profile import load_profile
from cinwe_reco.recommender import Recommender

from .conftest import EXAMPLES, SHARED_DATA

CATEGORIES = {"10": {"name": "Analytics", "groups": [8]}, "22": {"name": "Web servers",
              "groups": [7]}, "32": {"name": "Marketing automation", "groups": [2]},
              "75": {"name": "Email", "groups": [4, 2]}}
TECHNOLOGIES = {
    "Acme Mail": {"cats": [75], "website": "https://acme-mail.example", "saas": True,
                  "description": "Acme Mail sends newsletters.",
                  "pricing": ["freemium", "low", "recurring"]},
    "Mailchimp": {"cats": [75], "website": "https://mailchimp.com", "pricing": ["mid"]},
    "Some Brevo Widget": {"cats": [32], "website": "https://www.brevo.com/widget"},
    "Nginx": {"cats": [22], "website": "https://nginx.org"},
    "Open Stats": {"cats": [10], "website": "https://openstats.example", "oss": True},
    "Quote Suite": {"cats": [32, 75], "website": "https://quote.example", "pricing": ["poa"]},
}


@pytest.fixture
def wa_folder(tmp_path):
    folder = tmp_path / "webappanalyzer"
    (folder / "technologies").mkdir(parents=True)
    (folder / "categories.json").write_text(json.dumps(CATEGORIES))
    (folder / "technologies" / "a.json").write_text(json.dumps(TECHNOLOGIES))
    return folder


@pytest.fixture
def layer(tmp_path, wa_folder, catalog):
    out = tmp_path / "imported"
    report = webappanalyzer.run(wa_folder, out, catalog)
    assert (report.read, report.mapped, report.merged, report.skipped) == (6, 3, 2, 1)
    return out


def test_webappanalyzer_import_maps_prices_and_marks_entries(layer, catalog):
    merged = load_catalogs([layer])
    acme = merged.get("acme-mail")
    assert acme.status == "imported" and acme.categories == ("email-marketing",)
    assert acme.capabilities == ("email-campaigns",)
    assert acme.free_plan is True and acme.entry_eur_month == 30.0 and acme.price_estimated
    assert acme.self_hostable is False and acme.open_source is None
    assert acme.ui_languages is None and acme.eu_hosting is None and acme.min_employees is None
    assert acme.sources[0]["licence"] == "GPL-3.0"
    assert merged.get("open-stats").open_source is True
    assert merged.get("quote-suite").quote_only is True
    assert "nginx" not in merged
    assert len(merged) == len(catalog) + 3


def test_duplicates_merge_into_reviewed_entries_without_touching_facts(layer, catalog):
    merged = load_catalogs([layer])
    for tool_id, how in (("mailchimp", "name"), ("brevo", "domain")):
        before, after = catalog.get(tool_id), merged.get(tool_id)
        assert after.status == "reviewed"
        assert after._replace(sources=()) == before._replace(sources=())
        assert {"name": "webappanalyzer", "url": webappanalyzer.SOURCE_URL,
                "licence": "GPL-3.0", "matched_by": how} in after.sources


def test_a_layer_never_overwrites_a_reviewed_fact(tmp_path, catalog):
    entry = yaml.safe_load((EXAMPLES.parent / "catalog" / "products" / "brevo.yaml").read_text())
    entry["pricing"]["entry_eur_month"] = 999
    entry["ui_languages"] = ["de"]
    entry["source"] = "https://example.org/other"
    entry["integrations"] = []  # so the layer also stands alone
    entry["platforms"], entry["requires"] = [], []
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump([entry]))
    merged = load_catalogs([tmp_path / "mine.yaml"])
    brevo = merged.get("brevo")
    assert brevo.entry_eur_month == catalog.get("brevo").entry_eur_month
    assert brevo.ui_languages == catalog.get("brevo").ui_languages
    assert any(s["url"] == "https://example.org/other" for s in brevo.sources)
    alone = load_catalogs([tmp_path / "mine.yaml"], include_default=False)
    assert len(alone) == 1 and alone.get("brevo").entry_eur_month == 999


def test_stackshare_popularity_patch(tmp_path, layer, catalog):
    csv_file = tmp_path / "tools.csv"
    csv_file.write_text("url,name,stack_count\nhttps://stackshare.io/mailchimp,Mailchimp,1000\n"
                        "https://stackshare.io/acme-mail,ACME MAIL,10\n"
                        "https://stackshare.io/nobody,Nobody Knows,5\n")
    base = load_catalogs([layer])
    out = tmp_path / "popularity"
    report = stackshare.run(csv_file, out, base)
    assert (report.rows, report.matched_rows, report.matched_entries) == (3, 2, 2)
    assert "66.7%" in report.summary()
    merged = load_catalogs([layer, out])
    assert merged.get("mailchimp").popularity == 1.0
    assert merged.get("acme-mail").popularity == pytest.approx(math.log1p(10) / math.log1p(1000),
                                                               abs=1e-4)
    assert merged.get("brevo").popularity is None
    assert any(s.get("attribution") == stackshare.ATTRIBUTION
               for s in merged.get("mailchimp").sources)
    arrays = CatalogArrays(merged)
    p = load_profile({"client": "x", "needs": [{"capability": "email-campaigns"}]}, merged)
    cand = find_candidates(p, arrays)
    X, pairs = build_features(p, arrays, cand)
    pop = dict(zip(arrays.ids[pairs.rows], X[:, FEATURE_NAMES.index("popularity")], strict=True))
    assert pop["mailchimp"] == 1.0 and np.isnan(pop["brevo"])  # missing, not zero


def test_unknown_facts_are_missing_values_and_fail_requirements(layer):
    merged = load_catalogs([layer])
    arrays = CatalogArrays(merged)
    doc = {"client": "x", "languages": ["fr"], "employees": 4, "budget_eur_month": 100,
           "needs": [{"capability": "email-campaigns", "priority": "must"}],
           "constraints": {"eu_hosting": "preferred", "language": "preferred"}}
    p = load_profile(doc, merged)
    cand = find_candidates(p, arrays)
    X, pairs = build_features(p, arrays, cand)
    row = list(arrays.ids[pairs.rows]).index("acme-mail")
    for name in ("size_fit", "language_fit", "eu_fit", "ease_of_use", "skill_gap", "sector_fit",
                 "need_strength", "presence"):
        assert np.isnan(X[row, FEATURE_NAMES.index(name)]), name
    assert X[row, FEATURE_NAMES.index("monthly_cost_eur")] == 0.0  # its free plan fits
    rec = Recommender.load(catalog=merged)
    strict = dict(doc, constraints={"eu_hosting": "required", "language": "required"})
    result = rec.suggest(strict)
    shown = {s.tool_id for s in result.suggestions} | set(result.stack.tools)
    assert "acme-mail" not in shown
    exp = rec.explain(strict, "acme-mail")
    assert exp.status == "excluded" and "unknown" in exp.message


def test_suggest_and_explain_flag_unreviewed_entries(layer, monkeypatch):
    # the flag is the subject, not the model's opinion of a tool with unknown facts: show
    # every candidate, however low its fit
    monkeypatch.setattr("cinwe_reco.shortlists.MIN_FIT", 0.0)
    merged = load_catalogs([layer])
    rec = Recommender.load(catalog=merged)
    doc = {"client": "x", "needs": [{"capability": "email-campaigns", "priority": "must"}],
           "budget_eur_month": 50}
    exp = rec.explain(doc, "acme-mail")
    assert any("imported, unreviewed: check the facts" in w and "ui_languages" in w
               for w in exp.warnings)
    unknown = [c for c in exp.contributions if c.words.startswith("unknown")]
    assert {c.feature for c in unknown} >= {"size_fit", "eu_fit"}
    result = rec.suggest(doc, top=100)
    acme = [s for s in result.suggestions if s.tool_id == "acme-mail"]
    assert acme and any(w.startswith("imported, unreviewed") for w in acme[0].warnings)


def test_import_commands(tmp_path, wa_folder):
    runner = CliRunner()
    out = tmp_path / "layer"
    r = runner.invoke(cli, ["catalog", "import", "webappanalyzer", str(wa_folder), "--out",
                            str(out)])
    assert r.exit_code == 0, r.output
    assert "read 6 technologies: 3 imported, 2 merged" in r.output
    again = runner.invoke(cli, ["catalog", "import", "webappanalyzer", str(wa_folder), "--out",
                                str(out)])
    assert again.exit_code == 2 and "already exists" in again.stderr
    ok = runner.invoke(cli, ["--catalog", str(out), "catalog", "validate"])
    assert ok.exit_code == 0 and "3 imported and unreviewed" in ok.output
    shown = runner.invoke(cli, ["--catalog", str(out), "catalog", "show", "acme-mail"])
    assert "unreviewed" in shown.output and "unknown" in shown.output
    bad = runner.invoke(cli, ["catalog", "import", "webappanalyzer", str(tmp_path), "--out",
                              str(tmp_path / "x")])
    assert bad.exit_code == 2 and "not a webappanalyzer folder" in bad.stderr
    csv_file = tmp_path / "s.csv"
    csv_file.write_text("url,name,stack_count\nhttps://stackshare.io/hubspot,HubSpot CRM,50\n")
    pop = runner.invoke(cli, ["--catalog", str(out), "catalog", "import", "stackshare",
                              str(csv_file), "--out", str(tmp_path / "pop")])
    assert pop.exit_code == 0 and "1 matched" in pop.output
    listed = runner.invoke(cli, ["--catalog", str(out), "--catalog", str(tmp_path / "pop"),
                                 "catalog", "list", "--format", "json"])
    entries = {e["id"]: e for e in json.loads(listed.output)}
    assert entries["hubspot-crm"]["popularity"] == 1.0
    assert entries["acme-mail"]["status"] == "imported"
    none = runner.invoke(cli, ["--no-default-catalog", "catalog", "list"])
    assert none.exit_code == 2 and "no catalog" in none.stderr


@pytest.mark.skipif(not (SHARED_DATA / "webappanalyzer").is_dir(),
                    reason="../shared/data is not beside this checkout")
def test_real_data_sets_import_and_rank_sensibly(tmp_path, tiny_model):
    base = load_catalog()
    imported = tmp_path / "imported"
    report = webappanalyzer.run(SHARED_DATA / "webappanalyzer", imported, base)
    assert report.read == 7586
    assert report.mapped >= 3000 and report.merged >= 100
    assert report.mapped + report.merged + report.skipped + report.invalid == report.read
    merged = load_catalogs([imported])
    popularity = tmp_path / "popularity"
    pop = stackshare.run(SHARED_DATA / "stackshare" / "tools-business.csv", popularity, merged)
    assert pop.rows == 4378 and pop.matched_entries >= 300
    merged = load_catalogs([imported, popularity])
    assert sum(t.status == "imported" for t in merged) >= 3000
    from cinwe_reco.resources import shipped_models_dir

    rec = Recommender.load(model=shipped_models_dir() / "default", catalog=merged)
    for path in sorted(EXAMPLES.glob("*.yaml")):
        result = rec.suggest(path)
        for need, ids in result.by_need.items():
            for tool_id in ids[:3]:
                tool = merged.get(tool_id)
                assert tool.status == "reviewed" or not tool.unknown_facts, (path.name, need,
                                                                              tool_id)


# --------------------------------------------------------------------------- awesome-selfhosted


def _selfhosted_folder(root):
    software = root / "software"
    software.mkdir(parents=True)
    history = {f"2026-{m:02d}": 10 for m in range(1, 9)}
    apps = {
        "plausible": {"name": "Plausible Analytics", "website_url": "https://plausible.io",
                      "tags": ["Analytics"], "stargazers_count": 21000, "archived": False,
                      "updated_at": "2026-08-21", "commit_history": history},
        "newsy": {"name": "Newsy Lists", "website_url": "https://newsy.example.org",
                  "description": "Mailing lists", "licenses": ["AGPL-3.0"],
                  "tags": ["Communication - Email - Mailing Lists and Newsletters"],
                  "stargazers_count": 1200, "archived": False, "updated_at": "2026-08-20",
                  "source_code_url": "https://github.com/example/newsy",
                  "commit_history": history},
        "dead": {"name": "Dead CRM", "website_url": "https://dead.example.org",
                 "tags": ["Customer Relationship Management (CRM)"], "archived": True,
                 "updated_at": "2021-01-01", "commit_history": {}},
        "quiet": {"name": "Quiet CRM", "website_url": "https://quiet.example.org",
                  "tags": ["Customer Relationship Management (CRM)"], "archived": False,
                  "updated_at": "2023-01-01", "commit_history": {"2023-01": 4}},
        "game": {"name": "Some Game", "website_url": "https://game.example.org",
                 "tags": ["Games"], "archived": False, "updated_at": "2026-08-01",
                 "commit_history": history},
    }
    for name, app in apps.items():
        (software / f"{name}.yml").write_text(yaml.safe_dump(app))
    return root


def test_awesome_selfhosted_import(tmp_path, catalog):
    from cinwe_reco.importers import awesome_selfhosted

    folder = _selfhosted_folder(tmp_path / "data")
    out = tmp_path / "layer"
    report = awesome_selfhosted.run(folder, out, catalog)
    assert (report.read, report.mapped, report.merged) == (5, 1, 1)
    assert (report.skipped, report.archived, report.inactive) == (1, 1, 1)
    merged = load_catalogs([out])
    newsy = merged.get("newsy-lists")
    assert newsy.status == "imported" and newsy.open_source and newsy.self_hostable
    assert newsy.strength("email-campaigns") is None  # unknown, never core by default
    assert newsy.presence == 2 and "1,200 GitHub stars" in newsy.presence_evidence
    assert any(s.get("attribution") == awesome_selfhosted.ATTRIBUTION for s in newsy.sources)
    plausible = merged.get("plausible")  # the reviewed entry gains the source, no duplicate
    assert plausible.status == "reviewed"
    assert any(s["name"] == "awesome-selfhosted" for s in plausible.sources)
    assert "dead-crm" not in merged and "quiet-crm" not in merged


@pytest.mark.skipif(not (SHARED_DATA / "awesome-selfhosted").is_dir(),
                    reason="../shared/data is not beside the clone")
def test_awesome_selfhosted_real_data_set(tmp_path, catalog):
    from cinwe_reco.importers import awesome_selfhosted

    report = awesome_selfhosted.run(SHARED_DATA / "awesome-selfhosted", tmp_path / "l", catalog)
    assert report.read > 1000 and report.mapped > 100 and report.merged > 20
    merged = load_catalogs([tmp_path / "l"])
    assert merged.resolve("Matomo") == "matomo"  # merged, not duplicated


def test_catalog_stats_command(catalog):
    out = CliRunner().invoke(cli, ["catalog", "stats", "--format", "json"])
    assert out.exit_code == 0, out.output
    stats = json.loads(out.output)
    assert stats["entries"] == len(catalog)
    assert stats["categories"]["crm"] == sum("crm" in t.categories for t in catalog)
    brevo_caps = catalog.get("brevo").capabilities
    assert all(stats["capabilities"][c]["tools"] >= 1 for c in brevo_caps)
    assert 0 < stats["share_french_interface"] <= 1
    text = CliRunner().invoke(cli, ["catalog", "stats"]).output
    assert "entries per category" in text and "vendor countries" in text
