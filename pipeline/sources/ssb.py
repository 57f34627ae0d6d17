"""Client for Statistics Norway's StatBank (PxWebApi v2) with an immutable, verified cache.

For each table in :mod:`pipeline.sources.tables` the client

1. reads ``/tables/{id}/metadata`` (and ``/codelists/{id}`` for every codelist the query names)
   and validates the query against it, so a wrong code fails with the nearest valid codes
   (:class:`SsbQueryError`) instead of producing a wrong report;
2. counts the cells of the query and splits it (by year, then by region) to stay under SSB's
   800 000-cell limit, splitting further if SSB still answers ``Too many cells selected``;
3. POSTs each part to ``/tables/{id}/data`` for json-stat2, keeping to 30 requests per 60 s
   (:class:`RateLimiter`), retrying 429, 5xx, connection errors, timeouts and truncated bodies
   with exponential back-off and jitter, and giving up with :class:`SsbFetchError`.

Cache layout (``data/raw/ssb``)::

    <table>/part-0001.json          one JSON-stat 2.0 response per query part
    <table>/part-0001.meta.json     sidecar: url, method, query, retrieved_at, ssb_updated,
                                    sha256, table_id, bytes
    <table>/metadata/…              the metadata and codelist responses, same sidecars
    <table>/table.meta.json         written last: the table is complete
    .staging/<table>/               an unfinished fetch (resumed by the next run)

Every file is written atomically (:mod:`pipeline.io`). A table is fetched into ``.staging`` and
moved into place only when every part is there, so ``data/raw/ssb/<table>`` is always a complete
table, a killed fetch resumes where it stopped, and ``refresh=True`` keeps the old files until the
new ones are complete. A warm cache makes no request. Files whose SHA-256 differs from their
sidecar raise :class:`CacheIntegrityError`.
"""

from __future__ import annotations

import difflib
import email.utils
import hashlib
import json
import math
import os
import re
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from pipeline import config, io
from pipeline.sources.tables import TABLES, TableSpec, table

MAX_CELLS = 800_000
MAX_REQUESTS = 30
PERIOD_SECONDS = 60.0
TIME_DIMENSION = "Tid"
TABLE_MANIFEST = "table.meta.json"
METADATA_DIR = "metadata"
STAGING_DIR = ".staging"
OLD_DIR = ".old"
RETRY_HINT = (
    "SSB publishes and updates tables around 05:00, 08:00 and 11:30 (Norwegian time) and tables "
    "are briefly unavailable then; try again later. If it keeps failing, check that the service "
    "is reachable (INNSIKT_SSB_URL={base})."
)


class SsbError(RuntimeError):
    """Base class of the SSB client's errors."""


class SsbQueryError(SsbError):
    """The query does not fit the table (unknown dimension, value code or codelist)."""


class SsbFetchError(SsbError):
    """A request failed for good (after retries, or with a status that retrying cannot fix)."""


class CacheIntegrityError(SsbError):
    """A cached file differs from the SHA-256 recorded in its sidecar."""


