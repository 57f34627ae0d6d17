"""The registry of SSB tables innsikt reads, in one place.

Each :class:`TableSpec` says which StatBank table feeds which tidy dataset, which dimensions
(SSB ids) it has, what each dimension is called in the tidy table, and which value codes the
analyses select. The SSB client builds its queries from it, the demo generator writes documents
of exactly this shape, and :mod:`pipeline.datasets` renames columns with it, so a code is
changed here and nowhere else.

The registry states what is *wanted*, not the literal query: codelists in order of preference
(with ``outputValues``), the regional level, SSB's known spellings of codes, dimensions held at
one value, newer rounds of a table. The SSB client reads each table's live ``/metadata`` and
derives the query from it (:mod:`pipeline.sources.query`); ``innsikt fetch --check`` shows what
it would send and every substitution, and a code that fits nothing fails with the table, the
dimension, what was asked and what is offered. Codes marked *unverified* in
``../shared/docs/ssb-api.md`` are the best public knowledge; the evidence behind the first
preferences is noted beside each table.

Industry codes (SN2007, moving to SN2025) live only in :data:`INDUSTRIES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

# Demo and analysis years. The last complete statistical year at the time of writing is 2025.
LAST_YEAR = 2025

SEXES = {"0": "Begge kjønn", "1": "Menn", "2": "Kvinner"}

# One-year ages as SSB codes them in 07459 and 14288: "000" … "104", "105+".
ONE_YEAR_AGES = [f"{a:03d}" for a in range(105)] + ["105+"]

# SN2007 main groups as aggregated by SSB's `agg_single:NACE2007arb11` (17 groups incl. unknown).
INDUSTRIES: dict[str, str] = {
    "01-03": "Jordbruk, skogbruk og fiske",
    "05-09": "Bergverksdrift og utvinning",
    "10-33": "Industri",
    "35-39": "Elektrisitet, vann og renovasjon",
    "41-43": "Bygge- og anleggsvirksomhet",
    "45-47": "Varehandel, reparasjon av motorvogner",
    "49-53": "Transport og lagring",
    "55-56": "Overnattings- og serveringsvirksomhet",
    "58-63": "Informasjon og kommunikasjon",
    "64-66": "Finansiering og forsikring",
    "68-75": "Teknisk tjenesteyting, eiendomsdrift",
    "77-82": "Forretningsmessig tjenesteyting",
    "84": "Off.adm., forsvar, sosialforsikring",
    "85": "Undervisning",
    "86-88": "Helse- og sosialtjenester",
    "90-99": "Personlig tjenesteyting",
    "00": "Uoppgitt",
}

# English names of the same groups (SSB's English StatBank labels, shortened alike).
INDUSTRIES_EN: dict[str, str] = {
    "01-03": "Agriculture, forestry and fishing",
    "05-09": "Mining and quarrying",
    "10-33": "Manufacturing",
    "35-39": "Electricity, water supply, sewerage",
    "41-43": "Construction",
    "45-47": "Wholesale and retail trade, repair of motor vehicles",
    "49-53": "Transportation and storage",
    "55-56": "Accommodation and food service activities",
    "58-63": "Information and communication",
    "64-66": "Financial and insurance activities",
    "68-75": "Professional, scientific and technical activities, real estate",
    "77-82": "Administrative and support service activities",
    "84": "Public administration and defence",
    "85": "Education",
    "86-88": "Human health and social work activities",
    "90-99": "Other service activities",
    "00": "Unspecified",
}

# Education levels of 09429 (persons 16 and over).
EDUCATION_LEVELS: dict[str, str] = {
    "01": "Grunnskolenivå",
    "02a": "Videregående skole-nivå",
    "11": "Fagskolenivå",
    "03a": "Universitets- og høgskolenivå kort",
    "04a": "Universitets- og høgskolenivå lang",
    "09a": "Uoppgitt eller ingen fullført utdanning",
}

EDUCATION_LEVELS_EN: dict[str, str] = {
    "01": "Primary and lower secondary education",
    "02a": "Upper secondary education",
    "11": "Tertiary vocational education",
    "03a": "University and college, short",
    "04a": "University and college, long",
    "09a": "Unknown or no completed education",
}


# Broad fields of study (NUS2000 fagfelt, first digit) of the population's highest completed
# education. Tidy codes are the digit; SSB's spelling in the table (``0`` or ``00``) is tried
# through the spec's ``spellings`` (*unverified* until ``innsikt fetch --check``).
FIELDS_OF_STUDY: dict[str, str] = {
    "0": "Allmenne fag",
    "1": "Humanistiske og estetiske fag",
    "2": "Lærerutdanninger og utdanninger i pedagogikk",
    "3": "Samfunnsfag og juridiske fag",
    "4": "Økonomiske og administrative fag",
    "5": "Naturvitenskapelige fag, håndverksfag og tekniske fag",
    "6": "Helse-, sosial- og idrettsfag",
    "7": "Primærnæringsfag",
    "8": "Samferdsels- og sikkerhetsfag og andre servicefag",
    "9": "Uoppgitt fagfelt",
}

FIELDS_OF_STUDY_EN: dict[str, str] = {
    "0": "General programmes",
    "1": "Humanities and arts",
    "2": "Education",
    "3": "Social sciences and law",
    "4": "Business and administration",
    "5": "Natural sciences, vocational and technical subjects",
    "6": "Health, welfare and sport",
    "7": "Primary industries",
    "8": "Transport and communications, safety and security and other services",
    "9": "Unspecified field of study",
}

FIELDS_OF_STUDY_NN: dict[str, str] = {
    "0": "Allmenne fag",
    "1": "Humanistiske og estetiske fag",
    "2": "Lærarutdanningar og utdanningar i pedagogikk",
    "3": "Samfunnsfag og juridiske fag",
    "4": "Økonomiske og administrative fag",
    "5": "Naturvitskaplege fag, handverksfag og tekniske fag",
    "6": "Helse-, sosial- og idrettsfag",
    "7": "Primærnæringsfag",
    "8": "Samferdsels- og tryggleiksfag og andre servicefag",
    "9": "Uoppgitt fagfelt",
}

# The field that holds ICT, engineering, crafts and production (NUS2000 fagfelt 5). SSB's
# municipal tables do not split ICT out of it at this level.
TECHNICAL_FIELD = "5"


# STYRK-08 major groups (one digit) of employed persons by occupation. SSB's dimension id
# ``Yrke`` and the one-digit codes (total ``0-9``) are those of its other STYRK-08 tables
# (11418, 11419, 09790 in public queries); the table below is *unverified*.
OCCUPATIONS: dict[str, str] = {
    "0": "Militære yrker og uoppgitt",
    "1": "Ledere",
    "2": "Akademiske yrker",
    "3": "Høyskoleyrker",
    "4": "Kontoryrker",
    "5": "Salgs- og serviceyrker",
    "6": "Bønder, fiskere mv.",
    "7": "Håndverkere",
    "8": "Prosess- og maskinoperatører, transportarbeidere mv.",
    "9": "Renholdere, hjelpearbeidere mv.",
}

OCCUPATIONS_EN: dict[str, str] = {
    "0": "Armed forces occupations and unspecified",
    "1": "Managers",
    "2": "Professionals",
    "3": "Technicians and associate professionals",
    "4": "Clerical support workers",
    "5": "Service and sales workers",
    "6": "Skilled agricultural, forestry and fishery workers",
    "7": "Craft and related trades workers",
    "8": "Plant and machine operators and assemblers",
    "9": "Elementary occupations",
}

OCCUPATIONS_NN: dict[str, str] = {
    "0": "Militære yrke og uoppgitt",
    "1": "Leiarar",
    "2": "Akademiske yrke",
    "3": "Høgskuleyrke",
    "4": "Kontoryrke",
    "5": "Sals- og serviceyrke",
    "6": "Bønder, fiskarar mv.",
    "7": "Handverkarar",
    "8": "Prosess- og maskinoperatørar, transportarbeidarar mv.",
    "9": "Reinhaldarar, hjelpearbeidarar mv.",
}

# The ICT and engineering sub-major groups (two digits) inside groups 2 and 3: what Kongsberg's
# KompetanseMagneten asks about. Optional codes: left out (with a note) when the table offers
# only one-digit groups.
TECH_OCCUPATIONS: dict[str, str] = {
    "21": "Realister og sivilingeniører",
    "25": "IKT-rådgivere",
    "31": "Ingeniører og teknikere",
    "35": "IKT-teknikere",
}

TECH_OCCUPATIONS_EN: dict[str, str] = {
    "21": "Science and engineering professionals",
    "25": "ICT professionals",
    "31": "Science and engineering associate professionals",
    "35": "ICT technicians",
}

TECH_OCCUPATIONS_NN: dict[str, str] = {
    "21": "Realistar og sivilingeniørar",
    "25": "IKT-rådgivarar",
    "31": "Ingeniørar og teknikarar",
    "35": "IKT-teknikarar",
}


def industry_name(code: str, lang: str = "nb") -> str:
    """Name of an SN2007 industry group in the report's language (the code if unknown)."""
    return (INDUSTRIES_EN if lang == "en" else INDUSTRIES).get(code, code)


