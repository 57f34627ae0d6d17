"""The execution engine: targets, the run lock, manifests, staging, processes, clean errors.

Fast units first; then drills on a tiny project (one-cell notebooks) run through the real
``innsikt run``: no process of a run is left after it ends or after a SIGKILL, two runs at once
keep both trees intact, a tampered report folder is rebuilt, and an unwritable ``reports/`` or
missing loopback networking gives one clear line.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from engine_project import ANALYSES, cli, kill_group, make_tiny_project, wait_for

from pipeline.engine import lock, procs, publish, state, targets


# --- targets ---------------------------------------------------------------------------------
def test_area_codes_expand_counties_and_all():
    buskerud = targets.area_codes("county:33")
    assert len(buskerud) == 18 and all(c.startswith("33") and len(c) == 4 for c in buskerud)
    assert targets.area_codes("4005, 4204,4005") == ["4005", "4204"]
    everything = targets.area_codes("all")
    assert len([c for c in everything if len(c) == 4]) == 357
    assert len([c for c in everything if len(c) == 2]) == 15 and "0" in everything
    with pytest.raises(Exception, match="99999"):
        targets.area_codes("99999")
    with pytest.raises(ValueError, match="county:99"):
        targets.area_codes("county:99")


def test_slugs_and_language_trees(monkeypatch, tmp_path):
    assert targets.slug("Bø i Telemark") == "bo-i-telemark"
    assert targets.slug("Ålesund") == "alesund" and targets.slug("Hæstad/Øya") == "haestad-oya"
    monkeypatch.setenv("INNSIKT_ROOT", str(tmp_path))
    assert targets.tree("") == tmp_path / "reports" == targets.tree("nb")
    assert targets.tree("en") == tmp_path / "reports" / "en"
    target = targets.area_target("4204", "en", list(ANALYSES))
    assert target.out_dir == tmp_path / "reports" / "en" / "areas" / "4204-kristiansand"
    assert target.program == "" and target.region == "4204" and target.language == "en"


def test_area_stand_in_programme_names_the_area():
    program = targets.area_program("4005", "nb")
    assert program.title == "Notodden" and program.id == "4005-notodden"
    assert program.indicators == [] and program.region.label == "Notodden"


# --- lock ------------------------------------------------------------------------------------
def _hold_lock(reports: Path) -> subprocess.Popen:
    code = ("import sys, time; from pathlib import Path; from pipeline.engine import lock\n"
            "with lock.run_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(reports)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_notebooks_go_in_groups_of_targets_that_finish_together():
    """Targets in groups of as many as there are workers (the last group full), each group's
    notebooks interleaved longest first, so the last renders run side by side."""
    from types import SimpleNamespace

    from pipeline.engine.runner import notebook_order

    names = ["a", "b", "c", "d", "e"]
    todo = [SimpleNamespace(key=n, analyses=["youth_dropout", "competence_gap", "migration"])
            for n in names]
    order = [(t.key, a[0]) for t, a in notebook_order(todo, 2)]
    assert order == [("a", "c"), ("a", "m"), ("a", "y"),
                     ("b", "c"), ("c", "c"), ("b", "m"), ("c", "m"), ("b", "y"), ("c", "y"),
                     ("d", "c"), ("e", "c"), ("d", "m"), ("e", "m"), ("d", "y"), ("e", "y")]
    # every notebook exactly once, whatever the worker count
    for workers in (1, 2, 3, 8):
        assert sorted((t.key, a) for t, a in notebook_order(todo, workers)) == sorted(
            (t.key, a) for t in todo for a in t.analyses)


def test_outputs_are_the_nodes_nbformat_makes_without_the_check_per_output():
    import nbclient.client
    from nbformat import NotebookNode
    from nbformat.v4 import output_from_msg as nbformat_output

    from pipeline.engine import kernels

    assert nbclient.client.output_from_msg is kernels.output_from_msg
    messages = [
        ("display_data", {"data": {"text/html": "<b>x</b>", "image/png": "iVBO"},
                          "metadata": {"image/png": {"width": 640}}}),
        ("execute_result", {"data": {"text/plain": "1"}, "metadata": {}, "execution_count": 3}),
        ("stream", {"name": "stderr", "text": "warning\n"}),
        ("error", {"ename": "ValueError", "evalue": "bad", "traceback": ["line 1"]}),
    ]
    for kind, content in messages:
        msg = {"header": {"msg_type": kind}, "content": content}
        ours, theirs = kernels.output_from_msg(msg), nbformat_output(msg)
        assert ours == theirs
        assert all(isinstance(ours[k], NotebookNode) == isinstance(theirs[k], NotebookNode)
                   for k in theirs)
    with pytest.raises(ValueError, match="status"):
        kernels.output_from_msg({"header": {"msg_type": "status"}, "content": {}})


def test_second_run_refuses_or_waits_with_a_message(tmp_path):
    holder = _hold_lock(tmp_path)
    try:
        with pytest.raises(lock.LockBusy, match=f"pid {holder.pid}"):
            with lock.run_lock(tmp_path, wait=False):
                pass
        said = []
        with pytest.raises(lock.LockBusy, match="gave up"):
            with lock.run_lock(tmp_path, timeout=0.3, say=lambda *a, **k: said.append(a[0])):
                pass
        assert said and "waiting" in said[0] and str(holder.pid) in said[0]
    finally:
        holder.kill()
        holder.wait()
    # The holder died without cleaning up: its lock file stays, the lock is free.
    assert (tmp_path / lock.LOCK_NAME).exists()
    with lock.run_lock(tmp_path, wait=False) as path:
        assert json.loads(path.read_text())["pid"] == os.getpid()


def test_stale_lock_file_from_a_dead_pid_is_taken_over(tmp_path):
    (tmp_path / lock.LOCK_NAME).write_text(json.dumps({"pid": 999999, "host": "x",
                                                       "started": "then"}))
    with lock.run_lock(tmp_path, wait=False):
        fd = os.open(tmp_path / lock.LOCK_NAME, os.O_RDWR)
        try:  # really held: another descriptor cannot take it
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)


# --- manifest and publishing -----------------------------------------------------------------
def _fake_target(folder: Path, monkeypatch, tmp_path) -> None:
    make_tiny_project(tmp_path / "p")
    monkeypatch.setenv("INNSIKT_ROOT", str(tmp_path / "p"))
    folder.mkdir(parents=True)
    for name in ("index.html", "a.pdf"):
        (folder / name).write_text(f"content of {name}")
    state.write_manifest(folder, {"fingerprint": "f1"}, source="demo", analyses=["migration"])


def test_folder_not_matching_its_manifest_is_not_up_to_date(tmp_path, monkeypatch):
    folder = tmp_path / "out"
    _fake_target(folder, monkeypatch, tmp_path)
    assert state.is_current(folder, "f1") == (True, "up to date")
    assert state.is_current(folder, "f2")[0] is False
    (folder / "a.pdf").write_text("content of a.pdX")  # same size, other bytes
    assert state.is_current(folder, "f1") == (False, "a.pdf does not match the manifest")
    (folder / "a.pdf").unlink()
    assert state.is_current(folder, "f1") == (False, "a.pdf is missing")


def test_failed_copy_is_atomic_and_stale_staging_is_cleaned(tmp_path):
    staging = tmp_path / "reports" / publish.STAGING / "123-dead" / "alpha"
    staging.mkdir(parents=True)
    (staging / "migration.ipynb").write_text("{}")
    (tmp_path / "reports" / ".alpha.old").mkdir()
    kept = publish.keep_failed(staging, tmp_path / "reports" / "alpha", ["migration"])
    assert kept == [tmp_path / "reports" / "alpha" / "failed" / "migration.ipynb"]
    assert not list((tmp_path / "reports" / "alpha" / "failed").glob(".*tmp"))
    removed = publish.clean_stale(tmp_path / "reports")
    assert not list((tmp_path / "reports" / publish.STAGING).iterdir())
    assert tmp_path / "reports" / ".alpha.old" in removed


def test_output_errors_say_what_where_and_what_to_do(tmp_path):
    err = publish.output_error(PermissionError(errno.EACCES, "Permission denied",
                                               str(tmp_path / "x")), tmp_path)
    assert str(tmp_path / "x") in str(err) and "writable" in str(err)
    full = publish.output_error(OSError(errno.ENOSPC, "No space left", "f.pdf"), tmp_path)
    assert "disk is full" in str(full) and "\n" not in str(full)


# --- drills on the tiny project ---------------------------------------------------------------
@pytest.fixture()
def tiny(tmp_path) -> Path:
    return make_tiny_project(tmp_path / "project")


def _finish(proc: subprocess.Popen, timeout: float = 240) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def test_run_builds_programmes_and_areas_and_leaves_no_process(tiny):
    token = uuid.uuid4().hex
    code, out, err = _finish(cli(tiny, "-j", "2", "--areas", "4005,46", "-p", "alpha",
                                 token=token))
    assert code == 0, out + err
    assert procs.processes_with_token(token) == [], "processes of the run are left"
    for folder, files in (("alpha", ["youth_dropout", "migration"]),
                          ("areas/4005-notodden", ANALYSES), ("areas/46-vestland", ANALYSES)):
        for name in files:
            for ext in ("ipynb", "html", "pdf"):
                assert (tiny / "reports" / folder / f"{name}.{ext}").stat().st_size > 0
        assert (tiny / "reports" / folder / "tables.xlsx").exists()
    import nbformat

    nb = nbformat.read(tiny / "reports" / "areas" / "4005-notodden" / "migration.ipynb", 4)
    assert nb.metadata["papermill"]["parameters"] == {
        "program": "", "source": "demo", "region": "4005", "language": "nb"}
    index = (tiny / "reports" / "areas" / "index.html").read_text("utf-8")
    assert "Notodden" in index and "Vestland" in index and 'type="search"' in index
    assert 'href="4005-notodden/index.html"' in index
    assert not list((tiny / "reports" / publish.STAGING).iterdir())
    # Nothing changed: nothing rebuilt. A tampered file: that folder (only) is rebuilt.
    code, out, _ = _finish(cli(tiny, "--areas", "4005", "-p", "alpha"))
    assert code == 0 and out.count(": up to date") == 2, out
    (tiny / "reports" / "alpha" / "migration.html").write_text("gutted")
    code, out, _ = _finish(cli(tiny, "--areas", "4005", "-p", "alpha"))
    assert code == 0 and "alpha: rebuilding (migration.html does not match" in out, out
    assert "gutted" not in (tiny / "reports" / "alpha" / "migration.html").read_text("utf-8")


def test_languages_build_side_by_side(tiny):
    assert _finish(cli(tiny, "-p", "beta"))[0] == 0
    code, out, err = _finish(cli(tiny, "-p", "beta", "--language", "en"))
    assert code == 0, out + err
    assert ": up to date" not in out
    assert (tiny / "reports" / "beta" / "index.html").exists()
    english = tiny / "reports" / "en" / "beta"
    assert json.loads((english / "manifest.json").read_text())["language"] == "en"
    assert '<html lang="en"' in (tiny / "reports" / "en" / "index.html").read_text("utf-8")
    assert json.loads((tiny / "reports" / "beta" / "manifest.json").read_text())[
        "language"] == "nb"


def test_sigkill_mid_run_leaves_no_process_and_next_run_recovers(tiny):
    token = uuid.uuid4().hex
    proc = cli(tiny, "-j", "2", "-p", "alpha", token=token, sleep=60)
    # Two workers and their kernels are up and executing.
    assert wait_for(lambda: len(procs.processes_with_token(token)) >= 4, timeout=120)
    assert wait_for(lambda: list((tiny / "reports" / publish.STAGING).glob("*/alpha/*.ipynb")),
                    timeout=60)
    kill_group(proc)
    assert wait_for(lambda: not procs.processes_with_token(token), timeout=30), \
        procs.processes_with_token(token)
    assert list((tiny / "reports" / publish.STAGING).iterdir())  # the killed run's staging
    code, out, err = _finish(cli(tiny, "-p", "alpha"))
    assert code == 0, out + err
    assert not list((tiny / "reports" / publish.STAGING).iterdir())
    assert (tiny / "reports" / "alpha" / "migration.pdf").exists()


def test_two_runs_at_once_keep_both_trees_intact(tiny):
    first = cli(tiny, "-j", "1", "-p", "alpha", "--force", sleep=4)
    assert wait_for(lambda: (tiny / "reports" / lock.LOCK_NAME).exists()
                    and str(first.pid) in (tiny / "reports" / lock.LOCK_NAME).read_text())
    refused = _finish(cli(tiny, "-p", "alpha", "-p", "beta", "--force", "--no-wait"))
    assert refused[0] == 2 and "another innsikt run" in refused[2], refused
    assert "Traceback" not in refused[2] and len(refused[2].strip().splitlines()) == 1
    second = cli(tiny, "-j", "1", "-p", "alpha", "-p", "beta", "--force")
    assert _finish(first)[0] == 0
    code, out, err = _finish(second)
    assert code == 0 and "waiting for it to finish" in out, out + err
    for program_id, analyses in (("alpha", ["youth_dropout", "migration"]),
                                 ("beta", ["competence_gap"])):
        folder = tiny / "reports" / program_id
        assert state.is_current(folder, json.loads(
            (folder / "manifest.json").read_text())["fingerprint"])[0]
        for name in analyses:
            assert (folder / f"{name}.ipynb").exists()
    code, out, _ = _finish(cli(tiny))
    assert code == 0 and out.count(": up to date") == 2, out


def test_unwritable_reports_give_one_clear_line(tiny, monkeypatch, capsys):
    from pipeline import cli as innsikt

    def refuse(reports):
        raise PermissionError(errno.EACCES, "Permission denied", str(reports / ".staging"))

    monkeypatch.setenv("INNSIKT_ROOT", str(tiny))
    monkeypatch.setattr(publish, "new_staging", refuse)
    assert innsikt.main(["run", "-p", "beta"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "cannot write the reports" in err and "writable" in err and ".staging" in err
    log = err.rsplit("details: ", 1)[1].strip(" )\n")
    assert "PermissionError" in Path(log).read_text()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
def test_read_only_reports_folder(tiny):
    (tiny / "reports").chmod(0o555)
    try:
        code, out, err = _finish(cli(tiny, "-p", "beta"))
    finally:
        (tiny / "reports").chmod(0o755)
    assert code == 2 and "Traceback" not in err and "cannot write" in err


def test_missing_loopback_is_named(tiny, monkeypatch, capsys):
    from pipeline import cli as innsikt
    from pipeline.engine import runner

    monkeypatch.setenv("INNSIKT_ROOT", str(tiny))
    monkeypatch.setattr(runner, "_loopback", lambda: False)
    assert innsikt.main(["run", "-p", "beta"]) == 2
    err = capsys.readouterr().err
    assert "loopback" in err and "127.0.0.1" in err and "Traceback" not in err
    assert not list((tiny / "reports" / publish.STAGING).iterdir())


def test_area_index_lists_areas_sorted_searchable_and_escaped(tmp_path):
    from pipeline.render.areas_index import render_areas_index

    entries = [{"code": "4005", "name": "Notodden", "kind": "municipality",
                "folder": "4005-notodden", "analyses": ["migration"], "demo": True},
               {"code": "46", "name": "Vestland <b>x</b>", "kind": "county",
                "folder": "46-vestland", "analyses": [], "demo": True}]
    page = render_areas_index(entries, tmp_path / "areas", lang="en").read_text("utf-8")
    assert page.index("Notodden") < page.index("Vestland &lt;b&gt;x")
    assert "<b>x" not in page
    assert 'href="4005-notodden/migration.html"' in page and 'data-search="notodden 4005"' in page
    assert '<label for="area-search">' in page and "2 area profiles" in page
    assert "Demo data" in page and '<html lang="en"' in page


def test_ctrl_c_ends_every_worker_and_kernel(tiny):
    import signal

    token = uuid.uuid4().hex
    # A run started from a shell without job control (`nohup … &`, some CI runners) inherits
    # SIGINT as ignored, and so would ignore this drill's Ctrl-C: give it the default, as an
    # interactive terminal does.
    proc = cli(tiny, "-j", "2", "-p", "alpha", token=token, sleep=60,
               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert wait_for(lambda: list((tiny / "reports" / publish.STAGING).glob("*/alpha/*.ipynb")),
                    timeout=120)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends: the whole foreground group
    code, _, err = _finish(proc, timeout=60)
    assert code == 130 and "interrupted" in err, err
    assert procs.processes_with_token(token) == []
    assert not (tiny / "reports" / "alpha" / "index.html").exists()


def test_package_fingerprint_hashes_the_validation_table_the_reports_print(tmp_path,
                                                                            monkeypatch):
    from pipeline import validation_table
    from pipeline.engine import state

    assert state.VALIDATION_RESULTS == validation_table.VALIDATION_RESULTS
    assert state.VALIDATION_RESULTS.is_file()  # the committed validation/results.md
    table = tmp_path / "results.md"
    table.write_text("| a | did | 400 | 4.5 % | 93.8 % | ok |\n", encoding="utf-8")
    monkeypatch.setattr(state, "VALIDATION_RESULTS", table)
    before = state.package_fingerprint()
    table.write_text("| a | did | 400 | 5.5 % | 93.8 % | ok |\n", encoding="utf-8")
    assert state.package_fingerprint() != before
