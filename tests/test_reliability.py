"""Reliability (issue 15): special files, durable outcomes, --force, CSV cells, output errors,
hopeless catalogs, one separator for catalog layers."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cinwe_reco import files
from cinwe_reco.cli import cli
from cinwe_reco.errors import InputFileError, ModelError, OutputError, OutputExistsError
from cinwe_reco.files import MARKER_FILE, atomic_folder, atomic_write_text, read_bytes

from .conftest import EXAMPLES, ROOT

EXAMPLE = EXAMPLES / "boulangerie-lemoine.yaml"
needs_posix = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and rlimits")


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(tmp_path / "cache"))


def _run_cli(args: list[str], tmp_path: Path, timeout: float = 60
             ) -> subprocess.CompletedProcess:
    """The real script in a subprocess: a hang fails the test instead of freezing the suite."""
    return subprocess.run([sys.executable, "-m", "cinwe_reco", *args], env=_env(tmp_path),
                          capture_output=True, text=True, timeout=timeout)


# --------------------------------------------------------------------------- special files


@needs_posix
def test_a_link_to_dev_zero_is_refused_before_reading(tmp_path):
    link = tmp_path / "client.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputFileError, match="is a device, not a regular file"):
        read_bytes(link)


@needs_posix
def test_a_fifo_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "client.yaml"
    os.mkfifo(fifo)
    r = _run_cli(["profile", "validate", str(fifo)], tmp_path, timeout=60)
    assert r.returncode == 2
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in r.stderr


def test_the_limit_holds_while_reading_not_only_from_stat(tmp_path):
    # /proc files are regular files whose size says 0: only a bounded read catches them
    proc = Path("/proc/self/maps")
    if not proc.is_file() or proc.stat().st_size != 0:
        pytest.skip("no /proc")
    with pytest.raises(InputFileError, match="larger than the 16 bytes allowed"):
        read_bytes(proc, max_bytes=16)
    small = tmp_path / "small.txt"
    small.write_bytes(b"x" * 16)
    assert read_bytes(small, max_bytes=16) == b"x" * 16
    small.write_bytes(b"x" * 17)
    with pytest.raises(InputFileError, match="larger than"):
        read_bytes(small, max_bytes=16)


@needs_posix
def test_a_batch_folder_with_special_files_reports_them_and_goes_on(tmp_path, tiny_model):
    folder = tmp_path / "clients"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "a-good.yaml")
    os.mkfifo(folder / "b-fifo.yaml")
    (folder / "c-zero.yaml").symlink_to("/dev/zero")
    out = tmp_path / "out.jsonl"
    r = _run_cli(["--model", str(tiny_model), "suggest", str(folder), "--out", str(out)],
                 tmp_path, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "b-fifo.yaml: is a FIFO" in r.stderr and "c-zero.yaml: is a device" in r.stderr
    assert "2 profile(s) skipped, 1 scored" in r.stderr
    assert len(out.read_text().splitlines()) == 1


@needs_posix
def test_a_catalog_entry_linked_to_dev_zero_is_a_problem_not_a_flood(tmp_path):
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "zero.yaml").symlink_to("/dev/zero")
    r = CliRunner().invoke(cli, ["--catalog", str(layer), "catalog", "validate"])
    assert r.exit_code == 2
    assert "zero.yaml: is a device, not a regular file" in r.stderr


@needs_posix
def test_a_model_file_linked_to_dev_zero_is_refused(tiny_model, tmp_path):
    from cinwe_reco.ranker import RankingModel

    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    (folder / "model.txt").unlink()
    (folder / "model.txt").symlink_to("/dev/zero")
    with pytest.raises(ModelError, match="model.txt: is a device"):
        RankingModel.load(folder)


# --------------------------------------------------------------------------- durable outcomes


@pytest.fixture(scope="module")
def record(catalog):
    from cinwe_reco.feedback import feedback_record
    from cinwe_reco.profile import load_profile

    return feedback_record(load_profile(EXAMPLE, catalog), "trustpilot", "adopted", catalog, "t")


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode().split("\n")


def test_a_torn_last_line_is_closed_and_reported_never_merged(tmp_path, record):
    from cinwe_reco.feedback import append_record

    path = append_record(tmp_path, record)
    whole = path.read_bytes()
    with open(path, "ab") as handle:
        handle.write(b'{"profile_id": "fb-torn", "tool_')  # a writer died here
    told: list[str] = []
    append_record(tmp_path, record, on_repair=told.append)
    lines = _lines(path)
    assert lines[0].encode() + b"\n" == whole
    assert lines[1] == '{"profile_id": "fb-torn", "tool_'
    assert json.loads(lines[2]) == record and lines[3] == ""
    assert len(told) == 1 and str(path) in told[0] and "torn" in told[0]
    append_record(tmp_path, record, on_repair=told.append)
    assert len(told) == 1  # a whole file needs no repair


def test_every_record_is_fsynced(tmp_path, record, monkeypatch):
    from cinwe_reco import feedback

    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(feedback.os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    feedback.append_record(tmp_path, record)
    assert synced


def test_a_record_keeps_the_profile_it_was_made_for(tmp_path, catalog):
    from cinwe_reco.feedback import append_record, feedback_record, profile_id
    from cinwe_reco.profile import load_profile, profile_from_dict

    copy = tmp_path / "client.yaml"
    shutil.copy(EXAMPLE, copy)
    profile = load_profile(copy, catalog)
    path = append_record(tmp_path, feedback_record(profile, "trustpilot", "adopted", catalog, "t"))
    copy.write_text(copy.read_text().replace(profile.client, "Someone else"))  # edited later
    saved = json.loads(path.read_text())
    again = profile_from_dict(saved["profile"], catalog)
    assert again.client == profile.client and profile_id(again) == saved["profile_id"]


@needs_posix
def test_outcomes_are_never_appended_to_a_fifo(tmp_path, record):
    from cinwe_reco.feedback import append_record

    (tmp_path / "feedback").mkdir()
    os.mkfifo(tmp_path / "feedback" / "outcomes.jsonl")
    with pytest.raises(OutputError, match="outcomes.jsonl: not a regular file"):
        append_record(tmp_path, record)


FULL_DISK_WRITER = """
import json, resource, signal, sys
from pathlib import Path
from cinwe_reco.feedback import append_record
from cinwe_reco.errors import CinweError
data, limit, ignore = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "ignore"
record = json.loads(sys.argv[4])
# ignored, the write fails with EFBIG as on ENOSPC; by default the signal kills the writer
signal.signal(signal.SIGXFSZ, signal.SIG_IGN if ignore else signal.SIG_DFL)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    append_record(data, record)
except CinweError as exc:
    print(exc)
    sys.exit(2)
