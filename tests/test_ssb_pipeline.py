"""End to end on the SSB path, and the disclosure acceptance on data built to tempt it.

A local SSB stand-in (``tests/ssb_standin.py``) serves every registry table for the regions the
programmes need (their municipalities, every municipality of their counties, the counties and
Norway, from each table's first year; the projection to 2050 as SSB publishes it) plus the real
recorded 07459 response. Once per module: ``ssb.fetch()`` → ``datasets.build("ssb")`` →
``run.run(PROGRAMS, source="ssb")``. The tests then check what a council gets: reports without
the demo banner, an appendix citing SSB tables with their ``updated`` stamps, retrieval time,
harmonisation and suppression, and a manifest with input hashes.

Namsskogan (5044, about 820 residents) is served at its real size, with NEET counts of 1–12 a
year and tiny completion counts for one background group in Trøndelag, so the published tables
are full of temptations: every published table (executed notebooks, ``tables.xlsx``, HTML) is
scanned for counts 1–4 in its declared count columns, for suppressed cells that can be
recomputed (:func:`pipeline.disclosure.audit`) and for shares that give a suppressed count away.
"""

from __future__ import annotations

import json
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat
import pandas as pd
import pytest

# tests/ is not a package: pytest puts it on sys.path, so its helpers import by name.
from conftest import make_project
from pytest_httpserver import HTTPServer
from ssb_standin import (
    UPDATED,
    SsbStandIn,
    _decimals,
    _region_scale,
    real_offers,
    recorded_07459_path,
)

from pipeline import config, datasets, disclosure, geography, io, run
from pipeline.programs import load_program
from pipeline.report import TABLE_MIME
from pipeline.sources import ssb
from pipeline.sources.tables import TABLES

pytestmark = pytest.mark.slow

# Namsskogan: the tiny municipality whose counts tempt disclosure (and a recorded spot value).
# One programme keeps the module near a minute (each further one adds about 40 s on two cores);
# the others differ only in their programme files, which test_programs.py checks.
TINY = "5044"
TINY_RESIDENTS = 818  # Namsskogan in the recorded 07459 response (2022)
TINY_PROGRAM = "namsskogan-tilflytting"
PROGRAMS = [TINY_PROGRAM]
PROJECTION_TABLE = "14288"
PROJECTION_LAST_YEAR = 2050  # SSB's 2024 projections run to 2050
SPOT_VALUES_2022 = {"4204": 113_737, "5044": 818, "0301": 699_827}
SHARED = config.shared_dir()  # resolved before any test moves INNSIKT_ROOT
DEMO_WORDS = re.compile("demonstrasjonsdata|demo data", re.IGNORECASE)


def programme_regions(programs=("flere-i-arbeid", "namsskogan-tilflytting",
                                 "vekst-i-kongsberg", "buskerudplanen")) -> list[str]:
    """Municipalities the programmes need: their own and comparison municipalities and every
    municipality of their and their comparison counties, plus Oslo (a recorded spot value)."""
    codes: set[str] = {"0301"}
    for program_id in programs:
        program = load_program(program_id)
        codes |= set(program.region_codes) | set(program.comparison.municipalities)
        for county in {program.region.county, program.comparison.county,
                       *(c[:2] for c in program.region_codes)}:
            if county:
                codes |= set(geography.municipalities_in_county(county))
    return sorted(c for c in codes if geography.is_municipality(c))


def _noise(*parts: str) -> int:
    return zlib.crc32("|".join(parts).encode())