class _TransientError(Exception):
    """A failure worth retrying; ``retry_after`` is SSB's Retry-After in seconds, if given."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class _TooManyCells(SsbQueryError):
    """SSB answered ``Too many cells selected`` (400, or 403 on older deployments).

    :meth:`SsbClient.fetch_table` splits the part and asks again; elsewhere it surfaces as an
    :class:`SsbQueryError`.
    """


# --------------------------------------------------------------------------------------------
# Rate limiting


@dataclass
class RateLimiter:
    """Sliding-window limiter: at most ``max_requests`` in any ``period`` seconds.

    ``clock`` and ``sleep`` are injectable so tests run on a fake clock. Server headers can only
    tighten the limits (:meth:`observe`); ``Retry-After`` and ``x-ratelimit-remaining: 0`` block
    the next request (:meth:`block`).
    """

    max_requests: int = MAX_REQUESTS
    period: float = PERIOD_SECONDS
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _stamps: deque[float] = field(default_factory=deque, repr=False)
    _blocked_until: float = field(default=float("-inf"), repr=False)

    def acquire(self) -> float:
        """Wait until a request is allowed, record it, and return the seconds waited."""
        waited = 0.0
        while True:
            now = self.clock()
            while self._stamps and self._stamps[0] <= now - self.period:
                self._stamps.popleft()
            wait = self._blocked_until - now
            if len(self._stamps) >= self.max_requests:
                wait = max(wait, self._stamps[0] + self.period - now)
            if wait <= 0:
                break
            self.sleep(wait)
            waited += wait
        self._stamps.append(self.clock())
        return waited

    def block(self, seconds: float) -> None:
        """Allow no request for ``seconds`` from now (Retry-After, exhausted server quota)."""
        self._blocked_until = max(self._blocked_until, self.clock() + max(seconds, 0.0))

    def observe(self, headers: Mapping[str, str]) -> None:
        """Honour ``x-ratelimit-limit`` / ``-policy`` (e.g. ``30;w=60``) / ``-remaining``."""
        lowered = {k.lower(): v for k, v in headers.items()}
        policy = lowered.get("x-ratelimit-policy")
        if policy and (match := re.match(r"\s*(\d+)\s*;\s*w=(\d+(?:\.\d+)?)", policy)):
            self.max_requests = max(1, min(self.max_requests, int(match.group(1))))
            self.period = max(self.period, float(match.group(2)))
        limit = _as_float(lowered.get("x-ratelimit-limit"))
        if limit is not None and limit >= 1:
            self.max_requests = min(self.max_requests, int(limit))
        remaining = _as_float(lowered.get("x-ratelimit-remaining"))
        if remaining is not None and remaining <= 0:
            reset = _as_float(lowered.get("x-ratelimit-reset"))
            self.block(reset if reset is not None else self.period)


def _as_float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Parse Retry-After: delta seconds or an HTTP date."""
    if not value:
        return None
    seconds = _as_float(value)
    if seconds is not None:
        return max(seconds, 0.0)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now(), 0.0)


# --------------------------------------------------------------------------------------------
# Query planning


@dataclass(frozen=True)
class Part:
    """One data query of a table: a file name and the POST body selecting its cells."""

    name: str
    selection: tuple[tuple[str, str | None, tuple[str, ...]], ...]
    cells: int

    def body(self) -> dict[str, Any]:
        """The PxWebApi v2 POST body of this part."""
        items = []
        for variable, codelist, codes in self.selection:
            item: dict[str, Any] = {"variableCode": variable}
            if codelist:
                item["codelist"] = codelist
            item["valueCodes"] = list(codes)
            items.append(item)
        return {"selection": items}


@dataclass(frozen=True)
class _DimPlan:
    variable: str
    codelist: str | None
    codes: tuple[str, ...]      # the concrete codes the selection resolves to
    expression: tuple[str, ...]  # what is sent when the dimension is not split


def _unique(codes: Iterable[str]) -> list[str]:
    """Codes in order without repeats (SSB answers 500 to a code sent twice)."""
    return list(dict.fromkeys(str(c) for c in codes))


def _category_codes(dim: Mapping[str, Any]) -> list[str]:
    index = dim.get("category", {}).get("index")
    if index is None:
        return list(dim.get("category", {}).get("label", {}))
    if isinstance(index, list):
        return [str(c) for c in index]
    return [str(c) for c, _ in sorted(index.items(), key=lambda item: item[1])]


def _nearest(value: str, candidates: Sequence[str], n: int = 5) -> list[str]:
    lowered = {c.lower(): c for c in candidates}
    if value.lower() in lowered and lowered[value.lower()] != value:
        return [lowered[value.lower()]]
    hits = difflib.get_close_matches(value, list(candidates), n=n, cutoff=0.4)
    return hits or list(candidates)[:n]


def _codelist_ids(dim: Mapping[str, Any]) -> list[str]:
    return [str(c.get("id")) for c in dim.get("extension", {}).get("codelists", []) or []]


def codelist_values(doc: Mapping[str, Any]) -> list[str]:
    """Value codes of a ``/codelists/{id}`` response (``values: [{code, label, valueMap}]``)."""
    return _unique(str(v["code"]) for v in doc.get("values", []))


