"""The shipped catalog's integrity, and catalog validation of broken entries."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from cinwe_reco.catalog import load_catalog, validate_catalog
from cinwe_reco.codes import COUNTRIES, LANGUAGES
from cinwe_reco.errors import CatalogError

from .conftest import ROOT

SPEC_CATEGORIES = """crm email-marketing marketing-automation social-media-management seo
web-analytics website-builder ecommerce helpdesk live-chat forms-surveys design automation
advertising reviews webinars-events sms-marketing landing-pages scheduling project-management
customer-data-platform ab-testing loyalty video local-listings consent-management
sales-prospecting business-intelligence telephony""".split()
TEN_OR_MORE = SPEC_CATEGORIES[:10]
SPEC_SECTORS = """retail food-retail restaurant-hospitality ecommerce professional-services
consulting manufacturing construction-trades health-wellness beauty real-estate tourism
education-training nonprofit software-tech agency finance-insurance logistics agriculture
arts-culture automotive""".split()
SPEC_GOALS = """lead-generation customer-retention brand-awareness online-sales local-visibility
customer-service productivity data-insight""".split()
REQUIRED_VENDORS = ["brevo", "sarbacane", "mailjet", "plezi", "webmecanik", "axonaut", "sellsy",
                    "nocrm-io", "crisp", "agorapulse", "swello", "livestorm", "axeptio", "didomi",
                    "partoo", "guest-suite", "lemlist", "waalaxy", "kaspr", "aircall", "ringover",
                    "matomo", "systeme-io", "prestashop", "wizishop", "jimdo", "pipedrive",
                    "zoho-crm"]


def test_taxonomy_defines_every_spec_id_with_labels(catalog):
    tax = catalog.taxonomy
    assert set(SPEC_CATEGORIES) <= set(tax.categories)
    assert set(SPEC_SECTORS) <= set(tax.sectors)
    assert set(SPEC_GOALS) <= set(tax.goals)
    assert len(tax.capabilities) >= 73
    for kind in (tax.categories, tax.capabilities, tax.sectors, tax.goals):
        for term in kind.values():
            assert term.en and term.fr and term.description, term.id
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", term.id)
    for cap in tax.capabilities.values():
        assert cap.related and set(cap.related) <= set(tax.categories)


def test_catalog_size_and_category_coverage(catalog):
    assert len(catalog) >= 300
    counts = Counter(c for t in catalog for c in t.categories)
    for cat in SPEC_CATEGORIES:
        assert counts[cat] >= (10 if cat in TEN_OR_MORE else 5), cat


def test_named_european_vendors_are_present(catalog):
    missing = [v for v in REQUIRED_VENDORS if v not in catalog]
    assert not missing


def test_every_entry_is_consistent(catalog):
    tax = catalog.taxonomy
    ids = [t.id for t in catalog]
    assert len(ids) == len(set(ids))
    for t in catalog:
        assert Path(t.file).stem == t.id
        assert t.vendor_country in COUNTRIES
        assert set(t.ui_languages) <= LANGUAGES and t.ui_languages
        # v2: at least one core capability, each in one of its home categories
        assert t.core_capabilities, t.id
        for cap in t.core_capabilities:
            assert set(tax.home_of(cap)) & set(t.categories), (t.id, cap)
        assert len(t.strengths) == len(t.plan_prices) == len(t.capabilities)
        assert t.presence in (1, 2, 3, 4, 5) and t.presence_evidence, t.id
        assert all(i in catalog for i in (*t.platforms, *t.requires)), t.id
        assert all(i in catalog and i != t.id for i in t.integrations), t.id
        assert 0 <= t.min_employees <= t.max_employees
        assert t.entry_eur_month is None or 0 <= t.entry_eur_month <= 100_000
        assert 1 <= t.ease_of_use <= 5
        assert t.source.startswith(("http://", "https://"))
        assert t.website.startswith(("http://", "https://"))


def test_catalog_entries_carry_every_spec_field():
    raw = yaml.safe_load((ROOT / "catalog" / "products" / "brevo.yaml").read_text())
    for key in ("id", "name", "vendor", "website", "vendor_country", "description", "categories",
                "capabilities", "pricing", "company_size", "ui_languages", "eu_hosting",
                "open_source", "self_hostable", "ease_of_use", "integrations", "sectors",
                "source", "reviewed", "market", "aliases"):
        assert key in raw
    assert {"free_plan", "entry_eur_month", "per_user", "contact_tiers"} <= set(raw["pricing"])
    assert isinstance(raw["capabilities"], dict) and "core" in raw["capabilities"].values()


def _broken_catalog(tmp_path: Path) -> Path:
    root = tmp_path / "cat"
    (root / "products").mkdir(parents=True)
    shutil.copy(ROOT / "catalog" / "taxonomy.yaml", root / "taxonomy.yaml")
    for name in ("brevo", "mailchimp", "shopify"):
        shutil.copy(ROOT / "catalog" / "products" / f"{name}.yaml", root / "products")
    brevo = yaml.safe_load((root / "products" / "brevo.yaml").read_text())
    brevo["categories"].append("emial-marketing")
    brevo["pricing"]["entry_eur_month"] = -5
    brevo["integrations"] = ["shopfy"]
    (root / "products" / "brevo.yaml").write_text(yaml.safe_dump(brevo))
    mc = yaml.safe_load((root / "products" / "mailchimp.yaml").read_text())
    del mc["vendor"]
    mc["ui_languages"] = ["english"]
    mc["ease_of_use"] = 9
    (root / "products" / "mailchimp.yaml").write_text(yaml.safe_dump(mc))
    (root / "products" / "broken.yaml").write_text("id: [unclosed\n")
    return root


def test_validation_reports_every_problem_at_once(tmp_path):
    root = _broken_catalog(tmp_path)
    catalog, problems = validate_catalog(root)
    assert catalog is None
    text = "\n".join(str(p) for p in problems)
    assert "brevo.yaml: brevo: categories: unknown category 'emial-marketing'; did you mean " \
           "'email-marketing'?" in text
    assert "brevo: pricing.entry_eur_month: expected a price" in text
    assert "brevo: integrations: unknown tool id 'shopfy'; did you mean 'shopify'?" in text
    assert "mailchimp: vendor: required field is missing" in text
    assert "mailchimp: ui_languages: unknown ISO 639-1 language 'english'" in text
    assert "mailchimp: ease_of_use: expected a whole number from 1 (hard) to 5 (easy)" in text
    assert "broken.yaml: line 2: invalid YAML" in text or "broken.yaml:" in text
    assert len(problems) >= 7


def test_load_raises_with_problems(tmp_path):
    with pytest.raises(CatalogError) as info:
        load_catalog(_broken_catalog(tmp_path))
    assert len(info.value.problems) >= 7


def test_cache_gives_the_same_catalog(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cold = load_catalog()
    assert list(tmp_path.glob("cinwe-reco/catalog-*.json"))
    warm = load_catalog()
    assert warm.tools == cold.tools and warm.fingerprint == cold.fingerprint
    assert warm.taxonomy.capabilities == cold.taxonomy.capabilities


def test_a_cache_with_a_bad_shared_list_index_is_rebuilt(tmp_path, monkeypatch):
    """A cache whose digest checks out but whose list indexes do not is ignored, with a note,
    and the catalog is rebuilt from its sources."""
    import hashlib

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = _one_entry_catalog(tmp_path, {})
    first = load_catalog(root)
    (cached,) = (tmp_path / "cache").glob("cinwe-reco/catalog-*.json")
    head, body = cached.read_text(encoding="utf-8").split("\n", 1)
    doc = json.loads(body)
    col = doc["fields"].index("ui_languages")
    doc["columns"][col][0] = -1  # would silently pick the last list
    body = json.dumps(doc)
    header = json.loads(head)
    header["body_sha256"] = hashlib.sha256(body.encode()).hexdigest()
    cached.write_text(json.dumps(header) + "\n" + body, encoding="utf-8")
    again = load_catalog(root)
    assert again.tools == first.tools
    assert any("wrong types in 'ui_languages'" in w for w in again.warnings)


def test_remembered_fingerprint_never_hides_an_edit(tmp_path, monkeypatch):
    """The fingerprint remembered by stat signature is used while the files are unchanged,
    and a same-size edit right after is still seen (its change time moves)."""
    import time

    from cinwe_reco.catalog import fingerprint as fp

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(fp, "SETTLE_SECONDS", 0.0)
    root = _one_entry_catalog(tmp_path, {"ease_of_use": 4})
    first = load_catalog(root)
    assert list((tmp_path / "cache").glob("cinwe-reco/sources-*.json"))
    calls = []
    monkeypatch.setattr(fp, "read_bytes", lambda *a: calls.append(a) or b"")
    assert load_catalog(root).fingerprint == first.fingerprint
    assert not calls  # nothing was read: the remembered fingerprint served
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    time.sleep(0.05)  # past the file system's timestamp tick
    entry = root / "products" / "brevo.yaml"
    entry.write_text(entry.read_text().replace("ease_of_use: 4", "ease_of_use: 2"))
    edited = load_catalog(root)
    assert edited.fingerprint != first.fingerprint
    assert edited.get("brevo").ease_of_use == 2


def test_recently_changed_sources_are_not_remembered(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = _one_entry_catalog(tmp_path, {})
    load_catalog(root)  # the files were written just now: within the settle time
    assert list((tmp_path / "cache").glob("cinwe-reco/catalog-*.json"))
    assert not list((tmp_path / "cache").glob("cinwe-reco/sources-*.json"))


def test_name_resolution_and_suggestions(catalog):
    assert catalog.resolve("Google Analytics 4") == "google-analytics"
    assert catalog.resolve("Google Analytics") == "google-analytics"  # as SPEC section 2 writes
    assert catalog.resolve("BREVO") == "brevo"
    assert catalog.resolve("noCRM.io") == "nocrm-io"
    assert catalog.resolve("WordPress") == "wordpress"
    assert catalog.resolve("hubspto") is None
    assert catalog.suggestion("hubspto") == "hubspot-crm"


def test_search_finds_french_capability_labels(catalog):
    ids = {t.id for t in catalog.search("prise de rendez-vous")}
    assert "calendly" in ids
    ids = {t.id for t in catalog.search("appointment booking")}
    assert "calendly" in ids
    assert catalog.search("zzzz-nothing") == []


# --------------------------------------------------------------------------- v2 facts


def _one_entry_catalog(tmp_path: Path, changes: dict, name: str = "brevo") -> Path:
    root = tmp_path / "cat"
    (root / "products").mkdir(parents=True)
    shutil.copy(ROOT / "catalog" / "taxonomy.yaml", root / "taxonomy.yaml")
    for other in ("shopify", "mailchimp", "wordpress", "woocommerce", "prestashop", "wix",
                  "zapier", "make", "salesforce-sales-cloud", "pipedrive"):
        doc = yaml.safe_load((ROOT / "catalog" / "products" / f"{other}.yaml").read_text())
        doc["integrations"] = []
        doc["platforms"], doc["requires"] = [], []
        (root / "products" / f"{other}.yaml").write_text(yaml.safe_dump(doc))
    doc = yaml.safe_load((ROOT / "catalog" / "products" / f"{name}.yaml").read_text())
    doc["integrations"] = [i for i in doc["integrations"]
                           if (root / "products" / f"{i}.yaml").exists()]
    doc.update(changes)
    (root / "products" / f"{name}.yaml").write_text(yaml.safe_dump(doc))
    return root


@pytest.mark.parametrize(("changes", "expected"), [
    ({"capabilities": {"email-campaigns": "solid", "sms-campaigns": "basic"}},
     "no core capability"),
    ({"capabilities": {"email-campaigns": "core", "ticketing": "core"}},
     "capabilities.ticketing: core capability outside the tool's categories (its home: "
     "helpdesk)"),
    ({"capabilities": {"email-campaigns": "primary"}},
     "capabilities.email-campaigns: expected core, solid or basic, got 'primary'"),
    ({"capabilities": ["email-campaigns", "sms-campaigns"]},
     "capabilities: a plain list is the v1 form; v2 gives each capability its strength"),
    ({"market": {"presence": 4}}, "market.evidence: a presence figure needs its evidence"),
    ({"market": {"presence": 7, "evidence": "x"}}, "market.presence: expected a whole number"),
    ({"platforms": ["shopfy"]}, "platforms: unknown tool id 'shopfy'; did you mean 'shopify'?"),
    ({"requires": ["brevo"]}, "requires: a tool cannot name itself"),
    ({"aliases": ["Mailchimp"]}, "aliases: alias 'Mailchimp' is already the id, name or alias "
                                 "of 'mailchimp'"),
])
def test_v2_facts_are_validated(tmp_path, changes, expected):
    _, problems = validate_catalog(_one_entry_catalog(tmp_path, changes))
    assert any(expected in str(p) for p in problems), [str(p) for p in problems]


def test_tiers_must_increase(tmp_path):
    doc = yaml.safe_load((ROOT / "catalog" / "products" / "brevo.yaml").read_text())
    pricing = dict(doc["pricing"], contact_tiers=[{"contacts": 5000, "eur_month": 20},
                                                   {"contacts": 2000, "eur_month": 30},
                                                   {"contacts": 9000, "eur_month": 10}])
    _, problems = validate_catalog(_one_entry_catalog(tmp_path, {"pricing": pricing}))
    text = "\n".join(map(str, problems))
    assert "contact_tiers[1]: tiers not increasing: contacts must grow" in text
    assert "contact_tiers[2]: tiers not increasing: a larger tier costs less" in text


def test_long_form_strength_carries_its_plan_price(catalog):
    hub = catalog.get("hubspot-marketing-hub")
    assert hub.strength("lead-scoring") in ("core", "solid")
    assert hub.plan_price("lead-scoring") > hub.entry_eur_month
    shown = hub.to_dict()["capabilities"]["lead-scoring"]
    assert shown == {"strength": hub.strength("lead-scoring"),
                     "plan_eur_month": hub.plan_price("lead-scoring")}


def test_email_price_grows_with_contacts(catalog):
    import numpy as np

    from cinwe_reco.candidates import CatalogArrays
    from cinwe_reco.costs import pair_costs

    arrays = CatalogArrays(catalog)
    row = arrays.rows(["klaviyo"])
    col = arrays.need_column[("capability", "email-campaigns")]
    sizes = np.array([2_000.0, 10_000.0, 18_000.0])
    cost, _ = pair_costs(arrays, np.repeat(row, 3), np.full(3, col), np.ones(3), sizes)
    known = cost[~np.isnan(cost)]
    assert len(known) >= 2 and (np.diff(known) > 0).all()
    tiers = catalog.get("klaviyo").contact_tiers
    assert cost[2] == next(p for c, p in tiers if c >= 18_000)


def test_aliases_resolve_former_names(catalog):
    assert catalog.resolve("Sendinblue") == "brevo"
    assert catalog.resolve("GA4") == "google-analytics"
    assert catalog.resolve("Integromat") == "make"
    assert catalog.suggestion("Sendinblu") == "brevo"


def test_a_layer_never_takes_over_a_reviewed_name(tmp_path, catalog):
    from cinwe_reco.catalog import load_catalogs

    layer = tmp_path / "layer"
    (layer / "products").mkdir(parents=True)
    (layer / "products" / "g.json").write_text(json.dumps({"entries": [{
        "id": "google-analytics-4-imported", "name": "Google Analytics 4", "status": "imported",
        "website": "https://example.org", "categories": ["web-analytics"],
        "capabilities": ["traffic-analytics"], "pricing": {"entry_eur_month": None},
        "source": "https://example.org", "reviewed": "2026-12-01"}]}))
    merged = load_catalogs([layer])
    assert "google-analytics-4-imported" in merged
    assert merged.resolve("Google Analytics 4") == "google-analytics"
    assert merged.get("google-analytics-4-imported").strength("traffic-analytics") is None


def test_catalog_list_json_gives_v2_fields():
    from click.testing import CliRunner

    from cinwe_reco.cli import cli

    out = CliRunner().invoke(cli, ["catalog", "show", "brevo", "--format", "json"])
    assert out.exit_code == 0, out.output
    entry = json.loads(out.output)
    assert entry["capabilities"]["email-campaigns"] == {"strength": "core"}
    assert entry["market"]["presence"] == 5 and entry["market"]["evidence"]
    assert "Sendinblue" in entry["aliases"] and entry["pricing"]["contact_tiers"]


# Vendors with several distinct products on one website domain (each product its own entry).
SHARED_DOMAINS = {
    "adobe.com", "atlassian.com", "business.adobe.com", "business.linkedin.com",
    "freshworks.com", "google.com", "hubspot.com", "lightspeedhq.fr", "microsoft.com",
    "monday.com", "moz.com", "salesforce.com", "shopify.com", "skeepers.io", "squareup.com",
    "stripe.com", "sumup.com", "zendesk.com", "zoho.com", "zoom.us", "woocommerce.com",
    "infomaniak.com", "salesloft.com",
}


def test_no_two_entries_share_a_domain_unless_listed(catalog):
    from cinwe_reco.importers import domain

    owners: dict[str, list[str]] = {}
    for t in catalog:
        owners.setdefault(domain(t.website), []).append(t.id)
    shared = {d for d, ids in owners.items() if len(ids) > 1}
    assert shared <= SHARED_DOMAINS, shared - SHARED_DOMAINS


def test_every_alias_and_link_resolves(catalog):
    for t in catalog:
        for alias in t.aliases:
            assert catalog.resolve(alias) == t.id, (t.id, alias)
        assert all(i in catalog for i in (*t.integrations, *t.platforms, *t.requires)), t.id


def test_grown_catalog_counts(catalog):
    """Issue 12: 650 reviewed entries; every v1 category 10+, every v2 category 6+; every
    capability with 3+ tools of which one is core."""
    assert sum(t.status == "reviewed" for t in catalog) >= 650
    counts = Counter(c for t in catalog for c in t.categories)
    v2 = ["accounting-invoicing", "e-signature", "ai-content", "marketplaces", "point-of-sale",
          "influencer-affiliate", "restaurant-booking", "privacy-compliance", "print"]
    assert all(counts[c] >= 10 for c in SPEC_CATEGORIES), {
        c: counts[c] for c in SPEC_CATEGORIES if counts[c] < 10}
    assert all(counts[c] >= 6 for c in v2)
    for cap in catalog.taxonomy.capabilities:
        having = [t for t in catalog if cap in t.capabilities]
        assert len(having) >= 3, cap
        assert any(t.strength(cap) == "core" for t in having), cap