def education_level_name(code: str, lang: str = "nb") -> str:
    """Name of an education level of table 09429 in the report's language."""
    return (EDUCATION_LEVELS_EN if lang == "en" else EDUCATION_LEVELS).get(code, code)


def field_of_study_name(code: str, lang: str = "nb") -> str:
    """Name of a broad field of study (NUS2000 fagfelt) in the report's language."""
    names = {"en": FIELDS_OF_STUDY_EN, "nn": FIELDS_OF_STUDY_NN}.get(lang, FIELDS_OF_STUDY)
    return names.get(code, code)


def occupation_name(code: str, lang: str = "nb") -> str:
    """Name of a STYRK-08 group (major or ICT/engineering sub-major) in the report's language."""
    names = {"en": {**OCCUPATIONS_EN, **TECH_OCCUPATIONS_EN},
             "nn": {**OCCUPATIONS_NN, **TECH_OCCUPATIONS_NN}}.get(
        lang, {**OCCUPATIONS, **TECH_OCCUPATIONS})
    return names.get(code, code)


# Age groups of the employment tables (07984 by place of work, 06445 by residence).
EMPLOYMENT_AGE_GROUPS = ["15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
                         "50-54", "55-59", "60-64", "65-69", "70-74"]

# Components of population change in 06913 (`Folkemengde` confirmed; the rest unverified).
POPULATION_COMPONENTS: dict[str, str] = {
    "Folkemengde": "Befolkning 1. januar",
    "Levendefodte": "Levendefødte",
    "Dode": "Døde",
    "Innvandring": "Innvandring",
    "Utvandring": "Utvandring",
    "Innflytting": "Innenlandsk innflytting",
    "Utflytting": "Innenlandsk utflytting",
    "Folketilvekst": "Folketilvekst",
}

