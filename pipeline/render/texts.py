"""The renderer's own wording (cover, summary, appendix, index pages), in bokmål and English.

Keys are prefixed ``render.`` so they can never clash with an analysis module's keys in the one
translation table (:mod:`pipeline.i18n`).
"""

from __future__ import annotations

from pipeline import i18n

ANALYSIS_TITLES: dict[str, dict[str, str]] = {
    "competence_gap": {"nb": "Kompetansebehov og arbeidskraft",
                       "en": "Competence needs and labour supply"},
    "youth_dropout": {"nb": "Unge utenfor arbeid og utdanning",
                      "en": "Young people outside work and education"},
    "migration": {"nb": "Flytting og befolkning", "en": "Migration and population"},
}

TEXTS: dict[str, dict[str, str]] = {
    "render.skip": {"nb": "Hopp til innholdet", "en": "Skip to content"},
    "render.key_findings": {"nb": "Hovedfunn", "en": "Key findings"},
    "render.no_findings": {
        "nb": "Analysen ga ingen hovedfunn for dette området.",
        "en": "The analysis produced no key findings for this area.",
    },
    "render.programme": {"nb": "Program", "en": "Programme"},
    "render.owner": {"nb": "Programeier", "en": "Owner"},
    "render.area": {"nb": "Område", "en": "Area"},
    "render.data_source": {"nb": "Datakilde", "en": "Data source"},
    "render.source_demo": {
        "nb": "Syntetiske demonstrasjonsdata formet som SSB-tabeller",
        "en": "Synthetic demo data shaped like SSB tables",
    },
    "render.source_ssb": {"nb": "Statistisk sentralbyrå (SSB), statistikkbanken",
                          "en": "Statistics Norway (SSB), StatBank"},
    "render.methods": {"nb": "Metode og kilder", "en": "Methods and sources"},
    "render.tables_used": {"nb": "Tabeller brukt i rapporten",
                           "en": "Tables used in the report"},
    "render.col_table": {"nb": "Tabell", "en": "Table"},
    "render.col_title": {"nb": "Tittel", "en": "Title"},
    "render.col_updated": {"nb": "Sist oppdatert hos kilden", "en": "Last updated at source"},
    "render.col_retrieved": {"nb": "Hentet", "en": "Retrieved"},
    "render.col_note": {"nb": "Merknad", "en": "Note"},
    "render.no_tables": {"nb": "Ingen kildetabeller er registrert for rapporten.",
                         "en": "No source tables are recorded for this report."},
    "render.demo_note": {
        "nb": "Tallene i denne rapporten er syntetiske demonstrasjonsdata laget for å vise "
              "hvordan rapporten ser ut. De er formet som SSB-tabellene over, men er ikke "
              "offisiell statistikk og skal ikke brukes til beslutninger.",
        "en": "The figures in this report are synthetic demo data made to show how the report "
              "looks. They are shaped like the SSB tables above but are not official statistics "
              "and must not be used for decisions.",
    },
    "render.ssb_note": {
        "nb": "Tallene er hentet fra Statistisk sentralbyrås statistikkbank (lisens CC BY 4.0). "
              "Kommunetall er harmonisert til kommuneinndelingen fra 2024.",
        "en": "The figures come from Statistics Norway's StatBank (licence CC BY 4.0). "
              "Municipal figures are harmonised to the 2024 municipal structure.",
    },
    "render.suppression": {
        "nb": "Personvern: antall under {threshold} personer, og tall som kan regnes ut fra "
              "dem, er skjult og vist som «:» i tabeller, figurer og regneark.",
        "en": "Privacy: counts below {threshold} persons, and figures from which they could be "
              "derived, are suppressed and shown as “:” in tables, figures and the workbook.",
    },
    "render.harm_summary": {"nb": "Harmonisert til kommuneinndelingen fra 2024: {parts}.",
                            "en": "Harmonised to the 2024 municipal structure: {parts}."},
    "render.harm_none": {"nb": "Ingen kodeendringer å harmonisere (koder fra 2024).",
                         "en": "No code changes to harmonise (2024 codes)."},
    "render.harm_renumbered": {"nb": "{n} kode(r) fått nytt nummer",
                               "en": "{n} code(s) renumbered"},
    "render.harm_merged": {"nb": "{n} kode(r) slått sammen (tallene er summert)",
                           "en": "{n} code(s) merged (figures summed)"},
    "render.harm_grown": {
        "nb": "{n} kommune(r) der tall fra før en sammenslåing dekker et mindre område",
        "en": "{n} municipality(ies) whose figures from before a merger cover a smaller area",
    },
    "render.harm_split": {"nb": "{n} delingsregel(er) brukt", "en": "{n} split rule(s) applied"},
    "render.harm_dropped": {"nb": "noen rader utelatt (ikke-geografiske koder eller andeler for "
                                  "endrede enheter)",
                            "en": "some rows left out (non-geographic codes or rates of changed "
                                  "units)"},
    "render.split_rules": {
        "nb": "Delingsregler: der en kommune eller et fylke er delt, er tallene fra før delingen "
              "fordelt slik:",
        "en": "Split rules: where a municipality or county was split, figures from before the "
              "split are distributed as follows:",
    },
    "render.harm_split_where": {"nb": "Tabell {tables}: {rule}", "en": "Table {tables}: {rule}"},
    "render.harm_split_weighted": {
        "nb": "{unit} er delt; tallene er fordelt etter {rule}: {shares}.",
        "en": "{unit} was split; figures are distributed by {rule}: {shares}.",
    },
    "render.harm_split_whole": {
        "nb": "{unit} er delt uten kjente vekter; hele tallet er lagt til {pick}.",
        "en": "{unit} was split with no known weights; the whole figure goes to {pick}.",
    },
    "render.harm_rule_population": {"nb": "befolkningsandeler", "en": "population shares"},
    "render.harm_rule_fixed": {"nb": "faste vekter", "en": "fixed weights"},
    "render.harm_county": {"nb": "Fylke", "en": "County"},
    "render.reproduce": {
        "nb": "Rapporten er laget av notatboken {notebook} med programfilen {program_file}. "
              "Git-versjon, sjekksummer for inndata og pakkeversjoner står i {manifest}.",
        "en": "The report was produced by the notebook {notebook} with the programme file "
              "{program_file}. Git commit, input checksums and package versions are listed in "
              "{manifest}.",
    },
    "render.footer": {"nb": "Laget med innsikt", "en": "Made with innsikt"},
    "render.programme_page": {"nb": "Programside", "en": "Programme page"},
    "render.all_reports": {"nb": "Alle rapporter", "en": "All reports"},
    "render.analyses": {"nb": "Analyser", "en": "Analyses"},
    "render.read_html": {"nb": "Les rapporten", "en": "Read the report"},
    "render.pdf": {"nb": "PDF", "en": "PDF"},
    "render.downloads": {"nb": "Last ned", "en": "Downloads"},
    "render.combined_pdf": {"nb": "Hele programrapporten (PDF)",
                            "en": "The whole programme report (PDF)"},
    "render.workbook": {"nb": "Alle tabeller (Excel-regneark)",
                        "en": "All tables (Excel workbook)"},
    "render.not_available": {
        "nb": "Rapporten er ikke tilgjengelig fordi analysen feilet i siste kjøring.",
        "en": "The report is not available because the analysis failed in the last run.",
    },
    "render.contents": {"nb": "Innhold", "en": "Contents"},
    "render.page": {"nb": "side", "en": "page"},
    "render.site_title": {"nb": "Rapporter fra innsikt", "en": "Reports from innsikt"},
    "render.site_intro": {
        "nb": "Analyser for regionale vekstprogrammer: ett avsnitt per program, med rapporter "
              "som nettside og PDF, samlet PDF og alle tabeller som regneark.",
        "en": "Analyses for regional growth programmes: one section per programme, with "
              "reports as web pages and PDF, a combined PDF and all tables as a workbook.",
    },
    "render.programmes": {"nb": "Programmer", "en": "Programmes"},
    "render.failures": {"nb": "Analyser som feilet", "en": "Analyses that failed"},
    "render.failures_intro": {
        "nb": "Disse analysene feilet i siste kjøring og har ingen oppdatert rapport:",
        "en": "These analyses failed in the last run and have no updated report:",
    },
    "render.sources_sheet": {"nb": "Kilder", "en": "Sources"},
    "render.contents_sheet": {"nb": "Innhold", "en": "Contents"},
    "render.sheet": {"nb": "Ark", "en": "Sheet"},
    "render.analysis": {"nb": "Analyse", "en": "Analysis"},
    "render.caption": {"nb": "Tabelltekst", "en": "Caption"},
    "render.notes": {"nb": "Merknader", "en": "Notes"},
    "render.suppressed_cells": {
        "nb": "«:» betyr at tallet er skjult for å verne små tall.",
        "en": "“:” means the figure is suppressed to protect small counts.",
    },
    "render.demo_marker": {"nb": "DEMO", "en": "DEMO"},
}

i18n.register(TEXTS)


def t(key: str, lang: str, **values: object) -> str:
    """A renderer string (``render.`` prefix optional) in ``lang``."""
    prefixed = key if key.startswith("render.") else f"render.{key}"
    return i18n.t(prefixed if prefixed in i18n.TEXTS else key, lang, **values)


def analysis_title(analysis: str, lang: str) -> str:
    """Display title of an analysis; unknown analyses get their name in sentence case."""
    titles = ANALYSIS_TITLES.get(analysis)
    if titles is None:
        return analysis.replace("_", " ").capitalize()
    return titles[lang]