def validate_query(spec: TableSpec, metadata: Mapping[str, Any],
                   codelists: Mapping[str, Sequence[str]] | None = None) -> None:
    """Check ``spec``'s query against the table's metadata.

    Args:
        spec: the registry entry.
        metadata: the decoded ``/tables/{id}/metadata`` response (json-stat2).
        codelists: codelist id -> its value codes, for the codelists ``spec`` names (value codes
            of a dimension queried through a codelist are checked against the codelist).

    Raises:
        SsbQueryError: naming the table, the dimension and the nearest valid codes.
    """
    codelists = codelists or {}
    dims = metadata.get("dimension", {})
    ids = list(metadata.get("id", dims.keys()))
    where = f"table {spec.table_id} ({spec.dataset}, pipeline/sources/tables.py)"
    for variable in spec.dimensions:
        if variable not in dims:
            raise SsbQueryError(
                f"{where}: dimension {variable!r} does not exist; the table has {ids}; "
                f"nearest: {_nearest(variable, ids)}"
            )
    for variable, codelist in spec.codelists.items():
        offered = _codelist_ids(dims.get(variable, {}))
        if variable not in dims or codelist not in offered:
            raise SsbQueryError(
                f"{where}: dimension {variable!r} has no codelist {codelist!r}; it offers "
                f"{offered or 'none'}; nearest: {_nearest(codelist, offered) if offered else []}"
            )
    for variable, wanted in spec.codes.items():
        codelist = spec.codelists.get(variable)
        if codelist and codelist not in codelists:
            continue  # checked once the codelist's values are known
        valid = list(codelists[codelist]) if codelist else _category_codes(dims[variable])
        known = {c.lower() for c in valid}
        for code in wanted:
            if code.lower() not in known:
                source = f"codelist {codelist!r}" if codelist else "the table"
                raise SsbQueryError(
                    f"{where}: value code {code!r} of dimension {variable!r} does not exist in "
                    f"{source}; nearest valid codes: {_nearest(code, valid)}"
                )
    for variable in ids:
        if variable in spec.dimensions:
            continue
        if not dims[variable].get("extension", {}).get("elimination", False):
            raise SsbQueryError(
                f"{where}: dimension {variable!r} cannot be left out (SSB does not allow "
                f"eliminating it); add it to the spec's dimensions and codes"
            )