PROJECTION_ALTERNATIVES = {"MMMM": "Hovedalternativet", "HHMH": "Høy nasjonal vekst",
                           "LLML": "Lav nasjonal vekst"}

COMPLETION_STATUS = {
    "1": "Fullført og bestått innen 5 år",
    "2": "Fortsatt i videregående",
    "3": "Fullført, ikke bestått",
    "4": "Sluttet underveis",
}
STUDY_PROGRAMMES = {"00": "Alle utdanningsprogram", "01": "Studieforberedende",
                    "02": "Yrkesfag"}
BACKGROUNDS = {"0": "Hele befolkningen", "B": "Innvandrere",
               "C": "Norskfødte med innvandrerforeldre", "E": "Befolkningen ellers"}


class Codelist(NamedTuple):
    """One codelist a dimension may be queried through.

    Attributes:
        id: SSB's codelist id (case-sensitive), e.g. ``agg_KommSummer``; ``None`` means the
            table's own value codes (no codelist).
        output_values: PxWebApi ``outputValues`` for a grouping codelist: ``aggregated`` (the
            groups) or ``single`` (the member codes of each group, e.g. historical
            municipalities); ``None`` leaves SSB's default.
    """

    id: str | None
    output_values: str | None = None

    def describe(self) -> str:
        """``agg_KommSummerHist (aggregated)`` / ``the table's own codes``."""
        if self.id is None:
            return "the table's own codes"
        return self.id + (f" ({self.output_values})" if self.output_values else "")


OWN_CODES = Codelist(None)


class FixedDimension(NamedTuple):
    """A dimension some rounds of a table have and the analyses hold at one value.

    It is found in the table's metadata by id or label, one code is selected, and the column is
    dropped from the tidy table (so the tidy columns do not depend on it). Example: the "years
    after start" dimension of completion tables, held at five years.

    Attributes:
        ids: dimension ids to look for (case-insensitive).
        label: regular expression matched against the dimension's label.
        codes: value codes to select, in order of preference.
        code_label: regular expression matched against value labels when no code matches.
        meaning: what the selection means, for messages.
    """

    ids: tuple[str, ...]
    label: str
    codes: tuple[str, ...]
    code_label: str
    meaning: str