class RealisticStandIn(SsbStandIn):
    """The stand-in with SSB's projection horizon and Namsskogan at its real, tiny size."""

    def _time_codes(self, spec):
        if spec.table_id == PROJECTION_TABLE:
            return [str(y) for y in range(spec.first_year, PROJECTION_LAST_YEAR + 1)]
        return super()._time_codes(spec)

    def _value(self, spec, ids, cell):
        value = super()._value(spec, ids, cell)
        if spec.table_id != "14883" and not any(c.endswith(TINY) for c in cell):
            return value  # the fast path: most of the million cells
        coords = dict(zip(ids, cell, strict=True))
        measure = coords.get("ContentsCode", "")
        regions = [coords[d].rpartition("-")[2] for d in spec.region_dimensions if d in coords]
        key = [v for k, v in coords.items() if k != "ContentsCode"]
        if spec.table_id == "13556" and TINY in regions:
            # NEET persons 1–12 among 110–139 residents aged 15–29; the share agrees.
            neet = 1 + _noise(spec.table_id, *key) % 12
            youths = 110 + _noise("youths", *key) % 30
            return round(100 * neet / youths, 1) if _decimals(measure) else float(neet)
        if (spec.table_id == "14883" and regions == ["50"] and coords.get("InnvandrKat") == "C"
                and not _decimals(measure)):
            return float(_noise(spec.table_id, *key) % 5)  # 0–4 per completion status
        if TINY in regions and not _decimals(measure):
            if self._recorded_population(spec, coords) is not None:
                return value  # already the recorded 2022 figures
            return float(round(value * TINY_RESIDENTS / _region_scale(TINY)))
        return value


def _client() -> ssb.SsbClient:
    # The 30-per-60-s limit is tested in test_ssb.py; here it would only make the test wait.
    return ssb.SsbClient(limiter=ssb.RateLimiter(max_requests=10_000))


@pytest.fixture(scope="module")
def ssb_run(tmp_path_factory):
    """Stand-in → fetch → warm fetch → build → reports, once for the module."""
    root = make_project(tmp_path_factory.mktemp("ssb-project"))
    server = HTTPServer()
    server.start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("INNSIKT_SHARED", str(SHARED))
            mp.setenv("INNSIKT_ROOT", str(root))
            # What real SSB offers (06913 agg_KommSummerHist, 09429 member codes, 14883
            # 1a/2a/4b, 12960 "years after start") and 13470 without its first-preference
            # codelist: the whole real-data path must complete on it (issue 14).
            standin = RealisticStandIn(server, regions=programme_regions(), offers=real_offers())
            mp.setenv("INNSIKT_SSB_URL", standin.url)
            files = ssb.fetch(progress=False, client=_client())
            cold_requests = len(standin.log)
            again = ssb.fetch(progress=False)  # a fresh client from the environment
            warm_requests = len(standin.log) - cold_requests
            datasets.build("ssb", progress=False)
            summary = run.run(PROGRAMS, source="ssb", workers=2, progress=False)
        yield SimpleNamespace(root=root, standin=standin, files=files, again=again,
                              cold_requests=cold_requests, warm_requests=warm_requests,
                              summary=summary)
    finally:
        server.clear()
        server.stop()


@pytest.fixture()
def in_ssb_project(ssb_run, monkeypatch):
    monkeypatch.setenv("INNSIKT_SHARED", str(SHARED))
    monkeypatch.setenv("INNSIKT_ROOT", str(ssb_run.root))
    return ssb_run


def report_dir(ssb_run, program: str) -> Path:
    return ssb_run.root / "reports" / program


# ---- fetch and build --------------------------------------------------------------------------


def test_fetch_covers_every_table_and_a_warm_cache_makes_no_request(ssb_run):
    raw = ssb_run.root / "data" / "raw" / "ssb"
    for spec in TABLES.values():
        assert (raw / spec.table_id / ssb.TABLE_MANIFEST).exists(), spec.table_id
    assert ssb_run.cold_requests >= 2 * len(TABLES)  # metadata and data for every table
    assert ssb_run.warm_requests == 0
    assert ssb_run.again == ssb_run.files


