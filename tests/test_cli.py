"""The command line as a whole: help, exit codes, errors without tracebacks, the real script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cinwe_reco.cli import cli

from .conftest import EXAMPLES, ROOT


def _commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


def test_every_command_has_help_with_an_example():
    for path, cmd in _commands(cli):
        assert cmd.help and "Example" in cmd.help, path
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, path


def test_catalog_commands():
    runner = CliRunner()
    ok = runner.invoke(cli, ["catalog", "validate"])
    assert ok.exit_code == 0 and "catalog OK: " in ok.output
    listed = runner.invoke(cli, ["catalog", "list", "--category", "crm", "--format", "json"])
    entries = json.loads(listed.output)
    assert len(entries) >= 10 and all("crm" in e["categories"] for e in entries)
    assert {"id", "pricing", "company_size", "ui_languages", "source"} <= set(entries[0])
    shown = runner.invoke(cli, ["catalog", "show", "Brevo"])
    assert shown.exit_code == 0 and "brevo.com" in shown.output
    unknown = runner.invoke(cli, ["catalog", "show", "brevvo"])
    assert unknown.exit_code == 2 and "did you mean 'brevo'" in unknown.stderr
    cat = runner.invoke(cli, ["catalog", "list", "--category", "crn"])
    assert cat.exit_code == 2 and "did you mean 'crm'" in cat.stderr
    found = runner.invoke(cli, ["catalog", "search", "emailing"])
    assert found.exit_code == 0 and "mailchimp" in found.output


def test_bad_catalog_option_is_exit_2(tmp_path):
    broken = tmp_path / "cat.yaml"
    broken.write_text("- id: Not A Slug\n")
    r = CliRunner().invoke(cli, ["--catalog", str(broken), "catalog", "validate"])
    assert r.exit_code == 2 and "id: expected a lowercase slug" in r.stderr
    missing = CliRunner().invoke(cli, ["--catalog", str(tmp_path / "nope"), "catalog", "list"])
    assert missing.exit_code == 2 and "no such catalog" in missing.stderr


@pytest.mark.parametrize("content", [b"", b"\x00\x01binary", b"[1, 2", b"\xff\xfe\xfd",
                                     b"just text", b"client: x\nneeds: 5\n"])
def test_junk_profiles_are_one_line_exit_2(tmp_path, content):
    path = tmp_path / "junk.yaml"
    path.write_bytes(content)
    r = CliRunner().invoke(cli, ["profile", "validate", str(path)])
    assert r.exit_code == 2
    assert "Traceback" not in r.output and "junk.yaml" in r.stderr


def _installed_script() -> str | None:
    here = Path(sys.executable).parent / "cinwe-reco"
    return str(here) if here.exists() else shutil.which("cinwe-reco")


@pytest.mark.skipif(_installed_script() is None, reason="cinwe-reco script not installed")
def test_installed_script_runs_suggest_as_a_subprocess(tmp_path, tiny_model):
    script = _installed_script()
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("CINWE_RECO_MODEL", None)
    example = EXAMPLES / "boulangerie-lemoine.yaml"
    done = subprocess.run([script, "--model", str(tiny_model), "suggest", str(example),
                           "--format", "json"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["schema"] == "cinwe-reco/suggestions@1"
    assert payload["client"] == "Boulangerie-Pâtisserie Lemoine"
    bad = subprocess.run([script, "suggest", str(tmp_path / "missing.yaml")], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "no such file" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.skipif(_installed_script() is None, reason="cinwe-reco script not installed")
def test_shipped_default_model_works_from_another_directory(tmp_path):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("CINWE_RECO_MODEL", None)
    example = EXAMPLES / "maison-lavande.yaml"
    done = subprocess.run([_installed_script(), "suggest", str(example), "--format", "json"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["model"]["name"] == "default", done.stderr
    assert "rule-based" not in done.stderr


def test_light_commands_do_not_import_heavy_libraries(tmp_path):
    code = (
        "import sys\n"
        "from cinwe_reco.cli import cli\n"
        "for args in (['--help'], ['catalog', 'list'], ['profile', 'validate', sys.argv[1]]):\n"
        "    try:\n"
        "        cli.main(args, standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('lightgbm', 'sklearn', 'scipy', 'pandas') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "maison-lavande.yaml")],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr


def test_environment_variables_choose_model_and_catalog_layers(tmp_path, tiny_model):
    layer = tmp_path / "layer.yaml"
    layer.write_text(json.dumps([{
        "id": "local-newsletter-tool", "name": "Local Newsletter Tool", "status": "imported",
        "website": "https://local.example", "categories": ["email-marketing"],
        "capabilities": ["email-campaigns"], "pricing": {"entry_eur_month": None},
        "source": "https://local.example", "reviewed": "2026-12-01"}]))
    env = {"CINWE_RECO_MODEL": str(tiny_model), "CINWE_RECO_CATALOG": str(layer)}
    runner = CliRunner(env=env)
    shown = runner.invoke(cli, ["catalog", "show", "local-newsletter-tool"])
    assert shown.exit_code == 0 and "imported, unreviewed" in shown.output
    result = runner.invoke(cli, ["suggest", str(EXAMPLES / "maison-lavande.yaml"),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"]["name"] == "tiny"
    assert "catalog changed since the model was trained" in result.stderr