@dataclass(frozen=True)
class TableSpec:
    """One StatBank table and the tidy dataset made from it: what is *wanted*.

    The SSB client resolves it against the table's own ``/metadata`` at fetch time
    (:mod:`pipeline.sources.query`): the first offered codelist of each preference list, SSB's
    spelling of each code, the fixed dimensions present, the newest table round offered.

    Attributes:
        table_id: SSB table number, five digits as a string (the demo and fallback round).
        dataset: name of the tidy dataset (``data/processed/<source>/<dataset>.parquet``).
        title: SSB's title (bokmål), shown in report provenance.
        dimensions: SSB dimension id -> tidy column name, in SSB's order (the dimension roles:
            ``ContentsCode`` maps to ``measure`` (the metric), ``Tid`` to ``year`` or
            ``period`` (time), the ``region_dimensions`` are geographic).
        codes: SSB dimension id -> value codes the analyses select, as the tidy table names
            them (``Region`` and ``Tid`` are chosen at fetch time: all regions of the chosen
            codelist, all years from ``first_year``).
        region_dimensions: dimensions holding region codes (harmonised across reforms).
        codelists: SSB dimension id -> codelists in order of preference; the client uses the
            first the table offers that reaches ``level``.
        level: ``municipality`` or ``county``: the finest regional level wanted.
        first_year: first year wanted.
        count_measures: measures that are counts of persons (subject to disclosure control).
        spellings: dimension -> tidy code -> SSB codes to try first (e.g. ``FullforingVGO``
            ``1`` is ``1a`` in table 14883); the tidy table always uses the tidy code.
        optional_codes: dimension -> tidy codes left out (with a note) when the table has none
            of their spellings.
        fixed: dimensions held at one value when the table has them.
        newer_tables: table ids of newer rounds of the same table, newest first; the client
            uses the first one SSB has and falls back to ``table_id``.
    """

    table_id: str
    dataset: str
    title: str
    dimensions: dict[str, str]
    codes: dict[str, list[str]] = field(default_factory=dict)
    region_dimensions: tuple[str, ...] = ("Region",)
    codelists: dict[str, tuple[Codelist, ...]] = field(default_factory=dict)
    level: str = "municipality"
    first_year: int = 2000
    count_measures: tuple[str, ...] = ()
    spellings: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    optional_codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fixed: tuple[FixedDimension, ...] = ()
    newer_tables: tuple[str, ...] = ()

    @property
    def time_column(self) -> str:
        return self.dimensions["Tid"]

    @property
    def table_ids(self) -> tuple[str, ...]:
        """Every round of the table, newest first (``newer_tables`` then ``table_id``)."""
        return (*self.newer_tables, self.table_id)

    def preferred_codelists(self, dimension: str) -> tuple[Codelist, ...]:
        """The codelist preferences of ``dimension`` (``(OWN_CODES,)`` when none is named)."""
        return self.codelists.get(dimension) or (OWN_CODES,)


def _codelists(**prefs: str | Codelist | None | tuple) -> dict[str, tuple[Codelist, ...]]:
    """``Region=("agg_KommSummer", ("agg_KommSummerHist", "aggregated"), None)`` → Codelists."""
    out = {}
    for dim, choices in prefs.items():
        items = choices if isinstance(choices, tuple) and not isinstance(choices, Codelist) \
            else (choices,)
        out[dim] = tuple(c if isinstance(c, Codelist) else Codelist(*c) if isinstance(c, tuple)
                         else Codelist(c) for c in items)
    return out


# Municipal tables: today's municipalities, earlier years summed to them, where SSB offers it.
MUNICIPAL = ("agg_KommSummer", "agg_KommGjeldende")
# County tables: today's counties; else the table's own (historical) county codes.
COUNTY = ("agg_KommFylker", None)
# 12960/14883 completion status: the evidence of real queries (1a, 2a, 4b on 14883); the
# plain codes 1-4 are what the tidy table and the analyses use. *Unverified* beyond that.
COMPLETION_SPELLINGS = {"FullforingVGO": {"1": ("1a",), "2": ("2a",), "3": ("3a",),
                                          "4": ("4b",)}}
YEARS_AFTER_START = FixedDimension(
    ids=("AarEtterStart", "ArEtterStart", "AntAar", "Varighet"),
    label=r"(?i)år etter start|years after start|varighet|duration",
    codes=("5", "05", "5aar", "5år"), code_label=r"(?i)\b5\s*år|\b5 years|^5$",
    meaning="five years after start (the analyses' completion within five years)")