def test_built_data_cover_the_regions_and_years_served(in_ssb_project):
    manifest = datasets.manifest("ssb")
    assert manifest["source"] == "ssb" and set(manifest["datasets"]) == set(TABLES)
    population = datasets.load("population", "ssb")
    regions = set(population["region"])
    assert regions == set(programme_regions())  # 07459 via agg_KommSummer: municipalities
    assert {"0", "33", "42", "50"} <= set(datasets.load("neet_county", "ssb")["region"])
    assert population["year"].min() == TABLES["population"].first_year
    projection = datasets.load("population_projection", "ssb")
    assert projection["year"].max() == PROJECTION_LAST_YEAR
    for info in manifest["datasets"].values():
        assert isinstance(info["geography_notes"], list)
        assert set(info["harmonisation"]) == {"renumbered", "merged", "split", "dropped", "other"}
    # agg_KommSummer reports every year on today's units: Stavanger and Trondheim, which
    # absorbed neighbours in 2020, already cover their whole area, so nothing is "merged".
    assert manifest["datasets"]["population"]["harmonisation"]["merged"] == []


def test_parsed_07459_matches_the_recorded_spot_values(in_ssb_project):
    if recorded_07459_path() is None:
        pytest.skip("../shared/ssb-samples is absent (INNSIKT_SHARED); the recorded 07459 "
                    "response is needed for the spot values")
    population = datasets.load("population", "ssb")
    totals = population[population["year"] == 2022].groupby("region")["value"].sum()
    for region, expected in SPOT_VALUES_2022.items():
        assert totals[region] == expected, region


# ---- reports ----------------------------------------------------------------------------------


def test_every_programme_renders_from_ssb_data(ssb_run):
    summary = ssb_run.summary
    assert summary.ok, "\n".join(str(f) for f in summary.failures)
    assert sorted(summary.built) == sorted(PROGRAMS)
    for program in PROGRAMS:
        out = report_dir(ssb_run, program)
        for analysis in load_program_file(ssb_run.root, program)["analyses"]:
            for suffix in ("ipynb", "html", "pdf"):
                assert (out / f"{analysis}.{suffix}").stat().st_size > 0, (program, analysis)
        for name in ("index.html", f"{program}.pdf", "tables.xlsx", "manifest.json"):
            assert (out / name).exists(), (program, name)


def load_program_file(root: Path, program: str) -> dict[str, Any]:
    import yaml

    return yaml.safe_load((root / "programs" / f"{program}.yml").read_text(encoding="utf-8"))


def test_no_demo_banner_in_html_or_pdf(ssb_run):
    from pypdf import PdfReader

    for program in PROGRAMS:
        out = report_dir(ssb_run, program)
        for html_path in out.glob("*.html"):
            html = html_path.read_text(encoding="utf-8")
            assert not DEMO_WORDS.search(html), html_path
            assert 'class="demo' not in html, html_path
        # The combined PDF holds every analysis (the per-analysis PDFs are printed from the
        # HTML checked above); reading every PDF would double the time for no extra check.
        for pdf_path in (out / f"{program}.pdf", out / "youth_dropout.pdf"):
            for number, page in enumerate(PdfReader(pdf_path).pages, 1):
                text = " ".join(page.extract_text().split())
                assert not DEMO_WORDS.search(text), f"{pdf_path.name} page {number}"
        nb = nbformat.read(out / "youth_dropout.ipynb", as_version=4)
        assert nb.metadata["papermill"]["parameters"]["source"] == "ssb"


def _appendix(html: str) -> str:
    start = html.index('<section class="appendix"')
    return html[start:html.index("</section>", start)]