def _time_codes(spec: TableSpec, metadata: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    codes = _category_codes(metadata["dimension"][TIME_DIMENSION])
    chosen = [c for c in codes if _year_of(c) >= spec.first_year]
    if not chosen:
        raise SsbQueryError(
            f"table {spec.table_id}: no period from {spec.first_year} on; the table has "
            f"{codes[:3]}…{codes[-3:]} (check first_year in pipeline/sources/tables.py)"
        )
    expression = ["*"] if len(chosen) == len(codes) else [f"from({chosen[0]})"]
    return chosen, expression


def _year_of(code: str) -> int:
    match = re.match(r"\d{4}", code)
    return int(match.group(0)) if match else 0


def _dim_plans(spec: TableSpec, metadata: Mapping[str, Any],
               codelists: Mapping[str, Sequence[str]]) -> list[_DimPlan]:
    dims = metadata["dimension"]
    plans = []
    for variable in metadata.get("id", list(dims)):
        if variable not in spec.dimensions:
            continue  # eliminated (validate_query checked that SSB allows it)
        codelist = spec.codelists.get(variable)
        if variable == TIME_DIMENSION:
            codes, expression = _time_codes(spec, metadata)
        elif variable in spec.codes:
            codes = _unique(spec.codes[variable])
            expression = codes
        else:
            codes = list(codelists[codelist]) if codelist in codelists else _category_codes(
                dims[variable])
            expression = ["*"]
        plans.append(_DimPlan(variable, codelist, tuple(codes), tuple(expression)))
    return plans


def plan_parts(spec: TableSpec, metadata: Mapping[str, Any],
               codelists: Mapping[str, Sequence[str]] | None = None,
               max_cells: int = MAX_CELLS) -> list[Part]:
    """Split ``spec``'s data query into parts of at most ``max_cells`` cells.

    Years are grouped first; when a single year is still too large, the region dimensions are
    split into chunks. A query that fits is one part using ``*`` / ``from(year)``. Parts are
    named ``part-0001`` … in order.
    """
    plans = _dim_plans(spec, metadata, codelists or {})
    order = [TIME_DIMENSION, *spec.region_dimensions]
    pieces = _split(plans, order, max_cells)
    width = max(4, len(str(len(pieces))))
    return [Part(f"part-{i:0{width}d}", tuple((p.variable, p.codelist, p.expression)
                                              for p in piece), _cells(piece))
            for i, piece in enumerate(pieces, 1)]


def _cells(plans: Sequence[_DimPlan]) -> int:
    return math.prod(len(p.codes) for p in plans)


def _split(plans: list[_DimPlan], order: Sequence[str], max_cells: int) -> list[list[_DimPlan]]:
    total = _cells(plans)
    if total <= max_cells:
        return [plans]
    for variable in order:
        pos = next((i for i, p in enumerate(plans) if p.variable == variable), None)
        if pos is None or len(plans[pos].codes) < 2:
            continue
        dim = plans[pos]
        per_code = total // len(dim.codes)
        size = max(1, max_cells // max(per_code, 1))
        pieces: list[list[_DimPlan]] = []
        for start in range(0, len(dim.codes), size):
            chunk = dim.codes[start:start + size]
            sub = list(plans)
            sub[pos] = _DimPlan(dim.variable, dim.codelist, chunk, chunk)
            rest = [v for v in order if v != variable]
            pieces.extend(_split(sub, rest, max_cells))
        return pieces
    return [plans]  # cannot split further; SSB will say so and the error names the table


def _halve(part: Part, spec: TableSpec, region_codes: Mapping[str, Sequence[str]],
           time_codes: Sequence[str]) -> list[Part]:
    """Split a part SSB refused in two (years first, then regions); names get -1, -2."""
    selection = list(part.selection)
    order = [TIME_DIMENSION] + list(spec.region_dimensions)
    for variable in order:
        pos = next((i for i, s in enumerate(selection) if s[0] == variable), None)
        if pos is None:
            continue
        name, codelist, codes = selection[pos]
        if variable == TIME_DIMENSION:
            concrete = _resolve_time(codes, time_codes)
        else:
            concrete = list(codes) if codes != ("*",) else list(region_codes.get(variable, []))
        if len(concrete) < 2:
            continue
        mid = len(concrete) // 2
        halves = []
        for i, chunk in enumerate((concrete[:mid], concrete[mid:]), 1):
            sub = list(selection)
            sub[pos] = (name, codelist, tuple(chunk))
            halves.append(Part(f"{part.name}-{i}", tuple(sub), part.cells * len(chunk)
                               // len(concrete)))
        return halves
    raise SsbQueryError(
        f"table {spec.table_id}: SSB refuses part {part.name} as too many cells and it cannot be "
        "split further (one year, one region); narrow the codes in pipeline/sources/tables.py"
    )


def _resolve_time(codes: Sequence[str], time_codes: Sequence[str]) -> list[str]:
    if tuple(codes) == ("*",):
        return list(time_codes)
    if len(codes) == 1 and (match := re.fullmatch(r"from\((.+)\)", codes[0])):
        start = list(time_codes).index(match.group(1)) if match.group(1) in time_codes else 0
        return list(time_codes)[start:]
    return list(codes)


def spec_fingerprint(spec: TableSpec) -> str:
    """A hash of what the registry asks of a table; a changed spec invalidates its cache."""
    payload = json.dumps(
        {"dimensions": spec.dimensions, "codes": spec.codes, "codelists": spec.codelists,
         "first_year": spec.first_year}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Cache files


def sidecar_path(path: Path) -> Path:
    """``part-0001.json`` → ``part-0001.meta.json``."""
    return path.with_name(path.name.removesuffix(".json") + ".meta.json")


def _now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def store_response(target: Path, content: bytes, *, url: str, method: str,
                   query: Any, table_id: str, ssb_updated: str | None) -> Path:
    """Write a response and its sidecar atomically (data first, then the sidecar).

    A file without a valid sidecar is treated as absent, so a kill between the two writes is
    harmless: the next run fetches that part again.
    """
    io.write_bytes(target, content)
    io.write_json(sidecar_path(target), {
        "url": url,
        "method": method,
        "query": query,
        "retrieved_at": _now_iso(),
        "ssb_updated": ssb_updated,
        "sha256": hashlib.sha256(content).hexdigest(),
        "table_id": table_id,
        "bytes": len(content),
    })
    return target


def read_sidecar(path: Path) -> dict[str, Any] | None:
    """The sidecar of ``path``, or None when it is missing or unreadable."""
    side = sidecar_path(path)
    if not side.exists():
        return None
    try:
        return json.loads(side.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def verify_file(path: Path) -> dict[str, Any]:
    """Check ``path`` against its sidecar's SHA-256 and return the sidecar.

    Raises:
        CacheIntegrityError: when the file or sidecar is missing or the hash differs.
    """
    side = read_sidecar(path)
    table_dir = path.parent.parent if path.parent.name == METADATA_DIR else path.parent
    hint = (f"the cache is damaged: delete the folder {table_dir} and fetch again "
            "(`innsikt fetch`)")
    if side is None or not path.exists():
        raise CacheIntegrityError(f"{path}: file or its sidecar {sidecar_path(path).name} is "
                                  f"missing or unreadable; {hint}")
    actual = io.sha256_file(path)
    if actual != side.get("sha256"):
        raise CacheIntegrityError(
            f"{path}: SHA-256 {actual[:12]}… differs from {side.get('sha256', '')[:12]}… recorded "
            f"in {sidecar_path(path).name}; {hint}"
        )
    return side


def _valid_cached(path: Path, query: Any) -> bool:
    """A staged part counts as done when data, sidecar, query and hash all agree."""
    side = read_sidecar(path)
    if side is None or not path.exists() or side.get("query") != query:
        return False
    return io.sha256_file(path) == side.get("sha256")


def _data_parts(table_dir: Path) -> list[Path]:
    return sorted(p for p in table_dir.glob("*.json") if not p.name.endswith(".meta.json"))


def verify_table(table_dir: Path) -> list[Path]:
    """Verify a complete cached table and return its data parts.

    Raises:
        CacheIntegrityError: when the table manifest lists a missing part or a hash differs.
    """
    manifest_path = table_dir / TABLE_MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CacheIntegrityError(
            f"{manifest_path}: unreadable ({exc}); delete the folder {table_dir} and fetch again"
        ) from None
    parts = [table_dir / name for name in manifest.get("parts", [])]
    extra = sorted(set(_data_parts(table_dir)) - set(parts))
    if extra:
        raise CacheIntegrityError(
            f"{extra[0]}: not listed in {manifest_path.name}; delete the folder {table_dir} and "
            "fetch again"
        )
    for path in parts + sorted((table_dir / METADATA_DIR).glob("*.json")):
        if not path.name.endswith(".meta.json"):
            verify_file(path)
    return parts


def provenance(source_dir: Path | str | None = None, verify: bool = True) -> list[dict[str, Any]]:
    """What reports cite for each cached SSB table.

    Args:
        source_dir: the SSB cache (default ``data/raw/ssb``).
        verify: check every file's SHA-256 first.

    Returns:
        One dict per complete table, sorted by table id: ``table_id``, ``dataset``, ``title``,
        ``updated`` (SSB's stamp), ``retrieved_at`` (UTC ISO, the latest part), ``url`` (the data
        endpoint), ``parts`` (number of files).

    Raises:
        CacheIntegrityError: when ``verify`` and a file differs from its sidecar.
    """
    source_dir = Path(source_dir) if source_dir else config.paths().raw_source("ssb")
    out = []
    for manifest_path in sorted(source_dir.glob(f"*/{TABLE_MANIFEST}")):
        table_dir = manifest_path.parent
        if table_dir.name.startswith("."):
            continue
        if verify:
            verify_table(table_dir)
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        sides = [read_sidecar(table_dir / name) or {} for name in manifest["parts"]]
        out.append({
            "table_id": manifest["table_id"],
            "dataset": manifest.get("dataset"),
            "title": manifest.get("title"),
            "updated": manifest.get("updated"),
            "retrieved_at": max((s.get("retrieved_at") or "" for s in sides), default=None),
            "url": manifest.get("url"),
            "parts": len(manifest["parts"]),
        })
    return out


# --------------------------------------------------------------------------------------------
# The client


class _RetryAfterWait:
    """Tenacity wait: exponential back-off with jitter, never shorter than Retry-After."""

    def __init__(self, base: Callable[[RetryCallState], float], cap: float = 300.0):
        self.base = base
        self.cap = cap

    def __call__(self, state: RetryCallState) -> float:
        wait = self.base(state)
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap))
        return wait


class SsbClient:
    """PxWebApi v2 client with rate limiting, retries and the raw-data cache.

    Args:
        base_url: API root (default :func:`pipeline.config.ssb_base_url`).
        raw_dir: cache folder (default ``data/raw/ssb``).
        session: a :class:`requests.Session` (default a new one).
        timeout: (connect, read) seconds per request.
        max_attempts: attempts per request before :class:`SsbFetchError`.
        wait: tenacity wait strategy between attempts (default exponential back-off with
            jitter, 2 s doubling to 120 s); Retry-After is honoured on top of it.
        max_cells: cells per data query before splitting (SSB's limit is 800 000).
        limiter: the :class:`RateLimiter` (default 30 requests per 60 s).
        clock, sleep: injectable time functions for the limiter and back-off (tests).
        lang: metadata and label language (``no`` or ``en``).
    """

    def __init__(self, base_url: str | None = None, *, raw_dir: Path | None = None,
                 session: requests.Session | None = None,
                 timeout: float | tuple[float, float] = (10.0, 120.0), max_attempts: int = 6,
                 wait: Callable[[RetryCallState], float] | None = None,
                 max_cells: int = MAX_CELLS, limiter: RateLimiter | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, lang: str = "no"):
        self.base_url = (base_url or config.ssb_base_url()).rstrip("/")
        self.raw_dir = Path(raw_dir) if raw_dir else config.paths().raw_source("ssb")
        self.session = session or requests.Session()
        self.timeout = timeout
        self.max_attempts = max_attempts
        backoff = wait_exponential(multiplier=2, max=120) + wait_random(0, 2)
        self.wait = _RetryAfterWait(wait or backoff)
        self.max_cells = max_cells
        self.sleep = sleep
        self.limiter = limiter or RateLimiter(clock=clock, sleep=sleep)
        self.lang = lang
        self.requests_made = 0
        self._memo: dict[str, tuple[bytes, Any]] = {}  # codelists shared by several tables

    # ---- HTTP ------------------------------------------------------------------------------

    def request_json(self, method: str, url: str, *, body: Any = None, context: str = "SSB",
                     check: Callable[[Any], str | None] | None = None) -> tuple[bytes, Any]:
        """One rate-limited, retried request whose body must be JSON.

        Args:
            method: ``GET`` or ``POST``.
            url: full URL (query string included).
            body: JSON body for POST.
            context: what is being fetched, for error messages (e.g. ``table 07459``).
            check: returns why a decoded body is unusable (or None); an unusable body is
                retried like a truncated one.

        Returns:
            The raw bytes (cached as they came) and the decoded JSON.

        Raises:
            SsbFetchError: after ``max_attempts`` transient failures, or on 404/other 4xx.
            SsbQueryError: when SSB answers 400 (reported by the body's ``title``).
        """
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts), wait=self.wait, sleep=self.sleep,
            retry=retry_if_exception_type(_TransientError), reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._attempt(method, url, body, context, check)
        except _TransientError as exc:
            raise SsbFetchError(
                f"{context}: {method} {url} failed {self.max_attempts} times; last error: "
                f"{exc}. {RETRY_HINT.format(base=self.base_url)}"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, method: str, url: str, body: Any, context: str,
                 check: Callable[[Any], str | None] | None) -> tuple[bytes, Any]:
        self.limiter.acquire()
        self.requests_made += 1
        try:
            response = self.session.request(method, url, json=body, timeout=self.timeout)
        except requests.Timeout as exc:
            raise _TransientError(f"timed out ({type(exc).__name__})") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise _TransientError(f"connection failed ({type(exc).__name__}: {exc})") from None
        self.limiter.observe(response.headers)
        status = response.status_code
        if status == 429:
            retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            if retry_after is not None:
                self.limiter.block(retry_after)
            raise _TransientError("429 Too Many Requests (SSB's rate limit)", retry_after)
        if status >= 500:
            raise _TransientError(f"{status} {response.reason or 'server error'}")
        if status in (400, 403):
            title, detail = _problem(response)
            if status == 403 or "too many cells" in title.lower():
                raise _TooManyCells(
                    f"{context}: SSB answered {status} {title or 'Forbidden'} (too many cells) "
                    f"for {method} {url}; select fewer codes or years")
            raise SsbQueryError(
                f"{context}: SSB rejected the query ({status} {title or response.reason}"
                f"{': ' + detail if detail else ''}); {method} {url} body {json.dumps(body)}. "
                "Check the codes in pipeline/sources/tables.py against the table's metadata."
            )
        if status == 404:
            raise SsbFetchError(
                f"{context}: {url} answered 404 Not Found; check the table id in "
                f"pipeline/sources/tables.py and INNSIKT_SSB_URL={self.base_url}"
            )
        if status >= 300:
            raise SsbFetchError(f"{context}: {method} {url} answered {status} {response.reason}")
        content = response.content
        try:
            doc = json.loads(content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _TransientError(
                f"truncated or invalid JSON body ({len(content)} bytes: {exc})") from None
        problem = check(doc) if check else None
        if problem:
            raise _TransientError(f"unusable response body ({problem})")
        return content, doc

    # ---- metadata ----------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}?lang={self.lang}&outputFormat=json-stat2"

    def _cached_get(self, target: Path, url: str, table_id: str, context: str,
                    share: bool = False) -> Any:
        if _valid_cached(target, None):
            return json.loads(target.read_bytes())
        if share and url in self._memo:
            content, doc = self._memo[url]
        else:
            content, doc = self.request_json("GET", url, context=context)
            if share:
                self._memo[url] = (content, doc)
        store_response(target, content, url=url, method="GET", query=None, table_id=table_id,
                       ssb_updated=doc.get("updated") if isinstance(doc, dict) else None)
        return doc

    def metadata(self, spec: TableSpec, folder: Path) -> tuple[dict[str, Any], dict[str, list]]:
        """Metadata and the value codes of every codelist ``spec`` names (cached in ``folder``).

        Raises:
            SsbQueryError: when the query does not fit the metadata (see :func:`validate_query`).
        """
        meta_dir = folder / METADATA_DIR
        context = f"table {spec.table_id} ({spec.dataset}) metadata"
        meta = self._cached_get(meta_dir / "metadata.json",
                                self._url(f"/tables/{spec.table_id}/metadata"), spec.table_id,
                                context)
        if not isinstance(meta, dict) or "dimension" not in meta:
            raise SsbFetchError(f"{context}: the response has no 'dimension'; is "
                                f"INNSIKT_SSB_URL={self.base_url} a PxWebApi v2 root?")
        validate_query(spec, meta)  # dimensions and codelists exist before codelists are read
        codelists: dict[str, list[str]] = {}
        for codelist in _unique(spec.codelists.values()):
            doc = self._cached_get(
                meta_dir / f"codelist-{codelist}.json",
                f"{self.base_url}/codelists/{codelist}?lang={self.lang}", spec.table_id,
                f"table {spec.table_id} codelist {codelist}", share=True)
            codelists[codelist] = codelist_values(doc)
        validate_query(spec, meta, codelists)
        return meta, codelists

    # ---- data --------------------------------------------------------------------------------

    def fetch_query(self, table_id: str, body: dict[str, Any], target: Path) -> Path:
        """POST one data query and cache the response at ``target`` (skipped when cached).

        Raises:
            SsbFetchError, SsbQueryError: see :meth:`request_json`.
        """
        if _valid_cached(target, body):
            return target
        url = self._url(f"/tables/{table_id}/data")
        content, doc = self._post_data(url, body, f"table {table_id}")
        return self._store_part(target, content, doc, url, body, table_id)

    def _post_data(self, url: str, body: dict[str, Any], context: str) -> tuple[bytes, Any]:
        return self.request_json("POST", url, body=body, context=context,
                                 check=_jsonstat_problem)

    def _store_part(self, target: Path, content: bytes, doc: Any, url: str, body: Any,
                    table_id: str) -> Path:
        return store_response(target, content, url=url, method="POST", query=body,
                              table_id=table_id, ssb_updated=doc.get("updated"))

    def _fetch_parts(self, spec: TableSpec, parts: list[Part], folder: Path,
                     meta: Mapping[str, Any], codelists: Mapping[str, Sequence[str]]
                     ) -> list[Path]:
        region_codes = {d.variable: d.codes for d in _dim_plans(spec, meta, codelists)}
        time_codes = region_codes.get(TIME_DIMENSION, ())
        queue = deque(parts)
        done: list[Path] = []
        url = self._url(f"/tables/{spec.table_id}/data")
        while queue:
            part = queue.popleft()
            target = folder / f"{part.name}.json"
            body = part.body()
            if _valid_cached(target, body):
                done.append(target)
                continue
            try:
                content, doc = self._post_data(url, body, f"table {spec.table_id} {part.name}")
            except _TooManyCells:
                queue.extendleft(reversed(_halve(part, spec, region_codes, time_codes)))
                continue
            done.append(self._store_part(target, content, doc, url, body, spec.table_id))
        return done

    def fetch_table(self, spec: TableSpec, refresh: bool = False) -> list[Path]:
        """Fetch one table into the cache (no request when it is cached and complete).

        Returns:
            The table's data files, sorted.
        """
        final = self.raw_dir / spec.table_id
        staging = self.raw_dir / STAGING_DIR / spec.table_id
        fingerprint = spec_fingerprint(spec)
        if not refresh and _manifest_matches(final, fingerprint):
            if staging.exists():
                shutil.rmtree(staging)
            return verify_table(final)
        if refresh and staging.exists():
            shutil.rmtree(staging)  # a refresh starts from nothing
        if not _manifest_matches(staging, fingerprint):
            meta, codelists = self.metadata(spec, staging)
            parts = plan_parts(spec, meta, codelists, self.max_cells)
            files = self._fetch_parts(spec, parts, staging, meta, codelists)
            stale = set(_data_parts(staging)) - set(files)
            for path in stale:  # parts of an older plan (e.g. before a reactive split)
                path.unlink()
                sidecar_path(path).unlink(missing_ok=True)
            io.write_json(staging / TABLE_MANIFEST, {
                "table_id": spec.table_id,
                "dataset": spec.dataset,
                "title": str(meta.get("label") or spec.title),
                "updated": meta.get("updated"),
                "url": self._url(f"/tables/{spec.table_id}/data"),
                "spec": fingerprint,
                "parts": [p.name for p in sorted(files)],
                "completed_at": _now_iso(),
            })
        verify_table(staging)
        _swap_in(staging, final, self.raw_dir / OLD_DIR / spec.table_id)
        return verify_table(final)

    def fetch(self, datasets: Iterable[str] | None = None, refresh: bool = False,
              progress: bool = True) -> list[Path]:
        """Fetch every (or the named) registry dataset; return all cached data files.

        Args:
            datasets: dataset names from :mod:`pipeline.sources.tables` (default all).
            refresh: re-fetch even when cached; the old files stay until the new are complete.
            progress: print one line per table.

        Raises:
            SsbQueryError: a query does not fit the table's metadata.
            SsbFetchError: SSB could not be reached or kept failing.
            CacheIntegrityError: a cached file differs from its sidecar.
        """
        names = list(datasets) if datasets else list(TABLES)
        specs = [table(name) for name in names]
        files: list[Path] = []
        for i, spec in enumerate(specs, 1):
            before = self.requests_made
            parts = self.fetch_table(spec, refresh=refresh)
            files.extend(parts)
            if progress:
                made = self.requests_made - before
                state = f"{made} request(s)" if made else "cached"
                print(f"[{i}/{len(specs)}] {spec.table_id} {spec.dataset}: {len(parts)} file(s), "
                      f"{state}", flush=True)
        return files


def _problem(response: requests.Response) -> tuple[str, str]:
    try:
        doc = response.json()
    except ValueError:
        return "", response.text[:200]
    if not isinstance(doc, dict):
        return "", ""
    return str(doc.get("title") or ""), str(doc.get("detail") or "")


def _jsonstat_problem(doc: Any) -> str | None:
    """Why ``doc`` is not a complete JSON-stat 2.0 dataset, or None."""
    if not isinstance(doc, dict) or doc.get("class") != "dataset":
        return "not a JSON-stat dataset"
    try:
        n = math.prod(int(s) for s in doc["size"])
        if len(doc["id"]) != len(doc["size"]) or any(i not in doc["dimension"] for i in doc["id"]):
            return "id, size and dimension disagree"
    except (KeyError, TypeError, ValueError):
        return "missing id, size or dimension"
    values = doc.get("value")
    if isinstance(values, list) and len(values) != n:
        return f"{len(values)} values for {n} cells"
    return None


def _manifest_matches(folder: Path, fingerprint: str) -> bool:
    path = folder / TABLE_MANIFEST
    if not path.exists():
        return False
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("spec") == fingerprint
    except (OSError, json.JSONDecodeError):
        return False


def _swap_in(staging: Path, final: Path, old: Path) -> None:
    """Replace ``final`` by the complete ``staging`` folder with two renames.

    A kill between the renames leaves ``final`` absent and ``staging`` complete; the next run
    sees the complete staging folder and finishes the swap without requests.
    """
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        old.parent.mkdir(parents=True, exist_ok=True)
        os.replace(final, old)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, final)
    if old.exists():
        shutil.rmtree(old)


def fetch(datasets: Iterable[str] | None = None, refresh: bool = False, progress: bool = True,
          client: SsbClient | None = None) -> list[Path]:
    """Fetch the registry's tables from SSB into ``data/raw/ssb`` (what ``innsikt fetch`` runs).

    See :meth:`SsbClient.fetch`; ``client`` defaults to one built from the environment.
    """
    return (client or SsbClient()).fetch(datasets, refresh=refresh, progress=progress)