def _completion_table(table_id: str, dataset: str, by: str, *, first_year: int,
                      dimensions: dict[str, str], codes: dict[str, list[str]]) -> TableSpec:
    """The two completion tables (12960, 14883): county level, completion status by cohort,
    the same spellings, the optional status "3" and the fixed "years after start" (5)."""
    return TableSpec(
        table_id, dataset,
        f"Gjennomføring i videregående opplæring, etter fylke, {by} og fullføringsgrad",
        {"Region": "region", **dimensions, "ContentsCode": "measure", "Tid": "period"},
        {**codes, "ContentsCode": ["Personer", "Prosent"]},
        codelists=_codelists(Region=COUNTY), level="county", first_year=first_year,
        count_measures=("Personer",), spellings=COMPLETION_SPELLINGS,
        optional_codes={"FullforingVGO": ("3",)}, fixed=(YEARS_AFTER_START,))


def _employment_table(table_id: str, dataset: str, title: str, *, by_industry: bool,
                      contents: tuple[str, ...]) -> TableSpec:
    """The two employment tables by sex and age group (07984 by workplace, all industries;
    06445 by residence, with the rate): municipal, from 2008, persons as the count."""
    industry = {"NACE2007": "industry"} if by_industry else {}
    return TableSpec(
        table_id, dataset, title,
        {"Region": "region", **industry, "Kjonn": "sex", "Alder": "age_group",
         "ContentsCode": "measure", "Tid": "year"},
        {**({"NACE2007": ["00-99"]} if by_industry else {}), "Kjonn": ["1", "2"],
         "Alder": EMPLOYMENT_AGE_GROUPS, "ContentsCode": list(contents)},
        codelists=_codelists(Region=MUNICIPAL), first_year=2008,
        count_measures=("Sysselsatte",))


