"""Client for Statistics Norway's StatBank (PxWebApi v2), writing the verified raw cache.

For each table in :mod:`pipeline.sources.tables` the client

1. reads ``/tables/{id}/metadata`` afresh (never a staged copy from an earlier run) for the
   newest round of the table SSB has, and the value codes of the codelists the registry
   prefers; :func:`pipeline.sources.query.resolve` derives the concrete query from them (first
   offered codelist, ``outputValues``, SSB's spelling of each code, fixed dimensions) or fails
   naming the table, the dimension, what was asked and what is offered;
2. splits the query to stay under SSB's 800 000-cell limit (by year, then by region),
   splitting further if SSB still answers ``Too many cells selected``;
3. POSTs each part to ``/tables/{id}/data`` for json-stat2, keeping to 30 requests per 60 s
   (:class:`RateLimiter`), retrying 429, 5xx, timeouts, resets and truncated bodies with
   exponential back-off and jitter (a progress line before every wait), honouring
   ``Retry-After`` up to a cap, and refusing a response that takes longer than its deadline or
   whose values do not fill its dimensions (it is never cached).

Connection refused, unknown host names and connections not accepted within the connect timeout
fail at once (:class:`SsbUnreachableError`); read timeouts, 429, 5xx and resets are retried; one
failing table does not stop the others (:class:`FetchSummaryError` names the failed ones at
the end). :func:`check` validates every table's query against the live metadata without
downloading data (``innsikt fetch --check``). The cache itself is :mod:`pipeline.sources.cache`.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import urllib3
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from pipeline import config, io
from pipeline.sources.cache import (  # noqa: F401 - re-exported: the cache's public names
    METADATA_DIR,
    OLD_DIR,
    STAGING_DIR,
    TABLE_MANIFEST,
    data_parts,
    manifest_matches,
    now_iso,
    provenance,
    read_sidecar,
    sidecar_path,
    store_response,
    swap_in,
    valid_cached,
    verify_file,
    verify_table,
)
from pipeline.sources.errors import (  # noqa: F401 - re-exported
    CacheIntegrityError,
    FetchSummaryError,
    SsbError,
    SsbFetchError,
    SsbQueryError,
    SsbUnreachableError,
)
from pipeline.sources.query import (  # noqa: F401 - re-exported
    MAX_CELLS,
    TIME_DIMENSION,
    Part,
    Resolved,
    codelist_values,
    dim_plans,
    halve,
    plan_parts,
    resolve,
    spec_fingerprint,
    time_codes,
    validate_query,
)
from pipeline.sources.ratelimit import (  # noqa: F401 - re-exported
    MAX_REQUESTS,
    PERIOD_SECONDS,
    RateLimiter,
    _retry_after_seconds,
)
from pipeline.sources.tables import TABLES, TableSpec, table

MAX_RETRY_AFTER = 120.0  # seconds; a longer Retry-After fails clearly instead of waiting
DEADLINE_SECONDS = 300.0  # per response, headers to last byte
RETRY_HINT = (
    "SSB publishes and updates tables around 05:00, 08:00 and 11:30 (Norwegian time) and tables "
    "are briefly unavailable then; try again later. If it keeps failing, check that the service "
    "is reachable (INNSIKT_SSB_URL={base})."
)


class _TransientError(Exception):
    """A failure worth retrying; ``retry_after`` is SSB's Retry-After in seconds, if given."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class _TooManyCells(SsbQueryError):
    """SSB answered ``Too many cells selected``; :meth:`SsbClient.fetch_table` splits the part."""


class _NotFound(SsbFetchError):
    """404: the table (round) does not exist at this address."""



def _unreachable(exc: requests.exceptions.ConnectionError) -> bool:
    """Connection refused or host name not resolved (no response can come; no retry helps)."""
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _jsonstat_problem(doc: Any) -> str | None:
    """Why ``doc`` is not a complete JSON-stat 2.0 dataset with values, or None."""
    if not isinstance(doc, dict) or doc.get("class") != "dataset":
        return "not a JSON-stat dataset"
    try:
        n = math.prod(int(s) for s in doc["size"])
        if len(doc["id"]) != len(doc["size"]) or any(i not in doc["dimension"] for i in doc["id"]):
            return "id, size and dimension disagree"
    except (KeyError, TypeError, ValueError):
        return "missing id, size or dimension"
    values = doc.get("value")
    if values is None:
        return "no 'value' in the dataset"
    if isinstance(values, list) and len(values) != n:
        return f"{len(values)} values for {n} cells (the dimension sizes {doc['size']})"
    if isinstance(values, dict) and any(not str(k).isdigit() or int(k) >= n for k in values):
        return f"value positions beyond the {n} cells"
    return None


