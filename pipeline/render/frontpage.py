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

from collections.abc import Callable, Mapping
from typing import Any

from pipeline import i18n
from pipeline.programs import Program
from pipeline.render import texts
from pipeline.render.content import ReportContent

DETAIL_FIELDS = ("verdict", "method", "interval", "target", "power")
PER_ANALYSIS = 1  # findings per analysis block beyond the programme's questions


def _question_of(finding: Mapping[str, Any], indicator_ids: list[str]) -> str:
    for field in ("question", "indicator"):
        if finding.get(field):
            return str(finding[field])
    key = str(finding.get("key", ""))
    for ind in indicator_ids:
        if key.startswith(f"effect_{ind}_"):
            return ind
    return ""


def _item(finding: Mapping[str, Any], analysis: str, link: Callable[[str, str], str],
          lang: str) -> dict[str, Any]:
    target = str(finding.get("section") or finding.get("id") or "")
    details = [(texts.t(f"front_{f}", lang), str(finding[f])) for f in DETAIL_FIELDS
               if finding.get(f)]
    return {"text": str(finding.get("text", "")), "details": details,
            "href": link(analysis, target), "id": str(finding.get("id") or ""),
            "analysis": analysis}


def _question_title(question: str, lang: str) -> str:
    if f"indicator_{question}" in i18n.TEXTS:
        return texts.t("front_question", lang, label=i18n.t(f"indicator_{question}", lang))
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


def blocks(program: Program, reports: Mapping[str, ReportContent], lang: str,
           link: Callable[[str, str], str]) -> list[dict[str, Any]]:
    """The front page's question blocks, in the programme file's order.

    Args:
        program: the programme (its indicators are its questions).
        reports: analysis → report content, in report order.
        lang: report language.
        link: ``(analysis, anchor) → href`` (differs between the programme page and the PDF).

    Returns:
        Blocks ``{title, anchor, items: [{text, details, href, id}]}``; an indicator with no
        finding gets an empty block that says so.
    """
    indicator_ids = [ind.id for ind in program.indicators]
    grouped: dict[str, list[dict[str, Any]]] = {}
    leftovers: dict[str, list[Mapping[str, Any]]] = {}
    answering: set[str] = set()  # analyses with a finding in a block or beside a reference
    for analysis, content in reports.items():
        for finding in content.key_findings():
            if finding.get("reference"):
                answering.add(analysis)
                continue  # shown once, beside the programme's own figure (see references)
            question = _question_of(finding, indicator_ids)
            if question:
                grouped.setdefault(question, []).append(_item(finding, analysis, link, lang))
                answering.add(analysis)
            else:
                leftovers.setdefault(analysis, []).append(finding)
    targets = {ind.id: _target_text(ind, lang) for ind in program.indicators}
    out = []
    for question in indicator_ids + [q for q in grouped if q not in indicator_ids]:
        out.append({"title": _question_title(question, lang), "anchor": f"q-{question}",
                    "items": grouped.get(question, []), "target": targets.get(question, "")})
    for analysis, found in leftovers.items():
        if analysis in answering:
            continue  # the page stays short: an analysis already answering needs no extra block
        items = [_item(f, analysis, link, lang) for f in found[:PER_ANALYSIS]]
        out.append({"title": texts.analysis_title(analysis, lang), "anchor": f"q-{analysis}",
                    "items": items, "target": ""})
    return out


def references(program: Program, reports: Mapping[str, ReportContent], lang: str,
               link: Callable[[str, str], str]) -> list[dict[str, Any]]:
    """The programme's quoted figures, each with the findings that sit beside it."""
    ours: dict[str, list[dict[str, Any]]] = {}
    for analysis, content in reports.items():
        for finding in content.findings:
            if finding.get("reference"):
                ours.setdefault(str(finding["reference"]), []).append(
                    _item(finding, analysis, link, lang))
    return [{"label": ref.label, "value": i18n.fmt_number(ref.value, lang), "year": ref.year,
             "source": ref.source, "ours": ours.get(ref.label, [])}
            for ref in program.references]


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