TABLES: dict[str, TableSpec] = {
    spec.dataset: spec
    for spec in [
        TableSpec(
            "07459", "population", "Befolkning, etter region, kjønn, alder, statistikkvariabel og år",
            {"Region": "region", "Kjonn": "sex", "Alder": "age", "ContentsCode": "measure",
             "Tid": "year"},
            {"Kjonn": ["1", "2"], "Alder": ONE_YEAR_AGES, "ContentsCode": ["Personer1"]},
            codelists=_codelists(Region=MUNICIPAL),
            first_year=2000, count_measures=("Personer1",),
        ),
        TableSpec(
            "06913", "population_change", "Befolkning og endringer, etter region, statistikkvariabel og år",
            {"Region": "region", "ContentsCode": "measure", "Tid": "year"},
            {"ContentsCode": list(POPULATION_COMPONENTS)},
            # Real queries: codelist[Region]=agg_KommSummerHist, outputValues aggregated; the
            # table also offers vs_Landet (the country only, not the level wanted).
            codelists=_codelists(Region=(("agg_KommSummerHist", "aggregated"), *MUNICIPAL)),
            first_year=2000, count_measures=tuple(POPULATION_COMPONENTS),
        ),
        TableSpec(
            "13864", "migration_flows", "Flyttinger mellom kommuner, etter fraflyttingsregion, tilflyttingsregion og år",
            {"Fraflyttingsregion": "origin", "TilflyttRegion": "destination",
             "ContentsCode": "measure", "Tid": "year"},
            {"ContentsCode": ["Flytting"]},
            region_dimensions=("Fraflyttingsregion", "TilflyttRegion"),
            codelists=_codelists(Fraflyttingsregion=MUNICIPAL[::-1],
                                 TilflyttRegion=MUNICIPAL[::-1]),
            first_year=2015, count_measures=("Flytting",),
        ),
        TableSpec(
            "09817", "immigrants", "Innvandrere og norskfødte med innvandrerforeldre, etter region, innvandringskategori, landbakgrunn og år",
            {"Region": "region", "InnvandrKat": "category", "Landbakgrunn": "country_background",
             "ContentsCode": "measure", "Tid": "year"},
            {"InnvandrKat": ["B", "C"], "Landbakgrunn": ["999"],
             "ContentsCode": ["Personer1", "AndelBefolkning"]},
            codelists=_codelists(Region=MUNICIPAL),
            first_year=2010, count_measures=("Personer1",),
        ),
        _completion_table(
            "12960", "completion", "kjønn, utdanningsprogram", first_year=2006,
            dimensions={"Kjonn": "sex", "UtdProgram": "programme",
                        "FullforingVGO": "completion_status"},
            codes={"Kjonn": ["0", "1", "2"], "UtdProgram": list(STUDY_PROGRAMMES),
                   "FullforingVGO": list(COMPLETION_STATUS)}),
        _completion_table(
            "14883", "completion_background", "innvandringsbakgrunn", first_year=2010,
            dimensions={"InnvandrKat": "background", "FullforingVGO": "completion_status",
                        "UtdProgram": "programme", "Kjonn": "sex"},
            codes={"InnvandrKat": list(BACKGROUNDS), "FullforingVGO": list(COMPLETION_STATUS),
                   "UtdProgram": ["00"], "Kjonn": ["0"]}),
        TableSpec(
            "13556", "neet", "Unge utenfor arbeid og utdanning (NEET), etter region, kjønn og alder",
            {"Region": "region", "HovArbStyrkStatus": "labour_status", "Alder": "age_group",
             "Kjonn": "sex", "ContentsCode": "measure", "Tid": "year"},
            {"HovArbStyrkStatus": ["NEET"], "Alder": ["15-29"], "Kjonn": ["0", "1", "2"],
             "ContentsCode": ["Bosatte", "BosatteProsent"]},
            codelists=_codelists(Region=MUNICIPAL[::-1],
                                 HovArbStyrkStatus="vs_ArbStatus2018niva4"),
            first_year=2015, count_measures=("Bosatte",),
        ),
        TableSpec(
            "13563", "neet_county", "Personer utenfor arbeid, utdanning og opplæring, etter fylke og alder",
            {"Region": "region", "HovArbStyrkStatus": "labour_status", "Alder": "age_group",
             "ContentsCode": "measure", "Tid": "year"},
            {"HovArbStyrkStatus": ["NEET2", "TOT3"], "Alder": ["15-29", "30-61"],
             "ContentsCode": ["Bosatte", "BosatteProsent"]},
            codelists=_codelists(Region=COUNTY, HovArbStyrkStatus="vs_ArbStatus2018niva4a"),
            level="county", first_year=2015, count_measures=("Bosatte",),
        ),
        TableSpec(
            "13470", "employment_by_industry", "Sysselsatte personer etter arbeidssted, etter region, næring og år",
            {"Region": "region", "NACE2007": "industry", "ContentsCode": "measure", "Tid": "year"},
            {"NACE2007": list(INDUSTRIES), "ContentsCode": ["SysselEtterArbste"]},
            codelists=_codelists(Region=MUNICIPAL, NACE2007="agg_NACE2007arb11"),
            first_year=2008, count_measures=("SysselEtterArbste",),
        ),
        _employment_table(
            "07984", "employment_by_age", "Sysselsatte etter arbeidssted, etter region, næring, kjønn og alder (4. kvartal)",
            by_industry=True, contents=("Sysselsatte",)),
        _employment_table(
            "06445", "employment_rate", "Sysselsatte (bosted) etter kjønn og alder, andel i prosent av befolkningen",
            by_industry=False, contents=("Sysselsatte", "SysselsatteProsent")),
        TableSpec(
            "09429", "education", "Befolkningens utdanningsnivå, etter region, nivå, kjønn og år",
            {"Region": "region", "Nivaa": "level", "Kjonn": "sex", "ContentsCode": "measure",
             "Tid": "year"},
            {"Nivaa": list(EDUCATION_LEVELS), "Kjonn": ["0"],
             "ContentsCode": ["Personer", "PersonerProsent"]},
            # Real queries: agg_single:KommGjeldende / agg_single:Komm2020 (v0), i.e. the
            # member codes of today's units, historical ones included ("Bamble (-2019)").
            codelists=_codelists(Region=(("agg_KommGjeldende", "single"),
                                         ("agg_Komm2020", "single"), *MUNICIPAL)),
            first_year=2004, count_measures=("Personer",),
        ),
        TableSpec(
            # *Unverified* (innsikt fetch --check validates it against /metadata): the table
            # id, the dimension id ``Fagfelt``, the field codes (tried as ``5`` and ``05``),
            # the measure ``Personer`` and that the table reaches municipalities. Level, sex
            # and age are left out (SSB sums over eliminated dimensions): all persons 16+.
            "08921", "education_by_field", "Personer 16 år og over, etter region, fagfelt og år",
            {"Region": "region", "Fagfelt": "field", "ContentsCode": "measure", "Tid": "year"},
            {"Fagfelt": list(FIELDS_OF_STUDY), "ContentsCode": ["Personer"]},
            codelists=_codelists(Region=(("agg_KommGjeldende", "single"), *MUNICIPAL)),
            first_year=2010, count_measures=("Personer",),
            spellings={"Fagfelt": {code: (f"0{code}", code) for code in FIELDS_OF_STUDY},
                       "ContentsCode": {"Personer": ("Personer", "Personer1")}},
        ),
        TableSpec(
            # *Unverified* (innsikt fetch --check validates it against /metadata; the table is
            # optional and blocks nothing): the table id (no public source confirmed it), that
            # it reaches municipalities by place of residence, the measure ``Sysselsatte`` and
            # the two-digit codes (optional). Confirmed elsewhere: SSB's STYRK-08 dimension id
            # ``Yrke`` and its one-digit codes. Sex and age are left out (summed by SSB).
            "12542", "employment_by_occupation",
            "Sysselsatte per 4. kvartal, etter bosted, yrke (STYRK-08) og år",
            {"Region": "region", "Yrke": "occupation", "ContentsCode": "measure", "Tid": "year"},
            {"Yrke": [*OCCUPATIONS, *TECH_OCCUPATIONS], "ContentsCode": ["Sysselsatte"]},
            codelists=_codelists(Region=(*MUNICIPAL, None)),
            first_year=2015, count_measures=("Sysselsatte",),
            spellings={"ContentsCode": {"Sysselsatte": ("Sysselsatte", "SysselsatteBosted",
                                                        "Personer")}},
            optional_codes={"Yrke": tuple(TECH_OCCUPATIONS)},
        ),
        TableSpec(
            "14288", "population_projection", "Framskrevet folkemengde 1. januar, etter region, kjønn, alder og alternativ (2024)",
            {"Region": "region", "Kjonn": "sex", "Alder": "age", "ContentsCode": "alternative",
             "Tid": "year"},
            {"Kjonn": ["1", "2"], "Alder": ONE_YEAR_AGES,
             "ContentsCode": list(PROJECTION_ALTERNATIVES)},
            # The newest round SSB has (14746: 2026, to 2050) is used; 14288 (2024) otherwise.
            codelists=_codelists(Region=("vs_KommunFram2026", "vs_KommunFram2024",
                                         "vs_KommunFram", *MUNICIPAL)),
            first_year=2024, newer_tables=("14746",),
        ),
    ]
}