def test_appendix_cites_ssb_tables_stamps_retrieval_harmonisation_and_suppression(
        in_ssb_project):
    ssb_run = in_ssb_project
    cached = {p["table_id"]: p for p in ssb.provenance(ssb_run.root / "data" / "raw" / "ssb")}
    stamp = UPDATED[:10]
    for program in PROGRAMS:
        out = report_dir(ssb_run, program)
        threshold = load_program(program).disclosure_threshold
        for analysis in load_program_file(ssb_run.root, program)["analyses"]:
            appendix = _appendix((out / f"{analysis}.html").read_text(encoding="utf-8"))
            assert "Statistisk sentralbyrå (SSB)" in appendix
            for spec in TABLES.values():
                row = re.search(rf'<tr><th scope="row">{spec.table_id}</th>(.*?)</tr>', appendix)
                assert row, (program, analysis, spec.table_id)
                cells = row[1]
                assert stamp in cells, (analysis, spec.table_id)
                retrieved = cached[spec.table_id]["retrieved_at"]
                shown = f"{retrieved[:10]} {retrieved[11:16]} UTC"
                assert shown in cells, (analysis, spec.table_id, shown)
                # The stand-in serves 2024 codes on SSB's summed codelists: nothing to do.
                # (09429 is asked for member codes, outputValues=single, which are historical
                # codes on real SSB: there the harmoniser rightly notes earlier mergers.)
                query = datasets.manifest("ssb")["datasets"][spec.dataset]["query"]
                if query["codelists"].get("Region", [None, None])[1] != "single":
                    assert "Ingen kodeendringer å harmonisere" in cells, spec.table_id
            assert f"antall under {threshold} personer" in appendix
            assert "«:»" in appendix
            assert "Delingsregler" not in appendix  # no split was applied


def test_programme_manifest_records_ssb_source_and_input_hashes(ssb_run):
    for program in PROGRAMS:
        manifest = json.loads((report_dir(ssb_run, program) / "manifest.json")
                              .read_text(encoding="utf-8"))
        assert manifest["source"] == "ssb" and manifest["program"] == program
        assert len(manifest["program_file_sha256"]) == 64
        assert set(manifest["inputs"]) == set(TABLES)
        for name, entry in manifest["inputs"].items():
            assert entry["table_id"] == TABLES[name].table_id
            assert entry["updated"] == UPDATED
            assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
            assert entry["raw"], name
            for rel, digest in entry["raw"].items():
                assert rel.startswith(f"data/raw/ssb/{entry['table_id']}/"), rel
                assert io.sha256_file(ssb_run.root / rel) == digest, rel


# ---- harmonisation in words (old codes; one small table) -------------------------------------


def test_harmonisation_notes_reach_manifest_provenance_and_appendix(httpserver, tmp_path,
                                                                    monkeypatch):
    from pipeline.render import html as render_html

    monkeypatch.setenv("INNSIKT_SHARED", str(SHARED))
    root = make_project(tmp_path / "project")
    monkeypatch.setenv("INNSIKT_ROOT", str(root))
    # 2020–2023 codes (Kongsberg 3006, Ålesund 1507 split in 2024) and 2019 codes merged into
    # Kristiansand 4204 in 2020: places that never overlap, so none is counted twice.
    standin = SsbStandIn(httpserver, regions=["3006", "1507", "1001", "1017", "1018"],
                         recorded=None)
    monkeypatch.setenv("INNSIKT_SSB_URL", standin.url)
    ssb.fetch(["population_change"], progress=False, client=_client())
    datasets.build("ssb", datasets=["population_change"], progress=False)

    info = datasets.manifest("ssb")["datasets"]["population_change"]
    kinds = info["harmonisation"]
    assert any(n.startswith("split of 1507") for n in kinds["split"]), kinds
    assert any(n.startswith("3006") and "3303" in n for n in kinds["renumbered"]), kinds
    assert any("1001" in n and "1017" in n and "1018" in n and "4204" in n
               for n in kinds["merged"]), kinds
    assert sorted(sum(kinds.values(), [])) == sorted(info["geography_notes"])
    df = datasets.load("population_change", "ssb")
    assert {"3303", "1508", "1580", "4204"} <= set(df["region"])
    assert not {"3006", "1507", "1001"} & set(df["region"])

    rows = run.provenance("ssb")
    row = next(r for r in rows if r["table_id"] == "06913")
    assert row["geography_notes"] == info["geography_notes"] and row["retrieved_at"]

    program = load_program("vekst-i-kongsberg")
    env = render_html._environment()
    macro = env.from_string('{% from "_macros.html.j2" import methods with context %}'
                            '{{ methods(sources, 2) }}')
    for lang, words in (("nb", ("Delingsregler", "1507 Ålesund er delt",
                                "etter befolkningsandeler", "1508 Ålesund 86,2", "Tabell 06913",
                                "kode(r) fått nytt nummer", "kode(r) slått sammen",
                                "antall under 5 personer")),
                        ("en", ("Split rules", "1507 Ålesund was split",
                                "by population shares", "1508 Ålesund 86.2", "Table 06913",
                                "code(s) renumbered", "code(s) merged",
                                "counts below 5 persons"))):
        context = render_html.page_context(program, lang, False, reproduce="",
                                           **render_html.methods_context(program, rows, lang))
        html = macro.render(context)
        for word in words:
            assert word in html, (lang, word)
        assert "1580 Haram" in html


