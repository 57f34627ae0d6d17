"""The programme's front page and barometer, built from the notebooks' findings and tables.

The front page (top of ``reports/<program>/index.html`` and page 1 of the combined PDF) has one
short block per question the programme asks:

- one block per indicator in the programme file ("are we on the right track?"), holding the
  findings that answer it: a finding's ``question`` or ``indicator`` field names the indicator,
  and effect tracking's findings (``effect_<indicator>_<n>``) are matched by their key;
- one block per other ``question`` a finding names (a text key, e.g. ``cg_question_gap``);
- one block for the first-ranked finding of each analysis that no block above (and no
  reference) already speaks for, so every analysis is on the page once at least;
- the programme's own quoted figures (``references`` in the programme file) beside ours: a
  finding whose ``reference`` field is the reference's label is shown next to it, and only
  there (each finding once).

Each item links to the section the finding stands in. Structured fields of a finding (verdict,
method, interval, target distance, power) are shown under its sentence when given.

The barometer merges the barometer tables of every analysis (``kind: "barometer"``) into one
table: municipality × indicator, latest value and change, classes only where a test rejected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from pipeline import i18n
from pipeline.programs import Program
from pipeline.render import texts
from pipeline.render.content import ReportContent

DETAIL_FIELDS = ("verdict", "method", "interval", "target", "power")
PER_ANALYSIS = 1  # findings per analysis block beyond the programme's questions
STATED_SHARE = 0.8  # a detail whose words the sentence holds (this share) is not repeated


def _question_of(finding: Mapping[str, Any], indicator_ids: list[str]) -> str:
    for field in ("question", "indicator"):
        if finding.get(field):
            return str(finding[field])
    key = str(finding.get("key", ""))
    for ind in indicator_ids:
        if key.startswith(f"effect_{ind}_"):
            return ind
    return ""


def _stated(detail: str, text: str) -> bool:
    """Whether the sentence already says the detail: nearly all its words are in it.

    On paper a detail the sentence states ("… (forskjell-i-forskjeller): kan ikke skilles fra
    tilfeldig variasjon", or "Endringen kan ikke skilles fra områdets egen variasjon fra år
    til år" beside the method "endring mot områdets egen variasjon fra år til år") is left
    out, so page 1 holds every answer; the programme page shows every detail.
    """
    words = re.findall(r"\w+", detail.lower())
    said = set(re.findall(r"\w+", text.lower()))
    return bool(words) and sum(w in said for w in words) >= STATED_SHARE * len(words)


def _item(finding: Mapping[str, Any], analysis: str, link: Callable[[str, str], str],
          lang: str) -> dict[str, Any]:
    target = str(finding.get("section") or finding.get("id") or "")
    text = str(finding.get("text", ""))
    details = [(texts.t(f"front_{f}", lang), str(finding[f])) for f in DETAIL_FIELDS
               if finding.get(f)]
    new = [(label, value) for label, value in details if not _stated(value, text)]
    return {"text": text, "details": details, "print_details": new,
            "href": link(analysis, target), "id": str(finding.get("id") or ""),
            "analysis": analysis}


def _question_title(question: str, lang: str, key: str = "front_question") -> str:
    if f"indicator_{question}" in i18n.TEXTS:
        return texts.t(key, lang, label=i18n.t(f"indicator_{question}", lang))
    if question in i18n.TEXTS:
        return i18n.t(question, lang)
    return question


def _target_text(indicator, lang: str) -> str:
    """The programme's own target for an indicator ("8,0 % innen 2026"), or ""."""
    if indicator.target is None:
        return ""
    from pipeline import indicators

    scale = indicators.get(indicator.id).scale
    value = (i18n.fmt_percent(indicator.target, lang, 1) if scale == "percent"
             else i18n.fmt_number(indicator.target, lang, 0 if scale == "count" else 1))
    key = "front_target_by" if indicator.by else "front_target_plain"
    return texts.t(key, lang, value=value, by=indicator.by or "")


def reference_value(ref, lang: str) -> str:
    """A quoted figure as a council writes it: kroner in millions ("4 mill. kr"), else a count.

    A reference that sits beside a value in kroner (``compares_with: worth``) is an amount.
    """
    if ref.compares_with == "worth" and abs(ref.value) >= 1_000_000:
        millions = ref.value / 1_000_000
        decimals = 0 if float(millions).is_integer() else 1
        return texts.t("front_mill_kr", lang, value=i18n.fmt_number(millions, lang, decimals))
    return i18n.fmt_number(ref.value, lang)


def _with_reference(item: dict[str, Any], ref, lang: str) -> dict[str, Any]:
    """A finding shown beside the programme's figure it answers, inside its question block."""
    key = "front_theirs_in_label" if str(ref.year) in ref.label else "front_theirs"
    theirs = texts.t(key, lang, label=ref.label, value=reference_value(ref, lang),
                     year=ref.year)
    return {**item, "theirs": theirs, "source": ref.source}


def blocks(program: Program, reports: Mapping[str, ReportContent], lang: str,
           link: Callable[[str, str], str], *,
           with_references: bool = False) -> list[dict[str, Any]]:
    """The front page's question blocks, in the programme file's order.

    Args:
        program: the programme (its indicators are its questions).
        reports: analysis → report content, in report order.
        lang: report language.
        link: ``(analysis, anchor) → href`` (differs between the programme page and the PDF).
        with_references: a finding that sits beside a programme figure and answers a question
            goes into that question's block, the programme's figure first (``theirs``); the
            compact page 1 of the combined PDF does so (:func:`references` then leaves it out).

    Returns:
        Blocks ``{title, anchor, items: [{text, details, href, id}]}``; an indicator with no
        finding gets an empty block that says so.
    """
    indicator_ids = [ind.id for ind in program.indicators]
    quoted = {ref.label: ref for ref in program.references}
    grouped: dict[str, list[dict[str, Any]]] = {}
    leftovers: dict[str, list[Mapping[str, Any]]] = {}
    answering: set[str] = set()  # analyses with a finding in a block or beside a reference
    for analysis, content in reports.items():
        for finding in content.key_findings():
            question = _question_of(finding, indicator_ids)
            ref = quoted.get(str(finding.get("reference") or ""))
            if finding.get("reference"):
                answering.add(analysis)
                if not (with_references and question and ref is not None):
                    continue  # shown once, beside the programme's own figure (references)
                grouped.setdefault(question, []).append(
                    _with_reference(_item(finding, analysis, link, lang), ref, lang))
                continue
            if question:
                grouped.setdefault(question, []).append(_item(finding, analysis, link, lang))
                answering.add(analysis)
            else:
                leftovers.setdefault(analysis, []).append(finding)
    targets = {ind.id: _target_text(ind, lang) for ind in program.indicators}
    out = []
    for question in indicator_ids + [q for q in grouped if q not in indicator_ids]:
        out.append({"title": _question_title(question, lang), "anchor": f"q-{question}",
                    "print_title": _question_title(question, lang, "front_question_print"),
                    "items": grouped.get(question, []), "target": targets.get(question, "")})
    for analysis, found in leftovers.items():
        if analysis in answering:
            continue  # the page stays short: an analysis already answering needs no extra block
        items = [_item(f, analysis, link, lang) for f in found[:PER_ANALYSIS]]
        title = texts.analysis_title(analysis, lang)
        out.append({"title": title, "print_title": title, "anchor": f"q-{analysis}",
                    "items": items, "target": ""})
    return out


def references(program: Program, reports: Mapping[str, ReportContent], lang: str,
               link: Callable[[str, str], str], *,
               shown: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The programme's quoted figures, each with the findings that sit beside it.

    Args:
        shown: blocks from :func:`blocks` with ``with_references``: a figure whose findings
            stand in a block there is left out here (each finding once).
    """
    in_blocks = {(item["analysis"], item["id"]) for block in shown or []
                 for item in block["items"] if item.get("theirs")}
    ours: dict[str, list[dict[str, Any]]] = {}
    for analysis, content in reports.items():
        for finding in content.findings:
            if finding.get("reference"):
                ours.setdefault(str(finding["reference"]), []).append(
                    _item(finding, analysis, link, lang))
    out = []
    for ref in program.references:
        found = ours.get(ref.label, [])
        if found and all((item["analysis"], item["id"]) in in_blocks for item in found):
            continue
        out.append({"label": ref.label, "value": reference_value(ref, lang), "year": ref.year,
                    "source": ref.source, "ours": found})
    return out


def shown_finding_ids(front: list[dict[str, Any]],
                      refs: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Analysis → ids of the findings the front page shows (the body then leaves them out)."""
    out: dict[str, set[str]] = {}
    for block in front:
        for item in block["items"]:
            out.setdefault(item["analysis"], set()).add(item["id"])
    for ref in refs:
        for item in ref["ours"]:
            out.setdefault(item["analysis"], set()).add(item["id"])
    return out


def barometer(reports: Mapping[str, ReportContent]) -> dict[str, Any] | None:
    """The merged barometer of every analysis, or None when no analysis published one.

    Returns:
        ``{caption, legend, columns: [label…], rows: [{name, cells: [(latest, change, class)]}]}``
        with one column per indicator (each cell holds the latest value and the change).
    """
    records: list[Mapping[str, Any]] = []
    caption = legend = ""
    for content in reports.values():
        for table in content.tables:
            if table.get("kind") == "barometer":
                records.extend(table.get("barometer", []))
                caption = caption or str(table.get("caption", ""))
                legend = legend or " ".join(str(n) for n in table.get("notes", []))
    if not records:
        return None
    indicators: dict[str, str] = {}
    rows: dict[str, dict[str, Any]] = {}
    for r in records:
        heading = f"{r['label']} {r['year']}"
        indicators.setdefault(str(r["indicator"]), heading)
        row = rows.setdefault(str(r["region"]), {"name": r["name"], "cells": {}})
        row["cells"][str(r["indicator"])] = (r["latest"], r["change"], r.get("comparison", ""))
    start = min(int(r["start_year"]) for r in records)
    order = sorted(rows)
    return {"caption": caption, "legend": legend, "start": start,
            "columns": list(indicators.values()),
            "rows": [{"name": rows[c]["name"],
                      "cells": [rows[c]["cells"].get(i, ("–", "–", "")) for i in indicators]}
                     for c in order]}


def _barometer_records(reports: Mapping[str, ReportContent]) -> list[Mapping[str, Any]]:
    return [r for content in reports.values() for table in content.tables
            if table.get("kind") == "barometer" for r in table.get("barometer", [])]


def barometer_summary(reports: Mapping[str, ReportContent], lang: str) -> dict[str, Any] | None:
    """Page 1's short barometer: per indicator, how many municipalities a test finds better or
    worse than the country, and which; None when no analysis published a barometer.

    Returns:
        ``{title, lines: [{label, better: [names], worse: [names], text}], note}``; an
        indicator that cannot be tested (a count or a net figure) says so instead.
    """
    from pipeline import indicators

    records = _barometer_records(reports)
    if not records:
        return None
    by_indicator: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        by_indicator.setdefault(str(r["indicator"]), []).append(r)
    municipalities = len({str(r["region"]) for r in records})
    lines = []
    for indicator, rows in by_indicator.items():
        spec = indicators.get(indicator)
        label = f"{rows[0]['label']} {rows[0]['year']}"
        better = [str(r["name"]) for r in rows if r.get("comparison") == "better"]
        worse = [str(r["name"]) for r in rows if r.get("comparison") == "worse"]
        if spec.scale == "count" or spec.net:
            text = texts.t("front_barometer_untested", lang)
        else:
            text = texts.t("front_barometer_plain", lang,
                           n=len(rows) - len(better) - len(worse))
        lines.append({"label": label, "better": better, "worse": worse, "text": text,
                      "better_count": texts.t("front_barometer_better", lang, n=len(better)),
                      "worse_count": texts.t("front_barometer_worse", lang, n=len(worse))})
    return {"title": texts.t("front_barometer_title", lang, n=municipalities),
            "lines": lines}