"""


def _write_on_a_full_disk(data, limit: int, on_signal: str, record) -> subprocess.CompletedProcess:
    """``feedback``'s append in a process whose files cannot grow past ``limit`` bytes."""
    return subprocess.run([sys.executable, "-c", FULL_DISK_WRITER, str(data), str(limit),
                           on_signal, json.dumps(record)],
                          env=_env(data), capture_output=True, text=True, timeout=60)


@needs_posix
def test_a_full_disk_records_nothing_and_names_the_file(tmp_path, record):
    from cinwe_reco.feedback import append_record

    path = append_record(tmp_path, record)
    before = path.read_bytes()
    r = _write_on_a_full_disk(tmp_path, len(before) + 100, "ignore", record)
    assert r.returncode == 2, r.stderr
    assert f"{path}: cannot record the outcome (File too large); nothing was recorded" in r.stdout
    assert path.read_bytes() == before  # the partial line was undone
    append_record(tmp_path, record)
    assert [json.loads(line) for line in path.read_text().splitlines()] == [record, record]


@needs_posix
def test_a_writer_killed_mid_record_is_never_merged_with_the_next(tmp_path, record):
    from cinwe_reco.feedback import append_record

    path = append_record(tmp_path, record)
    before = path.read_bytes()
    # SIGXFSZ's default action kills the writer between the short write and the rest
    r = _write_on_a_full_disk(tmp_path, len(before) + 100, "default", record)
    assert r.returncode == -signal.SIGXFSZ
    torn = path.read_bytes()
    assert len(torn) == len(before) + 100 and not torn.endswith(b"\n")
    append_record(tmp_path, record)
    lines = path.read_text().splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0]) == record and json.loads(lines[2]) == record
    with pytest.raises(ValueError, match="Expecting|Unterminated|Extra data"):
        json.loads(lines[1])  # the torn record stays on its own line, for train to report


# --------------------------------------------------------------------------- --force