# ---- disclosure on tempting data --------------------------------------------------------------


def _number(value: Any) -> float | None:
    """A published cell as a number (numbers, or text such as ``1 234`` / ``12,5 %``)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return None if pd.isna(value) else float(value)
    text = str(value).strip().replace("\u2009", "").replace("\u00a0", "").replace(" ", "")
    text = text.replace("\u2212", "-").rstrip("%").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _is_percent(value: Any) -> bool:
    return isinstance(value, str) and value.strip().endswith("%")


def small_counts(frame: pd.DataFrame, counts: list[str], threshold: int) -> list[str]:
    """Published cells of the count columns holding 1 .. threshold-1."""
    problems = []
    for col in counts:
        for label, value in frame[col].items():
            number = _number(value)
            if number is not None and 0 < number < threshold:
                problems.append(f"row {label}, column {col!r}: {value!r}")
    return problems


def share_leaks(frame: pd.DataFrame, counts: list[str]) -> list[str]:
    """Suppressed counts that a published share and a published count give away.

    A text column of percentages is taken to be ``100 * a / b`` for two count columns when it
    agrees with them (within rounding) in every row where all three are published. In a row
    where one of ``a``, ``b`` is ":" and the other and the share are published, exactly one
    whole number is then consistent with what is shown: the suppressed value.
    """
    problems = []
    shares = [c for c in frame.columns if c not in counts
              and any(_is_percent(v) for v in frame[c])]
    for p in shares:
        for a in counts:
            for b in counts:
                if a == b:
                    continue
                full = [(x, y, z) for x, y, z in zip(map(_number, frame[a]),
                                                      map(_number, frame[b]),
                                                      map(_number, frame[p]), strict=True)
                        if x is not None and y and z is not None]
                if not full or not all(
                        abs(100 * x / y - z) <= 0.05 + 100 * x / y * 0.5 / y + 1e-9
                        for x, y, z in full):
                    continue  # this share is not a over b
                for label, row in frame.iterrows():
                    x, y, z = _number(row[a]), _number(row[b]), _number(row[p])
                    if z is None:
                        continue
                    if row[a] == ":" and y:
                        lo, hi = (z - 0.05) * y / 100, (z + 0.05) * y / 100
                    elif row[b] == ":" and x and z > 0:
                        lo, hi = 100 * x / (z + 0.05), 100 * x / max(z - 0.05, 1e-9)
                    else:
                        continue
                    whole = [n for n in range(int(lo), int(hi) + 2) if lo <= n <= hi]
                    if len(whole) == 1:
                        problems.append(f"row {label}: {p!r} = {row[p]} with the published "
                                        f"count gives the suppressed one ({whole[0]})")
    return problems


def notebook_tables(path: Path) -> list[dict[str, Any]]:
    nb = nbformat.read(path, as_version=4)
    return [dict(o["data"][TABLE_MIME]) for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if TABLE_MIME in o.get("data", {})]


def as_frame(table: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(table["data"], columns=table["columns"])


class _TableParser(HTMLParser):
    """Tables of a report page: caption, header texts and body rows (cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self._cell: list[str] | None = None
        self._where = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"class": dict(attrs).get("class") or "", "caption": "",
                                "columns": [], "data": []})
        elif not self.tables:
            return
        elif tag in ("caption", "th", "td"):
            self._cell = []
        elif tag in ("thead", "tbody"):
            self._where = tag
        elif tag == "tr" and self._where == "tbody":
            self.tables[-1]["data"].append([])

    def handle_endtag(self, tag):
        if self._cell is None or tag not in ("caption", "th", "td"):
            return
        text = "".join(self._cell).strip()
        table = self.tables[-1]
        if tag == "caption":
            table["caption"] = text
        elif self._where == "thead":
            table["columns"].append(text)
        else:
            table["data"][-1].append(text)
        self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(path: Path) -> list[dict[str, Any]]:
    parser = _TableParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return [t for t in parser.tables if "sources" not in t["class"]]


