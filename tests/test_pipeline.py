"""End to end: `innsikt run` on a temporary project built from demo data.

One programme is executed and rendered once per session; the tests then check what a user
gets: executed notebooks with papermill's recorded parameters and key findings, HTML and PDF
marked as demo data, the combined PDF made from the analyses' own pages, the index pages, the
manifest, incremental re-runs, failure handling and area profiles. Engine drills (locks, kills,
processes, clean errors) run on a tiny project in tests/test_engine.py; Dask in test_dask.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from pipeline import run
from pipeline.report import FINDING_MIME, TABLE_MIME

pytestmark = pytest.mark.slow
PROGRAM = "flere-i-arbeid"
ANALYSES = ["youth_dropout", "competence_gap", "migration"]


@pytest.fixture(scope="module")
def rendered(demo_project: Path) -> tuple[Path, run.RunSummary]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INNSIKT_ROOT", str(demo_project))
        summary = run.run([PROGRAM], source="demo", workers=2, progress=False)
    return demo_project, summary


def test_run_builds_every_analysis(rendered):
    root, summary = rendered
    assert summary.ok, "\n".join(str(f) for f in summary.failures)
    assert summary.built == [PROGRAM]
    out = root / "reports" / PROGRAM
    for analysis in ANALYSES:
        for suffix in ("ipynb", "html", "pdf"):
            assert (out / f"{analysis}.{suffix}").stat().st_size > 0, (analysis, suffix)
    for name in ("index.html", f"{PROGRAM}.pdf", "tables.xlsx", "manifest.json"):
        assert (out / name).exists(), name
    staging = root / "reports" / ".staging"
    assert not staging.exists() or not list(staging.iterdir())
    assert summary.engine == "local" and len(summary.notebooks) == 3
    assert all(nb["cells_seconds"] > 0 for nb in summary.notebooks)


def test_combined_pdf_reuses_the_analysis_pages(rendered):
    """Render once: the combined PDF is a front part, each analysis PDF's main pages as laid
    out there (not its summary page nor its detail pages), then one shared appendix; the file
    stays tagged."""
    from pypdf import PdfReader

    def text(page) -> str:
        # Without the foot's "n / N": the combined PDF numbers its pages through the file.
        return re.sub(r"\d+ / \d+$", "", " ".join(page.extract_text().split()))

    root, _ = rendered
    out = root / "reports" / PROGRAM
    combined = PdfReader(out / f"{PROGRAM}.pdf")
    assert "/StructTreeRoot" in combined.trailer["/Root"]
    pages = [text(p) for p in combined.pages]
    for analysis in ANALYSES:
        own = [text(p) for p in PdfReader(out / f"{analysis}.pdf").pages]
        assert own[1] in pages, analysis  # its first main page, as laid out
        assert own[0] not in pages and own[-1] not in pages, analysis  # summary, methods
    assert "Svar på programmets spørsmål" in pages[0]
    assert "Metode og kilder" in pages[-1]


def test_papermill_recorded_parameters_and_findings(rendered):
    root, _ = rendered
    for analysis in ANALYSES:
        nb = nbformat.read(root / "reports" / PROGRAM / f"{analysis}.ipynb", as_version=4)
        params = nb.metadata["papermill"]["parameters"]
        assert params == {"program": PROGRAM, "source": "demo", "region": "", "language": "nb"}
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.output_type == "error"]
        # Figures are shown once, through report.figure (SVG in HTML): none drawn a second
        # time by the inline backend as a bare PNG at the end of the cell that made it.
        assert not [o for o in outputs if "image/png" in o.get("data", {})], analysis
        findings = [o["data"][FINDING_MIME] for o in outputs if FINDING_MIME in o.get("data", {})]
        tables = [o["data"][TABLE_MIME] for o in outputs if TABLE_MIME in o.get("data", {})]
        assert len(findings) >= 3, analysis
        assert tables, analysis
        # A key finding states a number.
        assert any(any(ch.isdigit() for ch in f["text"]) for f in findings), analysis


def test_reports_are_marked_as_demo_data_on_every_page(rendered):
    from pypdf import PdfReader

    root, _ = rendered
    out = root / "reports" / PROGRAM
    for analysis in ANALYSES:
        html = (out / f"{analysis}.html").read_text(encoding="utf-8")
        assert "Demonstrasjonsdata – ikke offisiell statistikk" in html
        assert "<pre" not in html or "In&nbsp;[" not in html  # no code cells
        pages = PdfReader(out / f"{analysis}.pdf").pages
        for number, page in enumerate(pages, 1):
            text = " ".join(page.extract_text().split())
            assert "Demonstrasjonsdata" in text, f"{analysis}.pdf page {number}"


def test_index_pages_link_every_report(rendered):
    root, _ = rendered
    site = (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert f"{PROGRAM}/index.html" in site
    index = (root / "reports" / PROGRAM / "index.html").read_text(encoding="utf-8")
    for analysis in ANALYSES:
        assert f"{analysis}.html" in index and f"{analysis}.pdf" in index


def test_manifest_records_provenance(rendered):
    root, _ = rendered
    manifest = json.loads((root / "reports" / PROGRAM / "manifest.json").read_text("utf-8"))
    assert manifest["program"] == PROGRAM and manifest["source"] == "demo"
    assert len(manifest["program_file_sha256"]) == 64
    assert manifest["inputs"]["population"]["table_id"] == "07459"
    assert "pandas" in manifest["package_versions"]


def test_second_run_does_no_work(rendered, monkeypatch):
    root, _ = rendered
    monkeypatch.setenv("INNSIKT_ROOT", str(root))
    summary = run.run([PROGRAM], source="demo", workers=1, progress=False)
    assert summary.skipped == [PROGRAM] and not summary.built
    manifest = json.loads((root / "reports" / PROGRAM / "manifest.json").read_text("utf-8"))
    assert set(manifest["files"]) >= {f"{a}.pdf" for a in ANALYSES}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())


def test_area_profile_runs_the_three_notebooks_without_a_programme(rendered, monkeypatch):
    """`innsikt run --areas 4005`: program="" and region=4005 into reports/areas/4005-notodden/."""
    root, _ = rendered
    monkeypatch.setenv("INNSIKT_ROOT", str(root))
    out = root / "reports" / "areas" / "4005-notodden"
    # --no-pdf (a national batch): web pages and workbook, no PDF and no link to one.
    summary = run.run(None, areas="4005", source="demo", workers=2, progress=False, pdf=False)
    assert summary.ok, "\n".join(str(f) for f in summary.failures)
    assert not list(out.glob("*.pdf")) and (out / "tables.xlsx").stat().st_size > 0
    assert ".pdf" not in (out / "index.html").read_text(encoding="utf-8")
    # The default run makes the PDFs: a folder built without them is not up to date.
    summary = run.run(None, areas="4005", source="demo", workers=2, progress=False)
    assert summary.ok and summary.built == ["areas/4005-notodden"], summary.skipped
    assert {p.name for p in out.glob("*.pdf")} >= {f"{a}.pdf" for a in ANALYSES}
    for analysis in ANALYSES:
        nb = nbformat.read(out / f"{analysis}.ipynb", as_version=4)
        assert nb.metadata["papermill"]["parameters"]["region"] == "4005"
        assert nb.metadata["papermill"]["parameters"]["program"] == ""
        assert "Notodden" in (out / f"{analysis}.html").read_text(encoding="utf-8")
    index = (root / "reports" / "areas" / "index.html").read_text(encoding="utf-8")
    assert 'href="4005-notodden/index.html"' in index


def _small_project(demo_project: Path, tmp_path: Path) -> Path:
    """A project sharing the demo data, with two one-analysis programmes."""
    root = tmp_path / "project"
    shutil.copytree(demo_project / "notebooks", root / "notebooks")
    (root / "programs").mkdir(parents=True)
    shutil.copytree(demo_project / "data", root / "data")
    base = yaml.safe_load((demo_project / "programs" / f"{PROGRAM}.yml").read_text("utf-8"))
    for program_id, analysis in (("good", "youth_dropout"), ("bad", "migration")):
        data = dict(base, id=program_id, analyses=[analysis])
        (root / "programs" / f"{program_id}.yml").write_text(
            yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return root


def test_a_failing_notebook_does_not_stop_the_others(demo_project, tmp_path, monkeypatch):
    root = _small_project(demo_project, tmp_path)
    broken = nbformat.read(root / "notebooks" / "migration.ipynb", as_version=4)
    broken.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('planted failure')"))
    nbformat.write(broken, root / "notebooks" / "migration.ipynb")
    invalid = yaml.safe_load((root / "programs" / "good.yml").read_text("utf-8"))
    invalid.update(id="invalid", region={"municipalities": ["9999"], "label": "Nowhere"})
    (root / "programs" / "invalid.yml").write_text(yaml.safe_dump(invalid), encoding="utf-8")
    monkeypatch.setenv("INNSIKT_ROOT", str(root))

    summary = run.run(None, source="demo", workers=2, progress=False)

    assert summary.built == ["good"]
    failed = {(f.program, f.analysis) for f in summary.failures}
    assert failed == {("bad", "migration"), ("invalid", None)}
    bad = next(f for f in summary.failures if f.program == "bad")
    assert "planted failure" in bad.message
    kept = nbformat.read(bad.notebook, as_version=4)
    assert any(o.output_type == "error" for c in kept.cells if c.cell_type == "code"
               for o in c.get("outputs", []))
    assert not (root / "reports" / "bad" / "migration.html").exists()
    assert (root / "reports" / "good" / "youth_dropout.pdf").exists()
    site = (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert "bad" in site and "good/index.html" in site


def test_cli_help_and_clear_errors(tmp_path):
    cli = [sys.executable, "-m", "pipeline.cli"]
    out = subprocess.run(cli + ["--help"], capture_output=True, text=True, check=True).stdout
    assert "innsikt run" in out and "INNSIKT_DATA_SOURCE" in out
    bad = tmp_path / "x.yml"
    bad.write_text("id: x\ntitle: X\nowner: Y\nregion: {municipalities: ['4240'], label: K}\n"
                   "start_year: 2021\nanalyses: [migration]\n", encoding="utf-8")
    result = subprocess.run(cli + ["check", str(bad)], capture_output=True, text=True)
    assert result.returncode == 2
    assert str(bad) in result.stderr and "'4240'" in result.stderr
    assert "Traceback" not in result.stderr


def test_key_figure_matches_the_data(rendered):
    """The NEET headline equals the share computed directly from the processed table."""
    import pandas as pd

    from pipeline import i18n

    root, _ = rendered
    neet = pd.read_parquet(root / "data" / "processed" / "demo" / "neet.parquet")
    row = neet[(neet.region == "4204") & (neet.sex == "0") & (neet.measure == "BosatteProsent")]
    latest = row.loc[row.year.idxmax()]
    expected = i18n.fmt_percent(float(latest["value"]), "nb", 1)
    nb = nbformat.read(root / "reports" / PROGRAM / "youth_dropout.ipynb", as_version=4)
    texts = [o["data"][FINDING_MIME]["text"] for c in nb.cells if c.cell_type == "code"
             for o in c.get("outputs", []) if FINDING_MIME in o.get("data", {})]
    assert any(expected in t and str(int(latest["year"])) in t for t in texts), (expected, texts)


def test_real_reports_pass_axe_and_the_nu_checker(rendered, tmp_path):
    """The accessibility checks of tests/test_render.py, on the reports a user gets."""
    from test_render import AXE, CHROMIUM, JAVA, VNU, run_axe, run_vnu

    root, _ = rendered
    out = root / "reports" / PROGRAM
    pages = [out / f"{a}.html" for a in ANALYSES] + [out / "index.html",
                                                     root / "reports" / "index.html"]
    if not (CHROMIUM and AXE.exists()) or not (JAVA and VNU.exists()):
        pytest.skip("needs Chromium + axe-core and Java + vnu-jar (see .ci/run)")
    for page in pages:
        result = run_axe(page, tmp_path)
        assert "error" not in result and result["passes"] > 10, result
        assert result["violations"] == [], f"{page.name}: {result['violations']}"
    assert run_vnu(*pages) == []
