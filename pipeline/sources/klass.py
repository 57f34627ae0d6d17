"""SSB's classification service KLASS: the live municipality change table (classification 131).

Harmonisation always uses the bundled change table (:mod:`pipeline.geography`), so builds are
reproducible; ``innsikt fetch`` reads the live table with :func:`fetch`, caches the response
beside the StatBank tables (``data/raw/ssb/klass/``, with a sidecar) and reports where it differs
from the bundled one (a reform the bundle does not know yet). The base URL comes from
``INNSIKT_KLASS_URL`` (:func:`pipeline.config.klass_base_url`).
"""

from __future__ import annotations

import json
import warnings
from datetime import date
from pathlib import Path

import pandas as pd
import requests

from pipeline import config, geography
from pipeline.sources.cache import store_response

CLASSIFICATION = 131  # municipalities
CHANGE_COLUMNS = geography.CHANGE_COLUMNS
FIRST_YEAR = 2017


class KlassError(RuntimeError):
    """KLASS could not be read or answered something that is not a change table."""


def _url(base_url: str | None = None) -> str:
    base = (base_url or config.klass_base_url()).rstrip("/")
    return f"{base}/classifications/{CLASSIFICATION}/changes"


def _params(from_year: int, to_year: int) -> dict[str, str]:
    # KLASS `from=YYYY-12-31&to=ZZZZ-01-02` returns changes on 1 Jan of YYYY+1 … ZZZZ.
    return {"from": f"{from_year}-12-31", "to": f"{to_year}-01-02"}


def parse_changes(doc: object, origin: str = "KLASS") -> pd.DataFrame:
    """A KLASS ``/changes`` document → the change table (name-only changes skipped).

    Raises:
        KlassError: when the document has no ``codeChanges``.
    """
    rows = doc.get("codeChanges") if isinstance(doc, dict) else None
    if rows is None:
        raise KlassError(f"{origin}: no 'codeChanges' in the response")
    df = pd.DataFrame(
        [{"old_code": str(r["oldCode"]), "old_name": r.get("oldName", ""),
          "new_code": str(r["newCode"]), "new_name": r.get("newName", ""),
          "date": r["changeOccurred"]} for r in rows],
        columns=CHANGE_COLUMNS,
    )
    df = df.loc[df["old_code"] != df["new_code"]].copy()
    df["date"] = pd.to_datetime(df["date"])
    return df.sort_values(["date", "old_code", "new_code"]).reset_index(drop=True)


def _get(from_year: int, to_year: int, base_url: str | None, timeout: float
         ) -> tuple[requests.Response, bytes]:
    try:
        resp = requests.get(_url(base_url), params=_params(from_year, to_year),
                            headers={"Accept": "application/json"}, timeout=timeout)
        resp.raise_for_status()
    except requests.RequestException as exc:
        raise KlassError(f"KLASS {_url(base_url)}: {exc}") from None
    return resp, resp.content


def fetch_changes(from_year: int = FIRST_YEAR, to_year: int = geography.TARGET_YEAR, *,
                  base_url: str | None = None, timeout: float = 20.0) -> pd.DataFrame:
    """Read the change table from KLASS (no fallback).

    Raises:
        KlassError: on any HTTP or network error, or a response without ``codeChanges``.
    """
    resp, content = _get(from_year, to_year, base_url, timeout)
    try:
        return parse_changes(json.loads(content), origin=resp.url)
    except ValueError as exc:
        raise KlassError(f"{resp.url}: not JSON ({exc})") from None


def changes(from_year: int = FIRST_YEAR, to_year: int = geography.TARGET_YEAR
            ) -> pd.DataFrame:
    """The live change table, or the bundled one with a warning when KLASS cannot be read."""
    try:
        return fetch_changes(from_year, to_year)
    except KlassError as exc:
        warnings.warn(f"KLASS changes unavailable ({exc}); using the bundled table "
                      f"{geography.DATA_DIR / 'municipality_changes.csv'}", stacklevel=2)
        return geography.changes(from_year, to_year)


def compare(live: pd.DataFrame, bundled: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Changes only in the live table and only in the bundled one (``old → new (date)``)."""
    def keys(df: pd.DataFrame) -> set[str]:
        return {f"{o} → {n} ({d:%Y-%m-%d})" for o, n, d in
                zip(df["old_code"], df["new_code"], df["date"], strict=True)}
    a, b = keys(live), keys(bundled)
    return sorted(a - b), sorted(b - a)


def fetch(raw_dir: Path | None = None, *, to_year: int | None = None,
          base_url: str | None = None) -> str:
    """Cache the live change table and say how it compares with the bundled one.

    Returns:
        One line for the operator.

    Raises:
        KlassError: when KLASS cannot be read (the caller reports it; nothing is cached).
    """
    to_year = to_year or date.today().year
    resp, content = _get(FIRST_YEAR, to_year, base_url, 20.0)
    try:
        live = parse_changes(json.loads(content), origin=resp.url)
    except ValueError as exc:
        raise KlassError(f"{resp.url}: not JSON ({exc})") from None
    raw_dir = raw_dir or config.paths().raw_source("ssb")
    store_response(raw_dir / "klass" / f"{CLASSIFICATION}-changes.json", content, url=resp.url,
                   method="GET", query=_params(FIRST_YEAR, to_year),
                   table_id=f"klass-{CLASSIFICATION}", ssb_updated=None)
    only_live, only_bundled = compare(live, geography.changes(FIRST_YEAR, to_year))
    if not only_live and not only_bundled:
        return (f"KLASS {CLASSIFICATION}: {len(live)} municipality code changes "
                f"{FIRST_YEAR + 1}–{to_year}; the bundled table agrees")
    parts = []
    if only_live:
        parts.append(f"{len(only_live)} not in the bundled table ({', '.join(only_live[:5])}"
                     f"{' …' if len(only_live) > 5 else ''}): codes they create are kept "
                     "unchanged with a note until pipeline/data/municipality_changes.csv is "
                     "updated")
    if only_bundled:
        parts.append(f"{len(only_bundled)} only in the bundled table "
                     f"({', '.join(only_bundled[:5])})")
    return f"KLASS {CLASSIFICATION} differs from the bundled change table: " + "; ".join(parts)
