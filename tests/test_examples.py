"""Every example of every --help runs from an empty folder after a wheel install.

The wheel is built from the checkout and installed (without dependencies, which the test's
Python already has) into a temporary folder; each command's examples run, in order, through
the installed ``cinwe-reco`` script in a fresh empty folder, with an empty user data folder.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from cinwe_reco.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


COMMANDS = [(("cinwe-reco",), cli), *(((("cinwe-reco", *p)), c) for p, c in _commands(cli))]


def help_examples(command: click.Command) -> list[str]:
    """The command lines of the 'Example(s):' block of a command's help."""
    text = command.help or ""
    if "Example" not in text:
        return []
    block = text.split("Example", 1)[1].split("\n", 1)[1]
    lines, current = [], ""
    for raw in block.splitlines():
        line = raw.strip()
        if not line:
            continue
        current = f"{current} {line}" if current else line
        if current.endswith("\\"):
            current = current[:-1].rstrip()
            continue
        lines.append(current)
        current = ""
    return lines


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path, command):
    examples = help_examples(command)
    assert examples, f"{' '.join(path)} has no example in its help"
    assert all(e.startswith("cinwe-reco ") for e in examples)
    # each command's examples show the command itself
    assert any(" ".join(path[1:]) in e for e in examples) or len(path) == 1


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel installed into a folder: (its bin/cinwe-reco, the PYTHONPATH to run it)."""
    wheels = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(wheels)], check=True)
    target = tmp_path_factory.mktemp("site")
    wheel = next(wheels.glob("*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True)
    return target / "bin" / "cinwe-reco", target


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_examples_run_from_an_empty_folder(installed, tmp_path, path, command):
    script, site = installed
    work = tmp_path / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CINWE_RECO_")}
    env.update(PYTHONPATH=str(site), CINWE_RECO_HOME=str(tmp_path / "home"),
               XDG_CACHE_HOME=str(tmp_path / "cache"))
    for line in help_examples(command):
        args = shlex.split(line)
        proc = subprocess.run([str(script), *args[1:]], cwd=work, env=env, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, f"{line}\n{proc.stderr[-2000:]}"
        # the installed package runs, not the checkout
        assert str(ROOT) not in proc.stdout + proc.stderr.replace(str(ROOT / "tests"), "")
    created = {p.name for p in work.iterdir()}
    named = {Path(a).parts[0] for line in help_examples(command)
             for a in shlex.split(line) if a.endswith((".yaml", ".md", ".jsonl", ".html", "/"))
             or a in ("my-model",)}
    assert created <= named, f"created in the current folder without being asked: {created}"
