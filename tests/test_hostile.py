"""Hostile and broken inputs: profiles, catalogs and model folders from strangers.

Every case must end with a CinweError (exit 2 and one clear line in the CLI), never another
exception, a traceback, or code execution.
"""

from __future__ import annotations

import json
import math
import shutil

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cinwe_reco.catalog import validate_catalog
from cinwe_reco.cli import cli
from cinwe_reco.errors import CinweError, ModelError
from cinwe_reco.profile import profile_from_dict
from cinwe_reco.ranker import RankingModel

from .conftest import GOOD, ROOT

weird_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", " ", "\x00", "\u202e", "💥" * 50, "a" * 10_000, "../../etc/passwd", "null", "NaN"])
scalars = (st.none() | st.booleans() | st.integers(-10**30, 10**30)
           | st.floats(allow_nan=True, allow_infinity=True) | weird_text)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(weird_text, inner, max_size=4), max_leaves=12)
FIELDS = list(GOOD) + ["users", "country", "languages", "other_tools", "schema"]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=values)
def test_any_value_in_any_field_is_a_clean_error_or_valid(catalog, field, value):
    doc = json.loads(json.dumps(GOOD))
    doc[field] = value
    try:
        profile_from_dict(doc, catalog, "fuzz.yaml")
    except CinweError as exc:
        text = str(exc)
        assert text.startswith("fuzz.yaml") and "\n" not in text


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=values)
def test_any_document_is_a_clean_error_or_valid(catalog, doc):
    """Any document gives a Profile or a CinweError naming the file: never another exception."""
    try:
        profile = profile_from_dict(doc, catalog, "fuzz.yaml")
    except CinweError as exc:
        assert str(exc).startswith("fuzz.yaml"), str(exc)
    else:
        assert profile.needs and profile.client


