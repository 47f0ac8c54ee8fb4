"""Nothing the user owns is lost: concurrent feedback appends, interrupted writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import EXAMPLES, ROOT

WRITER = """
import sys
from pathlib import Path
from cinwe_reco.catalog import load_catalog
from cinwe_reco.feedback import append_record, feedback_record
from cinwe_reco.profile import load_profile
catalog = load_catalog()
profile = load_profile(sys.argv[2], catalog)
for i in range(int(sys.argv[3])):
    record = feedback_record(profile, "trustpilot", "adopted", catalog, "test")
    record["client"] = f"writer {sys.argv[4]} record {i} " + "x" * 3000  # beyond one page
    append_record(Path(sys.argv[1]), record)
"""


def test_eight_processes_append_1600_whole_records(tmp_path):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    example = str(EXAMPLES / "boulangerie-lemoine.yaml")
    subprocess.run([sys.executable, "-c", "from cinwe_reco.catalog import load_catalog; "
                    "load_catalog()"], env=env, check=True)  # warm the cache once
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), example, "200",
                               str(n)], env=env) for n in range(8)]
    assert all(p.wait(timeout=300) == 0 for p in procs)
    lines = (tmp_path / "feedback" / "outcomes.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 1600
    seen = {(r["client"].split()[1], r["client"].split()[3]) for r in records}
    assert len(seen) == 1600


KILLED_WRITER = """
import sys
from pathlib import Path
from cinwe_reco.files import atomic_write_text

big = "new data\\n" * 30_000_000  # about 270 MB: the write takes a while
print("ready", flush=True)
atomic_write_text(Path(sys.argv[1]), big, force=True)
"""


def test_killed_writer_leaves_the_old_file_intact(tmp_path):
    target = tmp_path / "suggestions.jsonl"
    target.write_text("old content\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], env=env,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    deadline = time.time() + 30
    while time.time() < deadline and not list(tmp_path.glob(".suggestions.jsonl.*.tmp")):
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert target.read_text() == "old content\n"


def test_out_file_is_never_overwritten_without_force(tmp_path):
    from click.testing import CliRunner

    from cinwe_reco.cli import cli

    out = tmp_path / "client.yaml"
    out.write_text("mine\n")
    r = CliRunner().invoke(cli, ["profile", "init", "--no-input", "--client", "X",
                                 "--need", "blog", "--out", str(out)])
    assert r.exit_code == 2 and out.read_text() == "mine\n"
    r = CliRunner().invoke(cli, ["suggest", str(EXAMPLES / "maison-lavande.yaml"),
                                 "--out", str(out)])
    assert r.exit_code == 2 and out.read_text() == "mine\n"
    assert Path(out).stat().st_size == 5