def workbook_tables(path: Path) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    out = []
    for ws in load_workbook(path, read_only=True).worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if len(rows) < 4 or not str(rows[1][0] or "").startswith(("Analyse:", "Analysis:")):
            continue  # the contents and sources sheets
        header = [str(c) for c in rows[3] if c is not None]
        data = []
        for row in rows[4:]:
            if not row or all(c is None for c in row[1:len(header)]):
                break
            data.append(list(row[:len(header)]))
        out.append({"caption": rows[0][0], "columns": header, "data": data})
    return out


def test_tempting_data_really_tempt(in_ssb_project):
    neet = datasets.load("neet", "ssb")
    tiny = neet[(neet["region"] == TINY) & (neet["measure"] == "Bosatte")]
    assert ((tiny["value"] > 0) & (tiny["value"] < 5)).sum() >= 5
    background = datasets.load("completion_background", "ssb")
    small = background[(background["region"] == "50") & (background["background"] == "C")
                       & (background["measure"] == "Personer")]
    assert ((small["value"] > 0) & (small["value"] < 5)).sum() >= 5


def test_no_published_table_shows_or_gives_away_a_small_count(in_ssb_project):
    threshold = disclosure.DEFAULT_THRESHOLD
    checked = suppressed_cells = in_workbook = in_html = 0
    for program in PROGRAMS:
        assert load_program(program).disclosure_threshold == threshold
        out = report_dir(in_ssb_project, program)
        declared: dict[str, list[str]] = {}
        for notebook in sorted(out.glob("*.ipynb")):
            for table in notebook_tables(notebook):
                assert "counts" in table, (notebook.name, table["caption"])
                frame = as_frame(table)
                where = f"{program}/{notebook.name}: {table['caption']}"
                assert small_counts(frame, table["counts"], threshold) == [], where
                if notebook.stem == "youth_dropout":
                    # youth_dropout publishes its tables with suppress()'s default relations,
                    # so audit() with the same defaults is the exact check.
                    assert disclosure.audit(frame, table["counts"], threshold=threshold) == [], \
                        where
                    assert share_leaks(frame, table["counts"]) == [], where
                    suppressed_cells += int((frame[table["counts"]] == ":").to_numpy().sum())
                declared[table["caption"]] = table["counts"]
                checked += 1
        for table in workbook_tables(out / "tables.xlsx"):
            counts = declared.get(table["caption"])
            assert counts is not None, f"{program}/tables.xlsx: unknown table {table['caption']}"
            frame = as_frame(table)
            assert small_counts(frame, counts, threshold) == [], (program, table["caption"])
            in_workbook += 1
        for page in sorted(out.glob("*.html")):
            for table in html_tables(page):
                counts = declared.get(table["caption"])
                if counts is None:
                    continue
                frame = as_frame(table)
                assert small_counts(frame, counts, threshold) == [], (page.name,
                                                                       table["caption"])
                in_html += 1
    assert checked >= 8
    assert in_workbook == checked and in_html == checked  # every table found in both
    assert suppressed_cells >= 3  # the tempting counts were there, and were suppressed