def _problem(response: requests.Response) -> tuple[str, str]:
    try:
        doc = json.loads(response.content or b"null")
    except ValueError:
        return "", response.text[:200]
    if not isinstance(doc, dict):
        return "", ""
    return str(doc.get("title") or ""), str(doc.get("detail") or "")


class _RetryAfterWait:
    """Tenacity wait: exponential back-off with jitter, never shorter than Retry-After."""

    def __init__(self, base: Callable[[RetryCallState], float]):
        self.base = base

    def __call__(self, state: RetryCallState) -> float:
        wait = self.base(state)
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class SsbClient:
    """PxWebApi v2 client with rate limiting, retries, deadlines and the raw-data cache.

    Args:
        base_url: API root (default :func:`pipeline.config.ssb_base_url`).
        raw_dir: cache folder (default ``data/raw/ssb``).
        session: a :class:`requests.Session` (default a new one).
        timeout: (connect, read) seconds per network wait.
        deadline: seconds a response may take from the request to its last byte (a server
            dripping bytes fails here, not retried); until the headers arrive, each wait is
            bounded by the read timeout.
        max_attempts: attempts per request before :class:`SsbFetchError`.
        wait: tenacity wait strategy between attempts (default exponential back-off with
            jitter, 2 s doubling to 120 s); Retry-After is honoured on top of it.
        max_retry_after: the longest Retry-After honoured; a longer one fails at once.
        max_cells: cells per data query before splitting (SSB's limit is 800 000).
        limiter: the :class:`RateLimiter` (default 30 requests per 60 s).
        clock, sleep: injectable time functions for the limiter and back-off (tests).
        say: where progress lines go (default stderr).
        lang: metadata and label language (``no`` or ``en``).
    """

    def __init__(self, base_url: str | None = None, *, raw_dir: Path | None = None,
                 session: requests.Session | None = None,
                 timeout: float | tuple[float, float] = (5.0, 60.0),
                 deadline: float = DEADLINE_SECONDS, max_attempts: int = 6,
                 wait: Callable[[RetryCallState], float] | None = None,
                 max_retry_after: float = MAX_RETRY_AFTER, max_cells: int = MAX_CELLS,
                 limiter: RateLimiter | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 say: Callable[[str], None] = _stderr, lang: str = "no"):
        self.base_url = (base_url or config.ssb_base_url()).rstrip("/")
        self.raw_dir = Path(raw_dir) if raw_dir else config.paths().raw_source("ssb")
        self.session = session or requests.Session()
        self.timeout = timeout
        self.deadline = deadline
        self.max_attempts = max_attempts
        backoff = wait_exponential(multiplier=2, max=120) + wait_random(0, 2)
        self.wait = _RetryAfterWait(wait or backoff)
        self.max_retry_after = max_retry_after
        self.max_cells = max_cells
        self.sleep = sleep
        self.say = say
        self.limiter = limiter or RateLimiter(
            clock=clock, sleep=sleep, on_wait=lambda seconds: say(
                f"  keeping to SSB's limit of {MAX_REQUESTS} requests per "
                f"{PERIOD_SECONDS:.0f} s: waiting {seconds:.0f} s"))
        self.lang = lang
        self.requests_made = 0
        self.resolutions: dict[str, Resolved] = {}  # dataset -> the query used, this run
        self._memo: dict[str, Any] = {}  # codelists shared by several tables within one run

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
                refused (never cached) without retrying: SSB would send it again.

        Returns:
            The raw bytes (cached as they came) and the decoded JSON.

        Raises:
            SsbUnreachableError: connection refused or host unknown (no retry).
            SsbFetchError: after ``max_attempts`` transient failures, past the deadline, a
                Retry-After beyond the cap, 403, 404, an unusable body or another 4xx.
            SsbQueryError: when SSB answers 400 (reported by the body's ``title``).
        """
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts), wait=self.wait, sleep=self.sleep,
            retry=retry_if_exception_type(_TransientError), reraise=True,
            before_sleep=lambda state: self._announce(state, context),
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

    def _announce(self, state: RetryCallState, context: str) -> None:
        exc = state.outcome.exception() if state.outcome else None
        seconds = state.next_action.sleep if state.next_action else 0.0
        self.say(f"  {context}: {exc}; waiting {seconds:.0f} s before attempt "
                 f"{state.attempt_number + 1} of {self.max_attempts}")

    def _attempt(self, method: str, url: str, body: Any, context: str,
                 check: Callable[[Any], str | None] | None) -> tuple[bytes, Any]:
        self.limiter.acquire()
        self.requests_made += 1
        started = time.monotonic()
        try:
            response = self.session.request(method, url, json=body, timeout=self.timeout,
                                            stream=True)
        except requests.ConnectTimeout:
            # No answer to the connection at all (a firewall dropping packets): as hopeless to
            # retry as a refused one.
            raise SsbUnreachableError(
                f"{context}: SSB at {self.base_url} did not accept a connection within "
                f"{self._connect_timeout():.0f} s. Check the network, any proxy, and "
                f"INNSIKT_SSB_URL (now {self.base_url}); nothing was written.") from None
        except requests.Timeout as exc:
            raise _TransientError(f"timed out ({type(exc).__name__})") from None
        except requests.exceptions.ConnectionError as exc:
            if _unreachable(exc):
                raise SsbUnreachableError(
                    f"{context}: cannot connect to SSB at {self.base_url} ({exc.__class__.__name__}"
                    f": connection refused or host name not found). Check the network and "
                    f"INNSIKT_SSB_URL (now {self.base_url}); nothing was written.") from None
            raise _TransientError(f"connection failed ({type(exc).__name__}: {exc})") from None
        with response:
            self.limiter.observe(response.headers)
            self._check_status(response, method, url, body, context)
            content = self._read_body(response, started, method, url, context)
        try:
            doc = json.loads(content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _TransientError(
                f"truncated or invalid JSON body ({len(content)} bytes: {exc})") from None
        problem = check(doc) if check else None
        if problem:
            raise SsbFetchError(
                f"{context}: {method} {url} answered an unusable response ({problem}); it was "
                "not cached. SSB may be publishing the table right now: try again later, and "
                "if it persists, report it to SSB (statistikkbanken@ssb.no).")
        return content, doc

    def _connect_timeout(self) -> float:
        return self.timeout[0] if isinstance(self.timeout, tuple) else float(self.timeout)

    def _read_body(self, response: requests.Response, started: float, method: str, url: str,
                   context: str) -> bytes:
        """The whole body, read chunk by chunk against the response's total deadline."""
        chunks: list[bytes] = []
        received = 0
        while True:
            if time.monotonic() - started > self.deadline:
                raise SsbFetchError(
                    f"{context}: {method} {url} did not complete within the deadline of "
                    f"{self.deadline:.0f} s ({received} bytes received); SSB or a proxy on the "
                    "way is far too slow. Try again later, or allow more time with "
                    "`innsikt fetch --deadline SECONDS`.")
            try:
                chunk = response.raw.read1(65536, decode_content=True)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise _TransientError(f"connection broken while reading the body "
                                      f"({type(exc).__name__}: {exc})") from None
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            received += len(chunk)

    def _retry_after(self, response: requests.Response, context: str) -> float | None:
        retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
        if retry_after is not None and retry_after > self.max_retry_after:
            until = (datetime.now(UTC) + timedelta(seconds=retry_after)).strftime("%H:%M UTC")
            raise SsbFetchError(
                f"{context}: SSB answered {response.status_code} and asks to wait "
                f"{retry_after:.0f} s (Retry-After), longer than innsikt waits "
                f"({self.max_retry_after:.0f} s); run `innsikt fetch` again after {until}.")
        if retry_after is not None:
            self.limiter.block(retry_after)
        return retry_after

    def _check_status(self, response: requests.Response, method: str, url: str, body: Any,
                      context: str) -> None:
        status = response.status_code
        if status == 429:
            raise _TransientError("429 Too Many Requests (SSB's rate limit)",
                                  self._retry_after(response, context))
        if status >= 500:
            raise _TransientError(f"{status} {response.reason or 'server error'}",
                                  self._retry_after(response, context))
        if status == 403:
            self._forbidden(response, method, url, context)
        if status == 400:
            title, detail = _problem(response)
            if "too many cells" in title.lower():
                raise _TooManyCells(f"{context}: SSB answered 400 {title} for {method} {url}; "
                                    "select fewer codes or years")
            raise SsbQueryError(
                f"{context}: SSB rejected the query (400 {title or response.reason}"
                f"{': ' + detail if detail else ''}); {method} {url} body {json.dumps(body)}. "
                "Check the codes in pipeline/sources/tables.py against the table's metadata "
                "(`innsikt fetch --check`)."
            )
        if status == 404:
            raise _NotFound(
                f"{context}: {url} answered 404 Not Found; check the table id in "
                f"pipeline/sources/tables.py and INNSIKT_SSB_URL={self.base_url}")
        if status >= 300:
            raise SsbFetchError(f"{context}: {method} {url} answered {status} {response.reason}")

    def _forbidden(self, response: requests.Response, method: str, url: str,
                   context: str) -> None:
        title, detail = _problem(response)
        if "cell" in f"{title} {detail}".lower():  # older PxWeb: 403 for too many cells
            raise _TooManyCells(f"{context}: SSB answered 403 {title} for {method} {url}")
        raise SsbFetchError(
            f"{context}: {method} {url} answered 403 Forbidden{' (' + title + ')' if title else ''}"
            ": access was refused. This is not a problem with the query: usually a proxy or "
            f"firewall between this machine and SSB blocks it. Check that {self.base_url}/config "
            "opens from this machine (and any proxy settings, HTTPS_PROXY), or ask your network "
            "administrator.")

    # ---- metadata ----------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}?lang={self.lang}&outputFormat=json-stat2"

    def _codelist(self, codelist: str, context: str) -> tuple[bytes, Any]:
        url = f"{self.base_url}/codelists/{codelist}?lang={self.lang}"
        if url not in self._memo:
            self._memo[url] = self.request_json("GET", url, context=f"{context} codelist "
                                                                    f"{codelist}")
        return self._memo[url]

    def _metadata(self, spec: TableSpec) -> tuple[str, bytes, dict[str, Any], Resolved]:
        """Fresh metadata of the newest round SSB has, and the query resolved against it."""
        fallbacks: list[str] = []
        for i, table_id in enumerate(spec.table_ids):
            context = f"table {table_id} ({spec.dataset})"
            last = i == len(spec.table_ids) - 1
            try:
                content, meta = self.request_json(
                    "GET", self._url(f"/tables/{table_id}/metadata"), context=context)
                if not isinstance(meta, dict) or "dimension" not in meta:
                    raise SsbFetchError(f"{context} metadata: the response has no 'dimension'; "
                                        f"is INNSIKT_SSB_URL={self.base_url} a PxWebApi v2 root?")
                resolved = resolve(spec, meta, lambda c, t=context: codelist_values(
                    self._codelist(c, t)[1]), table_id)
            except (_NotFound, SsbQueryError) as exc:
                if last:
                    raise
                why = "not found" if isinstance(exc, _NotFound) else \
                    str(exc).split(": ", 1)[-1][:160]
                fallbacks.append(f"{table_id} {why}")
                continue
            if len(spec.table_ids) > 1:
                note = (f"table round {table_id} used (newest offered of "
                        f"{', '.join(spec.table_ids)})")
                if fallbacks:
                    note += ": " + "; ".join(fallbacks)
                resolved.notes.insert(0, note)
            return table_id, content, meta, resolved
        raise AssertionError("unreachable")  # pragma: no cover

    def _stage_metadata(self, staging: Path, table_id: str, content: bytes,
                        meta: Mapping[str, Any], resolved: Resolved) -> None:
        """Write the fresh metadata into ``staging``; parts staged under other metadata go."""
        target = staging / METADATA_DIR / "metadata.json"
        if target.exists() and target.read_bytes() != content:
            shutil.rmtree(staging)  # SSB changed the table since the unfinished fetch
            self.say(f"  table {table_id}: metadata changed since the unfinished fetch; "
                     "its staged parts were discarded")
        url = self._url(f"/tables/{table_id}/metadata")
        store_response(target, content, url=url, method="GET", query=None, table_id=table_id,
                       ssb_updated=meta.get("updated"))
        for codelist in sorted({c.id for c in resolved.codelists.values() if c.id}):
            raw, doc = self._codelist(codelist, f"table {table_id}")
            store_response(staging / METADATA_DIR / f"codelist-{codelist}.json", raw,
                           url=f"{self.base_url}/codelists/{codelist}?lang={self.lang}",
                           method="GET", query=None, table_id=table_id, ssb_updated=None)

    # ---- data --------------------------------------------------------------------------------

    def fetch_query(self, table_id: str, body: dict[str, Any], target: Path) -> Path:
        """POST one data query and cache the response at ``target`` (skipped when cached).

        Raises:
            SsbFetchError, SsbQueryError: see :meth:`request_json`.
        """
        if valid_cached(target, body):
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
                     meta: Mapping[str, Any], resolved: Resolved) -> list[Path]:
        universe = {d.variable: d.codes for d in dim_plans(spec, meta, resolved)}
        times = universe.get(TIME_DIMENSION, ())
        queue = deque(parts)
        done: list[Path] = []
        table_id = resolved.table_id
        url = self._url(f"/tables/{table_id}/data")
        while queue:
            part = queue.popleft()
            target = folder / f"{part.name}.json"
            body = part.body()
            if valid_cached(target, body):
                done.append(target)
                continue
            try:
                content, doc = self._post_data(url, body, f"table {table_id} {part.name}")
            except _TooManyCells:
                queue.extendleft(reversed(halve(part, spec, universe, times, table_id)))
                continue
            done.append(self._store_part(target, content, doc, url, body, table_id))
        return done

    def _cached(self, spec: TableSpec, fingerprint: str) -> list[Path] | None:
        """A complete table already in place (or staged and only not yet swapped in)."""
        for table_id in spec.table_ids:
            final = self.raw_dir / table_id
            staging = self.raw_dir / STAGING_DIR / table_id
            if manifest_matches(final, fingerprint):
                if staging.exists():
                    shutil.rmtree(staging)
                return verify_table(final)
            if manifest_matches(staging, fingerprint):
                verify_table(staging)  # killed between the two renames: finish the swap
                swap_in(staging, final, self.raw_dir / OLD_DIR / table_id)
                return verify_table(final)
        return None

    def fetch_table(self, spec: TableSpec, refresh: bool = False) -> list[Path]:
        """Fetch one table into the cache (no request when it is cached and complete).

        Returns:
            The table's data files, sorted.
        """
        fingerprint = spec_fingerprint(spec)
        if not refresh and (cached := self._cached(spec, fingerprint)) is not None:
            return cached
        table_id, content, meta, resolved = self._metadata(spec)
        self.resolutions[spec.dataset] = resolved
        staging = self.raw_dir / STAGING_DIR / table_id
        if refresh and staging.exists():
            shutil.rmtree(staging)  # a refresh starts from nothing
        self._stage_metadata(staging, table_id, content, meta, resolved)
        parts = plan_parts(spec, meta, resolved, self.max_cells)
        files = self._fetch_parts(spec, parts, staging, meta, resolved)
        for path in set(data_parts(staging)) - set(files):  # parts of an older plan
            path.unlink()
            sidecar_path(path).unlink(missing_ok=True)
        io.write_json(staging / TABLE_MANIFEST, {
            "table_id": table_id,
            "dataset": spec.dataset,
            "title": str(meta.get("label") or spec.title),
            "updated": meta.get("updated"),
            "url": self._url(f"/tables/{table_id}/data"),
            "spec": fingerprint,
            "resolved": resolved.record(),
            "parts": [p.name for p in sorted(files)],
            "completed_at": now_iso(),
        })
        final = self.raw_dir / table_id
        verify_table(staging)
        swap_in(staging, final, self.raw_dir / OLD_DIR / table_id)
        return verify_table(final)

    # ---- every table ---------------------------------------------------------------------------

    def fetch(self, datasets: Iterable[str] | None = None, refresh: bool = False,
              progress: bool = True) -> list[Path]:
        """Fetch every (or the named) registry dataset; return all cached data files.

        A table that fails does not stop the others. SSB being unreachable does: every table
        would fail the same way.

        Args:
            datasets: dataset names from :mod:`pipeline.sources.tables` (default all).
            refresh: re-fetch even when cached; the old files stay until the new are complete.
            progress: print one line per table.

        Raises:
            SsbUnreachableError: SSB cannot be reached at all (raised at once).
            FetchSummaryError: some tables failed (named, with the reason); the rest are cached.
                When a single dataset was asked for, its own error is raised instead
                (:class:`SsbQueryError`, :class:`SsbFetchError`, :class:`CacheIntegrityError`).
        """
        specs = [table(name) for name in (list(datasets) if datasets else list(TABLES))]
        files: list[Path] = []
        failed: dict[str, SsbError] = {}
        for i, spec in enumerate(specs, 1):
            before = self.requests_made
            head = f"[{i}/{len(specs)}] {spec.dataset}"
            try:
                parts = self.fetch_table(spec, refresh=refresh)
            except SsbUnreachableError:
                raise
            except SsbError as exc:
                failed[spec.dataset] = exc
                if progress:
                    self.say(f"{head}: FAILED: {exc}")
                continue
            files.extend(parts)
            if progress:
                made = self.requests_made - before
                state = f"{made} request(s)" if made else "cached"
                print(f"{head}: table {parts[0].parent.name if parts else spec.table_id}, "
                      f"{len(parts)} file(s), {state}", flush=True)
                for note in getattr(self.resolutions.get(spec.dataset), "notes", []):
                    print(f"    {note}", flush=True)
        if failed:
            if len(specs) == 1:
                raise next(iter(failed.values()))
            raise _summary(failed, len(specs))
        return files

    def check(self, datasets: Iterable[str] | None = None) -> list[CheckLine]:
        """Validate every (or the named) table's query against SSB's live metadata.

        Reads metadata and codelists only (no data, nothing written).

        Returns:
            One :class:`CheckLine` per table.

        Raises:
            SsbUnreachableError: SSB cannot be reached at all.
        """
        lines = []
        for name in (list(datasets) if datasets else list(TABLES)):
            spec = table(name)
            try:
                table_id, _, meta, resolved = self._metadata(spec)
                parts = plan_parts(spec, meta, resolved, self.max_cells)
            except SsbUnreachableError:
                raise
            except SsbError as exc:
                lines.append(CheckLine(name, spec.table_id, "fail", str(exc)))
                continue
            cells = sum(p.cells for p in parts)
            size = f"{cells} cells in {len(parts)} request(s)"
            notes = [n for n in resolved.notes  # a fixed dimension is held, not substituted
                     if not n.startswith("table round") and ": held at " not in n]
            rounds = [n for n in resolved.notes if n.startswith("table round")]
            status = "substitution" if notes or (rounds and table_id != spec.table_ids[0]) \
                else "ok"
            lines.append(CheckLine(name, table_id, status, "; ".join([*resolved.notes, size])))
        return lines