@needs_posix
def test_out_dev_full_with_force_is_refused(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    r = CliRunner().invoke(cli, ["suggest", str(EXAMPLE), "--out", "/dev/full", "--force"])
    assert r.exit_code == 2
    assert "/dev/full: is a device, not a regular file" in r.stderr
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_folder_without_the_marker_is_never_replaced(tmp_path):
    models = tmp_path / "models"
    (models / "default").mkdir(parents=True)
    (models / "default" / "model.txt").write_text("mine")
    r = CliRunner().invoke(cli, ["train", "--data", str(tmp_path / "data"), "--out",
                                 str(models), "--force"])
    assert r.exit_code == 2
    assert "was not written by cinwe-reco" in r.stderr and MARKER_FILE in r.stderr
    assert (models / "default" / "model.txt").read_text() == "mine"
    with pytest.raises(OutputExistsError, match="not written by cinwe-reco"), atomic_folder(
            models, force=True):
        pass
    assert (models / "default" / "model.txt").read_text() == "mine"


def test_a_folder_holding_the_input_is_never_replaced(tmp_path):
    out = tmp_path / "work"
    with atomic_folder(out) as tmp:
        (tmp / "data").mkdir()
    assert (out / MARKER_FILE).is_file()  # the tool's own folder...
    r = CliRunner().invoke(cli, ["train", "--data", str(out / "data"), "--out", str(out),
                                 "--force"])
    assert r.exit_code == 2 and "holds the input" in r.stderr  # ...but it holds the input
    assert (out / "data").is_dir()


def test_catalog_import_out_at_the_inputs_folder_is_refused(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    csv_file = data / "tools.csv"
    csv_file.write_text("name,stack_count\nBrevo,10\n")
    (data / MARKER_FILE).write_text("")  # even a folder that looks like the tool's
    r = CliRunner().invoke(cli, ["catalog", "import", "stackshare", str(csv_file), "--out",
                                 str(data), "--force"])
    assert r.exit_code == 2 and f"holds the input {csv_file}" in r.stderr
    assert csv_file.read_text() == "name,stack_count\nBrevo,10\n"


def test_a_layer_given_with_catalog_is_an_input_of_import(tmp_path):
    from cinwe_reco.importers import write_layer

    layer = tmp_path / "layer"
    write_layer(layer, [], [], "readme\n")
    csv_file = tmp_path / "tools.csv"
    csv_file.write_text("name,stack_count\nBrevo,10\n")
    r = CliRunner().invoke(cli, ["--catalog", str(layer), "catalog", "import", "stackshare",
                                 str(csv_file), "--out", str(layer), "--force"])
    assert r.exit_code == 2 and "holds the input" in r.stderr


@needs_posix
def test_a_dangling_link_counts_as_existing(tmp_path):
    link = tmp_path / "out.yaml"
    link.symlink_to(tmp_path / "nowhere")
    r = CliRunner().invoke(cli, ["profile", "init", "--no-input", "--client", "X", "--need",
                                 "blog", "--out", str(link)])
    assert r.exit_code == 2 and "already exists" in r.stderr
    assert link.is_symlink() and not (tmp_path / "nowhere").exists()
    with pytest.raises(OutputExistsError, match="already exists"):
        atomic_write_text(link, "x")
    folder_link = tmp_path / "layer"
    folder_link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputExistsError, match="already exists"), atomic_folder(folder_link):
        pass
    atomic_write_text(link, "replaced\n", force=True)  # --force replaces the link, not a target
    assert not link.is_symlink() and link.read_text() == "replaced\n"


def test_a_marked_folder_is_replaced_and_is_there_at_every_instant(tmp_path):
    out = tmp_path / "layer"
    with atomic_folder(out) as tmp:
        (tmp / "v").write_text("0")
    missing: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if not os.path.isdir(out):
                missing.append(1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for i in range(1, 40):
            with atomic_folder(out, force=True) as tmp:
                (tmp / "v").write_text(str(i))
    finally:
        stop.set()
        watcher.join()
    assert (out / "v").read_text() == "39" and (out / MARKER_FILE).is_file()
    assert not [p for p in tmp_path.iterdir() if p.name != "layer"]  # no leftovers
    if files._exchange(out, out):  # the system swaps atomically: never missing
        assert not missing


def test_a_swap_killed_between_renames_is_finished_by_the_next_run(tmp_path, monkeypatch):
    out = tmp_path / "layer"
    with atomic_folder(out) as tmp:
        (tmp / "v").write_text("old")
    monkeypatch.setattr(files, "_exchange", lambda a, b: False)  # the two-rename fallback
    real_rename = os.rename
    calls: list[tuple] = []

    def rename_then_die(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed between the two renames
        real_rename(src, dst)

    monkeypatch.setattr(files.os, "rename", rename_then_die)
    with pytest.raises(KeyboardInterrupt), atomic_folder(out, force=True) as tmp:
        (tmp / "v").write_text("new")
    monkeypatch.setattr(files.os, "rename", real_rename)
    assert not out.exists() and (tmp_path / ".layer.old" / "v").read_text() == "old"
    # the next run puts the old folder back first
    with pytest.raises(OutputExistsError, match="already exists"), atomic_folder(out):
        pass
    assert (out / "v").read_text() == "old" and not (tmp_path / ".layer.old").exists()
    (tmp_path / ".layer.old").mkdir()  # a leftover beside a present folder is removed
    (tmp_path / ".layer.old" / MARKER_FILE).write_text("")
    with atomic_folder(out, force=True) as tmp:
        (tmp / "v").write_text("new")
    assert (out / "v").read_text() == "new" and not (tmp_path / ".layer.old").exists()


def test_a_model_folder_of_an_older_version_can_be_replaced(tiny_model, tmp_path):
    old = tmp_path / "model"
    shutil.copytree(tiny_model, old)
    (old / MARKER_FILE).unlink()
    assert files.is_tool_folder(old)
    (old / "notes.txt").write_text("mine")  # but not once it holds something else
    assert not files.is_tool_folder(old)


# --------------------------------------------------------------------------- CSV cells


def test_csv_cells_that_a_spreadsheet_would_evaluate_are_escaped():
    from cinwe_reco.render import CSV_COLUMNS, to_csv

    row = {c: "" for c in CSV_COLUMNS}
    row.update(client="=1+2", name='=HYPERLINK("http://evil.example","x")', reasons="+1",
               warnings="-2", covers="@SUM(A1)", need="\tx", score=-0.5, fit=42)
    text = to_csv([row])
    cells = next(csv.DictReader(io.StringIO(text, newline="")))
    assert cells["client"] == "'=1+2"
    assert cells["name"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert (cells["reasons"], cells["warnings"], cells["covers"]) == ("'+1", "'-2", "'@SUM(A1)")
    assert cells["need"] == "'\tx"
    assert to_csv([{**row, "tool_id": "\rx"}], header=False).startswith("'=1+2,,'\tx,,'\rx,")
    assert cells["score"] == "-0.5" and cells["fit"] == "42"  # numbers stay numbers


def test_suggest_csv_escapes_the_client_name(tmp_path, tiny_model):
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["client"] = "=1+2"
    profile = tmp_path / "client.yaml"
    profile.write_text(yaml.safe_dump(doc))
    r = CliRunner().invoke(cli, ["--model", str(tiny_model), "suggest", str(profile),
                                 "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = r.stdout.splitlines()[1:]
    assert rows and all(line.startswith("'=1+2,") for line in rows)


# --------------------------------------------------------------------------- output errors


def test_a_full_disk_names_the_target_not_the_temporary_file(tmp_path, monkeypatch):
    out = tmp_path / "out.json"

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "replace", full)
    with pytest.raises(OutputError) as info:
        atomic_write_text(out, "x")
    assert str(info.value) == (f"{out}: cannot write (No space left on device); nothing was "
                               "written")
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone


def test_a_permission_error_names_the_target(tmp_path, monkeypatch):
    out = tmp_path / "out.json"

    def denied(prefix, suffix, dir):
        raise PermissionError(errno.EACCES, "Permission denied", f"{dir}/{prefix}abc{suffix}")

    monkeypatch.setattr(files.tempfile, "mkstemp", denied)
    with pytest.raises(OutputError) as info:
        atomic_write_text(out, "x")
    assert str(info.value).startswith(f"{out}: cannot write (Permission denied)")
    assert ".tmp" not in str(info.value)


def test_an_os_error_without_a_file_name_has_no_empty_prefix(monkeypatch):
    from cinwe_reco.commands import Session

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Session, "catalog", full)
    r = CliRunner().invoke(cli, ["catalog", "list"])
    assert r.exit_code == 2 and r.stderr == "error: No space left on device\n"


def test_an_unwritable_out_fails_before_scoring(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    started = time.perf_counter()
    # the model does not exist: had scoring started, the error would be about the model
    r = CliRunner().invoke(cli, ["--model", str(tmp_path / "no-model"), "suggest",
                                 str(EXAMPLE), "--out", str(blocker / "out.json")])
    assert r.exit_code == 2 and "out.json: cannot write" in r.stderr and "model" not in r.stderr
    assert time.perf_counter() - started < 5
    try:  # a read-only file system, where there is one
        fd, probe = tempfile.mkstemp(dir="/sys")
    except OSError:
        pass
    else:
        os.close(fd)
        os.unlink(probe)
        pytest.skip("/sys is writable here")
    r = CliRunner().invoke(cli, ["--model", str(tmp_path / "no-model"), "suggest",
                                 str(EXAMPLE), "--out", "/sys/out.json"])
    assert r.exit_code == 2 and "/sys/out.json: cannot write" in r.stderr


# --------------------------------------------------------------------------- hopeless catalogs


def _entry(tool_id: str) -> dict:
    raw = yaml.safe_load((ROOT / "catalog" / "products" / "brevo.yaml").read_text())
    raw.update(id=tool_id, name=tool_id.title(), aliases=[])
    for key in ("platforms", "requires"):
        raw.pop(key, None)
    return raw


def test_an_entry_with_100000_unknown_integrations_fails_fast(tmp_path):
    entry = _entry("flood")
    entry["integrations"] = [f"unknown-{i}" for i in range(100_000)]
    layer = tmp_path / "layer.json"
    layer.write_text(json.dumps([entry], default=str))
    started = time.perf_counter()
    r = CliRunner().invoke(cli, ["--catalog", str(layer), "catalog", "validate"])
    assert time.perf_counter() - started < 10
    assert r.exit_code == 2 and "100,000 tool ids, more than the 1,000 allowed" in r.stderr


def test_checking_stops_after_1000_problems(tmp_path):
    entries = []
    for i in range(1_500):
        entry = _entry(f"tool-{i}")
        entry["integrations"] = [f"unknown-{i}"]
        entries.append(entry)
    layer = tmp_path / "layer.json"
    layer.write_text(json.dumps(entries, default=str))
    r = CliRunner().invoke(cli, ["--catalog", str(layer), "catalog", "validate"])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert "checking stopped after 1,000 problems" in lines[-2]
    assert "1001 problem(s) found" in lines[-1]


# --------------------------------------------------------------------------- catalog layers


def test_catalog_layers_from_env_split_on_pathsep(monkeypatch):
    from cinwe_reco.resources import catalog_layers_from_env

    monkeypatch.delenv("CINWE_RECO_CATALOG", raising=False)
    assert catalog_layers_from_env() == ()
    monkeypatch.setenv("CINWE_RECO_CATALOG", f"a b{os.pathsep}{os.pathsep}c")
    assert catalog_layers_from_env() == ("a b", "c")  # a space is part of a path


def test_the_cli_reads_the_variable_with_the_same_helper(tmp_path, monkeypatch):
    first, second = tmp_path / "first layer", tmp_path / "second"
    monkeypatch.setenv("CINWE_RECO_CATALOG", f"{first}{os.pathsep}{second}")
    r = CliRunner().invoke(cli, ["catalog", "validate"])
    assert r.exit_code == 2 and f"{first}: no such catalog file or folder" in r.stderr
    first.mkdir()
    (first / "one.json").write_text(json.dumps([_entry("layer-one")], default=str))
    r = CliRunner().invoke(cli, ["catalog", "validate"])
    assert r.exit_code == 2 and f"{second}: no such catalog file or folder" in r.stderr
    r = CliRunner().invoke(cli, ["--catalog", str(first), "catalog", "show", "layer-one"])
    assert r.exit_code == 0, r.output  # --catalog wins over the variable


@needs_posix
def test_a_fifo_as_a_catalog_or_its_patches_is_named(tmp_path):
    fifo = tmp_path / "catalog.yaml"
    os.mkfifo(fifo)
    r = _run_cli(["--catalog", str(fifo), "catalog", "validate"], tmp_path)
    assert r.returncode == 2 and "catalog.yaml: is a FIFO" in r.stderr
    layer = tmp_path / "layer"
    layer.mkdir()
    os.mkfifo(layer / "patches.json")
    r = _run_cli(["--catalog", str(layer), "catalog", "validate"], tmp_path)
    assert r.returncode == 2 and "patches.json: is a FIFO" in r.stderr