def test_the_scanners_catch_planted_leaks(tmp_path):
    """The checks above are not vacuous: each finds its planted problem."""
    leaky = pd.DataFrame({"År": ["2020", "2021", "2022"], "NEET": [9, ":", 3],
                          "Bosatte": [129, 120, 111], "Andel": ["7,0 %", "5,0 %", ":"]})
    assert small_counts(leaky, ["NEET", "Bosatte"], 5) == ["row 2, column 'NEET': 3"]
    leaks = share_leaks(leaky, ["NEET", "Bosatte"])
    assert len(leaks) == 1 and "(6)" in leaks[0]  # 5,0 % of 120
    lonely = pd.DataFrame({"NEET": [":", 9, 12], "Bosatte": [40, 50, 60]})
    assert disclosure.audit(lonely, ["NEET", "Bosatte"]) != []  # one ":" in its column
    page = tmp_path / "page.html"
    page.write_text('<table class="sources"><caption>Kilder</caption></table>'
                    '<table id="table-1"><caption>T</caption><thead><tr><th>År</th>'
                    '<th>NEET</th></tr></thead><tbody><tr><th scope="row">2020</th>'
                    '<td class="num">1\u2009234</td></tr><tr><th scope="row">2021</th>'
                    '<td class="num">4</td></tr></tbody></table>', encoding="utf-8")
    (table,) = html_tables(page)
    assert table["caption"] == "T" and table["data"] == [["2020", "1\u2009234"], ["2021", "4"]]
    assert small_counts(as_frame(table), ["NEET"], 5) == ["row 1, column 'NEET': '4'"]


# ---- one table missing: the analyses that do not need it are published ------------------------


def test_a_missing_table_blocks_only_the_analyses_that_read_it(httpserver, tmp_path,
                                                               monkeypatch):
    monkeypatch.setenv("INNSIKT_SHARED", str(SHARED))
    root = make_project(tmp_path / "project")
    monkeypatch.setenv("INNSIKT_ROOT", str(root))
    standin = SsbStandIn(httpserver, regions=programme_regions(PROGRAMS),
                         offers=real_offers(), recorded=None)
    standin.fail_table("13470")  # employment by industry: competence gap and migration need it
    monkeypatch.setenv("INNSIKT_SSB_URL", standin.url)
    with pytest.raises(ssb.FetchSummaryError):
        ssb.fetch(progress=False, client=_client())
    with pytest.raises(datasets.BuildIncomplete):
        datasets.build("ssb", progress=False)

    summary = run.run(PROGRAMS, source="ssb", workers=1, progress=False)

    assert not summary.ok and summary.built == [TINY_PROGRAM]
    assert {(f.program, f.analysis) for f in summary.failures} == {
        (TINY_PROGRAM, "competence_gap"), (TINY_PROGRAM, "migration")}
    assert all("13470" in f.message and "make data DATA=ssb" in f.message
               for f in summary.failures)
    folder = report_dir(SimpleNamespace(root=root), TINY_PROGRAM)
    assert (folder / "youth_dropout.html").is_file() and (folder / "youth_dropout.pdf").is_file()
    assert (folder / f"{TINY_PROGRAM}.pdf").is_file() and (folder / "tables.xlsx").is_file()
    assert not (folder / "competence_gap.html").exists()
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert page.count("SSB-tabell 13470") == 2  # on both blocked analyses' cards
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["analyses"] == ["youth_dropout"]
    assert manifest["not_built"]["migration"]["table_id"] == "13470"
    assert "13470" in (root / "reports" / "index.html").read_text(encoding="utf-8")