@dataclass(frozen=True)
class CheckLine:
    """One line of ``innsikt fetch --check``: ``ok``, ``substitution`` or ``fail``."""

    dataset: str
    table_id: str
    status: str
    detail: str

    def __str__(self) -> str:
        hint = ""
        if self.status == "substitution":
            hint = (" (works as is; to avoid the substitution, change the preferences in "
                    "pipeline/sources/tables.py)")
        elif self.status == "fail":
            hint = " (change pipeline/sources/tables.py as the message says)"
        return f"{self.status:12} {self.table_id} {self.dataset}: {self.detail}{hint}"


def _summary(failed: Mapping[str, SsbError], total: int) -> FetchSummaryError:
    lines = "\n".join(f"  {name}: {exc}" for name, exc in failed.items())
    return FetchSummaryError(
        f"{len(failed)} of {total} tables could not be fetched (the other {total - len(failed)} "
        f"are cached):\n{lines}\nRun `innsikt fetch` again to retry them (cached tables make no "
        "request); `innsikt fetch --check` shows whether a query needs changing.",
        {name: str(exc) for name, exc in failed.items()})


def fetch(datasets: Iterable[str] | None = None, refresh: bool = False, progress: bool = True,
          client: SsbClient | None = None) -> list[Path]:
    """Fetch the registry's tables from SSB into ``data/raw/ssb`` (what ``innsikt fetch`` runs).

    See :meth:`SsbClient.fetch`; ``client`` defaults to one built from the environment.
    """
    return (client or SsbClient()).fetch(datasets, refresh=refresh, progress=progress)


def check(datasets: Iterable[str] | None = None, client: SsbClient | None = None
          ) -> list[CheckLine]:
    """Validate the registry's queries against SSB's metadata (``innsikt fetch --check``)."""
    return (client or SsbClient()).check(datasets)