def table(dataset: str) -> TableSpec:
    """The :class:`TableSpec` of a tidy dataset, with a clear error for unknown names."""
    try:
        return TABLES[dataset]
    except KeyError:
        raise KeyError(
            f"unknown dataset {dataset!r}; known datasets: {', '.join(sorted(TABLES))}"
        ) from None


def by_table_id(table_id: str) -> TableSpec:
    """The :class:`TableSpec` of an SSB table number."""
    for spec in TABLES.values():
        if table_id in spec.table_ids:
            return spec
    raise KeyError(f"table {table_id} is not in the registry (pipeline/sources/tables.py)")


# Which analyses read each dataset (for ``innsikt build``'s report of what a missing dataset
# blocks). Kept beside the registry; pipeline.datasets.blocked_analyses prefers an analysis
# package's own ``DATASETS`` where it declares one.
USED_BY: dict[str, tuple[str, ...]] = {
    "population": ("youth_dropout", "migration"),
    "population_change": ("migration",),
    "migration_flows": ("migration",),
    "immigrants": ("migration",),
    "completion": ("youth_dropout",),
    "completion_background": ("youth_dropout",),
    "neet": ("youth_dropout",),
    "neet_county": ("youth_dropout",),
    "employment_by_industry": ("competence_gap", "migration"),
    "employment_by_age": ("competence_gap",),
    "employment_rate": ("competence_gap",),
    "education": ("competence_gap",),
    # Optional: competence_gap shows skills by field when the dataset exists and leaves the
    # section out when it does not (its codes are unverified), so a missing table blocks none.
    "education_by_field": (),
    # Optional in the same way: employment by occupation (STYRK-08), table id unverified.
    "employment_by_occupation": (),
    "population_projection": ("competence_gap", "youth_dropout", "migration"),
}