HOSTILE_FILES = {
    "empty.yaml": b"",
    "binary.yaml": bytes(range(256)) * 4,
    "latin1.yaml": "client: Boulangerie Dupré\n".encode("latin-1"),
    "deep.yaml": b"client: " + b"[" * 50_000 + b"]" * 50_000,
    "deep.json": b'{"client": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "laughs.yaml": b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
                   b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                   b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nclient: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
    "python.yaml": b"client: !!python/object/apply:os.system ['touch PWNED']\nneeds: [blog]\n",
    "nan.json": b'{"client": "x", "needs": ["blog"], "budget_eur_month": NaN}',
    "huge-number.yaml": b"client: x\nneeds: [blog]\nemployees: 1" + b"0" * 5000 + b"\n",
    "controls.yaml": b"client: \"a\\x07b\\x1bc\"\nneeds: [blog]\n",
    "list.yaml": b"- client: x\n",
    "tabs.yaml": b"client:\tx\n\tneeds: [blog]\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_profile_files_exit_2_with_one_line(tmp_path, name, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / name
    path.write_bytes(HOSTILE_FILES[name])
    for args in (["profile", "validate", str(path)], ["suggest", str(path)]):
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 2, (name, r.output)
        lines = [x for x in r.stderr.splitlines() if x.strip()]
        assert lines and all(name in x or x.startswith("error:") for x in lines)
        assert "Traceback" not in r.output and len(r.stderr) < 2000
    assert not (tmp_path / "PWNED").exists()


def test_50_megabyte_profile_is_refused_quickly(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:
        handle.write(b"client: x\nnotes: '")
        handle.write(b"a" * (50 * 1024 * 1024))
        handle.write(b"'\n")
    r = CliRunner().invoke(cli, ["profile", "validate", str(path)])
    assert r.exit_code == 2 and "larger than" in r.stderr


@pytest.fixture
def catalog_copy(tmp_path):
    root = tmp_path / "catalog"
    (root / "products").mkdir(parents=True)
    shutil.copy(ROOT / "catalog" / "taxonomy.yaml", root)
    names = ("brevo", "mailchimp", "shopify", "wordpress", "zapier")
    for name in names:
        entry = yaml.safe_load((ROOT / "catalog" / "products" / f"{name}.yaml").read_text())
        for links in ("integrations", "platforms", "requires"):
            entry[links] = [i for i in entry.get(links, []) if i in names]
        (root / "products" / f"{name}.yaml").write_text(yaml.safe_dump(entry))
    assert validate_catalog(root)[1] == []
    return root


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(["id", "name", "pricing", "categories", "capabilities",
                              "company_size", "ui_languages", "ease_of_use", "integrations",
                              "reviewed", "eu_hosting", "popularity", "website"]),
       value=values)
def test_hostile_catalog_entries_are_reported_not_raised(catalog_copy, field, value):
    path = catalog_copy / "products" / "brevo.yaml"
    entry = yaml.safe_load(path.read_text())
    entry[field] = value if not (isinstance(value, float) and math.isnan(value)) else "nan"
    path.write_text(yaml.safe_dump(entry, allow_unicode=True))
    catalog, problems = validate_catalog(catalog_copy)
    assert (catalog is None) == bool(problems)
    for p in problems:
        assert "\n" not in str(p)


@pytest.mark.parametrize("name", ["binary.yaml", "laughs.yaml", "python.yaml", "deep.yaml"])
def test_hostile_catalog_files(catalog_copy, name):
    (catalog_copy / "products" / name).write_bytes(HOSTILE_FILES[name])
    for args in (["--catalog", str(catalog_copy), "catalog", "validate"],
                 ["--catalog", str(catalog_copy), "suggest",
                  str(ROOT / "examples" / "maison-lavande.yaml")]):
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 2 and name in r.stderr and "Traceback" not in r.output


# --------------------------------------------------------------------------- model folders


def _copy(tiny_model, tmp_path, name):
    folder = tmp_path / name
    shutil.copytree(tiny_model, folder)
    return folder


def test_edited_metadata_is_refused(tiny_model, tmp_path):
    folder = _copy(tiny_model, tmp_path, "edited-meta")
    meta = json.loads((folder / "metadata.json").read_text())
    meta["calibration"]["fit"] = [100.0 for _ in meta["calibration"]["fit"]]
    (folder / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="metadata was edited"):
        RankingModel.load(folder)


def test_wrong_feature_count_in_the_booster_is_refused(tiny_model, tmp_path):
    import hashlib

    from cinwe_reco.ranker import metadata_digest

    folder = _copy(tiny_model, tmp_path, "wrong-count")
    text = (folder / "model.txt").read_text()
    text = text.replace("max_feature_idx=", "max_feature_idx=1", 1)  # 28 -> 128 features
    (folder / "model.txt").write_text(text)
    meta = json.loads((folder / "metadata.json").read_text())
    meta["model_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    meta["metadata_sha256"] = metadata_digest(meta)
    (folder / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="feature"):
        RankingModel.load(folder)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "no-metadata", "metadata-junk"])
def test_damaged_model_folders_are_refused(tiny_model, tmp_path, damage):
    folder = _copy(tiny_model, tmp_path, damage)
    if damage == "truncate":
        raw = (folder / "model.txt").read_bytes()
        (folder / "model.txt").write_bytes(raw[:1000])
    elif damage == "garbage":
        (folder / "model.txt").write_bytes(b"\x80\x04\x95 not a model")
    elif damage == "no-metadata":
        (folder / "metadata.json").unlink()
    else:
        (folder / "metadata.json").write_text("{not json")
    with pytest.raises(ModelError, match=str(folder)):
        RankingModel.load(folder)
    r = CliRunner().invoke(cli, ["--model", str(folder), "suggest",
                                 str(ROOT / "examples" / "maison-lavande.yaml")])
    assert r.exit_code == 2 and str(folder) in r.stderr and "Traceback" not in r.output
