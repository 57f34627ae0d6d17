"""Page 1 of each programme's combined PDF answers the programme's questions; page numbers run
through the combined PDF, and the contents list and page 1's pointers give those numbers.

The end-to-end tests render every programme once in the session's demo project (reports
another test module already rendered there are up to date and not built again) and read the
PDFs' text with pypdf. The module's name sorts after test_pipeline.py, whose first test
needs to build its programme itself in that project. What page 1 must hold is taken from the
analyses' own findings (the executed notebooks), so a missing finding fails the test instead
of passing vacuously.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import i18n, programs
from pipeline.render import combined, frontpage, read_report

# Programme -> analysis -> finding keys page 1 must show (issue 13's acceptance list) and
# the programme figures that must stand beside them.
REQUIRED = {
    # NEET effect and completion tracking.
    "flere-i-arbeid": {"youth_dropout": ["effect_neet_share_15_29_1",
                                         "effect_completion_rate_vocational_5y_0"]},
    # Staying (net domestic migration against the comparison) and immigrant outflow.
    "namsskogan-tilflytting": {"migration": ["effect_net_domestic_migration_rate_1",
                                             "effect_immigrant_outflow_rate_0"]},
    # Gap to 2040 with the defence-industry scenario, and skills by field.
    "vekst-i-kongsberg": {"competence_gap": ["cg_gap_horizon", "cg_scenario_defence_growth",
                                             "cg_skills_technical"]},
    # Gap against Menon, innenforskap (NEET and employment), the 16–19 cohort and its kroner.
    "buskerudplanen": {"competence_gap": ["cg_gap_horizon", "cg_scenario_everything_right",
                                          "effect_employment_rate_20_66_1"],
                       "youth_dropout": ["effect_neet_share_15_29_1", "cohort_16_19",
                                         "worth_county_income"]},
}
QUOTED = {"buskerudplanen": ["22 000", "14 000"]}
FOOT = re.compile(r"(\d+) / (\d+)\s*$")


def squeeze(text: str) -> str:
    """Text without whitespace (PDF line breaks fall anywhere, also after a hyphen)."""
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------ units (no rendering)

def test_programme_amounts_in_kroner_are_written_in_millions():
    budget = programs.Reference(label="Bevilgning", value=4_000_000, year=2022, source="x",
                                compares_with="worth")
    assert frontpage.reference_value(budget, "nb") == "4 mill. kr"
    assert frontpage.reference_value(budget, "en") == "NOK 4 million"
    half = budget.model_copy(update={"value": 2_500_000})
    assert frontpage.reference_value(half, "nn") == "2,5 mill. kr"
    workers = programs.Reference(label="Menon", value=22_000, year=2040, source="x",
                                 compares_with="gap")
    assert frontpage.reference_value(workers, "nb") == i18n.fmt_number(22_000, "nb")


def test_competence_gap_lists_only_the_programme_figures_that_belong_to_it():
    from pipeline.analysis.competence_gap import tables

    kinds = [None, "gap", "scenario:everything_right", "worth"]
    refs = [programs.Reference(label=str(k), value=1, year=2040, source="x", compares_with=k)
            for k in kinds]
    assert [r.compares_with for r in tables.own_references(refs)] == kinds[:3]


def test_a_detail_the_sentence_states_is_not_repeated_on_paper():
    text = ("Sysselsatte, Buskerud: fra 1 til 2 (endring 0,5 prosent). Endringen kan ikke "
            "skilles fra områdets egen variasjon fra år til år (p = 0,593).")
    assert frontpage._stated("endring mot områdets egen variasjon fra år til år", text)
    assert frontpage._stated("kan ikke skilles fra tilfeldig variasjon", text)
    assert not frontpage._stated("kan ikke måles før 2029", text)
    assert not frontpage._stated("forskjell-i-forskjeller", text)


def _tiny(part: str, pages: int) -> str:
    body = "".join(f'<p style="break-before: page">{part} {n}</p>' for n in range(pages))
    return (f'<!doctype html><html lang="nb"><head><title>{part}</title></head><body>'
            f'<h1 class="running-part">{part}</h1>{body}</body></html>')


def test_renumbered_feet_run_through_the_combined_file():
    pypdf = pytest.importorskip("pypdf")
    import io

    first, second = combined.layout(_tiny("Alfa", 2)), combined.layout(_tiny("Beta", 3))
    own = [p._page_box for p in second.pages]
    assert len(first.pages) == 3 and len(second.pages) == 4  # h1 page, then one per <p>
    pages = [*first.pages, *second.pages]
    combined.renumber(pages)
    data = first.copy(pages).write_pdf()
    texts = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages]
    assert [FOOT.search(t).groups() for t in texts] == [(str(n), "7") for n in range(1, 8)]
    assert "Beta · 4 / 7" in texts[3] and "Alfa · 1 / 7" in texts[0]
    assert [p._page_box for p in second.pages] == own  # the same laid-out pages, not new ones


# ------------------------------------------------------------ end to end (every programme)

@pytest.fixture(scope="module")
def printed(every_programme):
    """The rendered demo programmes (conftest's ``every_programme``), which must all succeed."""
    reports, ids, summary = every_programme
    assert summary.ok, "\n".join(str(f) for f in summary.failures)
    return reports, ids


def _pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


@pytest.mark.slow
@pytest.mark.parametrize("barometer", [False, True])
def test_the_front_guess_matches_a_front_of_its_usual_length(barometer):
    """The front is laid out once when the guess was right (a programme without a barometer
    used to be laid out twice: its guess named a barometer anchor the front never has)."""
    from types import SimpleNamespace as Page

    mains = {"migration": [Page(anchors={"a-migration-main": 1}), Page(anchors={})]}
    appendix = Page(pages=[Page(anchors={"all-methods": 1})])
    front_pages = [Page(anchors={"front": 1})]
    if barometer:
        front_pages.append(Page(anchors={"barometer-title": 1}))
    front = Page(pages=front_pages)
    guess = combined._guess(len(front_pages), mains, appendix, barometer=barometer)
    found = combined.page_numbers(front, mains, appendix)
    assert combined._used(guess) == combined._used(found)
    assert found["a-migration-main"] == len(front_pages) + 1
    assert found["all-methods"] == len(front_pages) + 3


def test_page_one_answers_each_programmes_questions(printed):
    reports, ids = printed
    assert set(REQUIRED) <= set(ids)
    missing = []
    for program_id, wanted in REQUIRED.items():
        folder = reports / program_id
        page_one = squeeze(_pages(folder / f"{program_id}.pdf")[0])
        for analysis, keys in wanted.items():
            findings = {f["key"]: f for f in read_report(folder / f"{analysis}.ipynb").findings}
            for key in keys:
                if key not in findings:
                    missing.append(f"{program_id}/{analysis}: no finding {key} to show")
                    continue
                start = squeeze(str(findings[key]["text"]))[:60]
                if start not in page_one:
                    missing.append(f"{program_id}: page 1 lacks {key} ({start}…)")
        for figure in QUOTED.get(program_id, []):
            if squeeze(figure) not in page_one:
                missing.append(f"{program_id}: page 1 lacks the programme's figure {figure}")
    assert missing == [], "\n".join(missing)


@pytest.mark.slow
def test_buskerud_page_one_sums_up_the_barometer_and_points_to_its_page(printed):
    reports, _ = printed
    pages = _pages(reports / "buskerudplanen" / "buskerudplanen.pdf")
    one = " ".join(pages[0].split())
    assert "Barometer: 18 kommuner mot hele landet" in one
    assert re.search(r"▲ \d+ bedre \(", one) and re.search(r"▼ \d+ dårligere \(", one)
    assert "kan ikke testes mot landet" in one  # employed by workplace is a count
    found = re.search(r"Hele barometeret står på side (\d+)", one)
    assert found, one
    target = " ".join(pages[int(found.group(1)) - 1].split())
    assert "Barometer for Buskerud" in target and target.count("▼") >= 1


@pytest.mark.slow
def test_page_numbers_run_through_the_combined_pdf_and_the_contents_match(printed):
    from pipeline.render import texts

    reports, ids = printed
    for program_id in ids:
        folder = reports / program_id
        pages = _pages(folder / f"{program_id}.pdf")
        total = len(pages)
        feet = [FOOT.search(p) for p in pages]
        assert all(feet), program_id
        assert [f.groups() for f in feet] == [(str(n), str(total)) for n in
                                              range(1, total + 1)], program_id
        front = " ".join(" ".join(pages[:2]).split())
        program = programs.load_program(program_id)
        listed = 0
        for analysis in program.analyses:
            title = texts.analysis_title(analysis, "nb")
            found = re.search(re.escape(title) + r" s\. (\d+)", front)
            if not (folder / f"{analysis}.pdf").exists():
                continue
            assert found, (program_id, title)
            number = int(found.group(1))
            foot = pages[number - 1].strip().splitlines()[-1]
            assert foot.startswith(title), (program_id, title, number, foot)
            before = pages[number - 2].strip().splitlines()[-1]
            assert not before.startswith(title), (program_id, title, number)  # its first page
            listed += 1
            # The analysis's own PDF keeps its own numbers.
            own = _pages(folder / f"{analysis}.pdf")
            assert FOOT.search(own[0]).groups() == ("1", str(len(own)))
        assert listed == len(program.analyses), program_id
        methods = re.search(r"Metode og kilder s\. (\d+)", front)
        assert methods and int(methods.group(1)) == total, program_id
