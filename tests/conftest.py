"""Shared fixtures: the shipped catalog, a tiny simulated data set and a tiny trained model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED_DATA = ROOT.parent / "shared" / "data"

# a valid profile most tests start from
GOOD = {
    "client": "Boulangerie Dupont",
    "sector": "food-retail",
    "business_model": "b2c",
    "employees": 6,
    "contacts": 1500,
    "budget_eur_month": 80,
    "digital_maturity": 2,
    "tech_skill": 1,
    "current_stack": ["wordpress", "Google Analytics 4"],
    "needs": [{"capability": "email-campaigns", "priority": "must"},
              {"category": "reviews", "priority": "nice"}],
    "goals": ["customer-retention"],
    "constraints": {"budget": "flexible", "exclude": ["salesforce-sales-cloud"]},
}



def load_simulator():
    """training/simulate.py (a script of the checkout, not part of the package)."""
    from training import simulate

    return simulate


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    # the catalog cache goes to a per-session temporary folder, never the user's home
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("CINWE_RECO_MODEL", raising=False)
    monkeypatch.delenv("CINWE_RECO_CATALOG", raising=False)


@pytest.fixture(scope="session")
def catalog():
    from cinwe_reco.catalog import load_catalog

    return load_catalog(use_cache=False)


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory, catalog):
    """A small training folder: 240 simulated profiles, plus the shipped expert set."""
    sim = load_simulator()
    root = tmp_path_factory.mktemp("data")
    profiles, judgments = sim.simulate(240, seed=7, catalog=catalog)
    sim.write(profiles, judgments, root / "simulated")
    expert = ROOT / "training" / "data" / "expert"
    if expert.is_dir():
        shutil.copytree(expert, root / "expert")
    return root


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, tiny_data, catalog):
    """A model trained in about a second on the tiny data."""
    from cinwe_reco.train import train_model

    out = tmp_path_factory.mktemp("models") / "tiny"
    train_model(tiny_data, out, catalog, seed=3, n_estimators=40)
    return out


@pytest.fixture(scope="session")
def recommender(tiny_model, catalog):
    from cinwe_reco.recommender import Recommender

    return Recommender.load(model=tiny_model, catalog=catalog)


@pytest.fixture
def example_paths():
    return sorted(EXAMPLES.glob("*.yaml"))
