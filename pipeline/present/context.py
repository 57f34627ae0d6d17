"""The report context: which programme (or area profile), which place, which language.

:func:`setup` checks the notebook's parameters and raises :class:`ParameterError` with one line
saying what is wrong, where, and what to do. In a Jupyter kernel the error is shown as that one
line instead of a traceback (an IPython custom exception handler), so papermill's command line
and the executed notebook show the line, not forty lines of frames.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline import config, geography, i18n
from pipeline.programs import Program, ProgramError, area_profile, load_program, program_ids

# SSB names municipalities with Sami or Kven names in both forms ("Oslo - Oslove",
# "Aarborte - Hattfjelldal"), in no fixed order. Running text names them by the Norwegian form,
# as Norwegian prose does (Kartverket's stadnamn register gives it as the official Norwegian
# name); tables keep SSB's official form.
NORWEGIAN_NAMES = {
    "0301": "Oslo", "1826": "Hattfjelldal", "1833": "Rana", "1841": "Fauske", "1845": "Sørfold",
    "1853": "Evenes", "1870": "Sortland", "1875": "Hamarøy", "5001": "Trondheim",
    "5006": "Steinkjer", "5007": "Namsos", "5025": "Røros", "5037": "Levanger", "5041": "Snåsa",
    "5043": "Røyrvik", "5503": "Harstad", "5512": "Tjeldsund", "5516": "Gratangen",
    "5518": "Lavangen", "5536": "Lyngen", "5538": "Storfjord", "5540": "Kåfjord",
    "5544": "Nordreisa", "5603": "Hammerfest", "5610": "Karasjok", "5612": "Kautokeino",
    "5622": "Porsanger", "5628": "Tana", "5636": "Nesseby",
}


_RANGE = re.compile(r"(\d{1,4})\s?-\s?(\d{1,4})")


def en_dash_range(text: str) -> str:
    """``"45-49"`` → ``"45–49"``: a text that is just a number range gets the en dash (the
    typographic rule for ranges, and the form every other range in the reports has)."""
    match = _RANGE.fullmatch(text.strip())
    return f"{match[1]}–{match[2]}" if match else text


class ParameterError(ValueError):
    """A notebook parameter is wrong; the message says what, where and what to do."""


@dataclass
class Context:
    """Everything a notebook needs to know about the programme it reports on.

    Attributes:
        program: the programme (for an area profile, a programme without indicators).
        profile: True when the report is an area profile (``program=""``): no effect tracking
            and no programme-specific text.
    """

    program: Program
    source: str
    language: str
    region_codes: list[str]
    region_label: str
    comparison_codes: list[str]
    county: str | None
    demo: bool
    profile: bool = False
    _counter: dict[str, int] = field(default_factory=dict)
    section: str = ""  # id of the last heading shown: findings link to it

    @property
    def county_region(self) -> bool:
        """The report is about a programme whose region is one county (it gets a barometer)."""
        return (not self.profile and len(self.region_codes) == 1
                and len(self.region_codes[0]) == 2)

    def t(self, key: str, **values: object) -> str:
        """Translated text in the report's language; a value that is a number range
        (``"45-49"``, an age group as SSB codes it) is shown with an en dash (``45–49``)."""
        shown = {k: en_dash_range(v) if isinstance(v, str) else v for k, v in values.items()}
        return i18n.t(key, self.language, **shown)

    def name(self, code: str, inline: bool = False) -> str:
        """Display name of a region code ("0" is the whole country).

        Args:
            code: municipality, county or ``"0"``.
            inline: the name stands inside a sentence ("enn hele landet", not "enn Hele
                landet"; "Oslo", not SSB's double form "Oslo - Oslove").
        """
        if code == "0":
            return self.t("national_inline" if inline else "national")
        name = geography.region_name(code)
        if inline and " - " in name:
            return NORWEGIAN_NAMES.get(code, name)
        return name

    def num(self, value: float | None, decimals: int = 0) -> str:
        """A number in the report's style (``1 234,5`` in Norwegian)."""
        return i18n.fmt_number(value, self.language, decimals)

    def pct(self, value: float | None, decimals: int = 1) -> str:
        """A percentage in the report's style (``12,3 %`` in Norwegian)."""
        return i18n.fmt_percent(value, self.language, decimals)

    def next_id(self, kind: str) -> str:
        """Stable ids (``table-1``, ``figure-2``) in display order: deterministic HTML."""
        self._counter[kind] = self._counter.get(kind, 0) + 1
        return f"{kind}-{self._counter[kind]}"

    @property
    def threshold(self) -> int:
        """The programme's disclosure threshold (counts below it are suppressed)."""
        return self.program.disclosure_threshold


def _check_source(source: str) -> str:
    if source not in ("demo", "ssb"):
        raise ParameterError(f"parameter source: {source!r} is not a data source; use "
                             "'demo' (synthetic) or 'ssb' (official statistics)")
    manifest = config.paths().processed_source(source) / "manifest.json"
    if source != "demo" and not manifest.exists():
        raise ParameterError(f"parameter source: no {source.upper()} data in "
                             f"data/processed/{source}/ (no manifest.json); run "
                             f"`make data DATA={source}` first")
    return source


def _check_region(region: str | int) -> str:
    if isinstance(region, int) and not isinstance(region, bool):
        # papermill's `-p region 0301` reads a number and drops the leading zero
        region = str(region).zfill(4 if region >= 100 else 2)
    region = str(region).strip()
    if region == geography.NATIONAL or geography.is_municipality(region) \
            or geography.is_county(region):
        return region
    raise ParameterError(f"parameter region: {region!r} is neither a 2024 municipality nor a "
                         "county code; give one such as '3303' (Kongsberg) or '33' (Buskerud), "
                         "or leave it empty for the programme's own region (with papermill, "
                         "`-r region 0301` passes the code as text)")


def _load(program: str, region: str, language: str) -> tuple[Program, bool]:
    if not program:
        if not region:
            raise ParameterError("parameter program: empty, and no region given; name a "
                                 f"programme ({', '.join(program_ids())}) or give a region "
                                 "code for an area profile")
        return area_profile(region, language or "nb"), True
    try:
        return load_program(program), False
    except ProgramError as exc:
        first = str(exc).splitlines()
        if "no such programme file" in first[0]:
            raise ParameterError(f"parameter program: {program!r} is not a programme; known: "
                                 f"{', '.join(program_ids())} (or '' with a region for an "
                                 "area profile)") from None
        raise ParameterError(" ".join(line.strip() for line in first)) from None


def setup(program: str = "flere-i-arbeid", source: str = "", region: str = "",
          language: str = "") -> Context:
    """Load the programme and resolve the region the report is about.

    Args:
        program: programme id (``programs/<id>.yml``); empty with a ``region`` gives an area
            profile (comparison areas from :func:`pipeline.programs.area_profile`, no effect
            tracking, no programme-specific text).
        source: ``demo`` or ``ssb``; empty means ``INNSIKT_DATA_SOURCE`` (default demo).
        region: optional municipality (4 digits) or county (2 digits) code overriding the
            programme's region, so a notebook can be run for any place.
        language: ``nb``, ``en`` or ``nn``; empty means the programme's language.

    Raises:
        ParameterError: one line naming the parameter, the value and what to do.
    """
    from pipeline.present import figures

    install_error_display()
    if language and language not in i18n.LANGUAGES:
        raise ParameterError(f"parameter language: {language!r} is not a report language; use "
                             f"one of {', '.join(i18n.LANGUAGES)} (or leave it empty)")
    region = _check_region(region) if str(region).strip() else ""
    source = _check_source(source or config.data_source())
    prog, profile = _load(program, region, language)
    language = language or prog.language
    if region:
        codes = [region]
        label = geography.region_name(region) if region != geography.NATIONAL \
            else i18n.t("national", language)
        county = region if geography.is_county(region) else (
            geography.county_of(region) if geography.is_municipality(region) else None)
        comparison = [c for c in prog.comparison.municipalities if c != region]
    else:
        codes = prog.region_codes
        label = prog.region.label
        county = prog.region.county or (geography.county_of(codes[0]) if codes else None)
        comparison = list(prog.comparison.municipalities)
    figures.apply_style()
    return Context(program=prog, source=source, language=language, region_codes=codes,
                   region_label=label, comparison_codes=comparison, county=county,
                   demo=(source == "demo"), profile=profile)


def _show_one_line(shell, etype, value, tb, tb_offset=None):  # noqa: ARG001 (IPython API)
    """IPython custom exception handler: the error as one line, no traceback."""
    line = f"{etype.__name__}: {value}"
    shell._showtraceback(etype, value, [line])  # the kernel sends it as the error output
    return [line]


def install_error_display() -> None:
    """In a Jupyter kernel, show :class:`ParameterError` and programme errors as one line."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: the normal traceback is fine
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((ParameterError, ProgramError), _show_one_line)
