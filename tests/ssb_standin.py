"""A local stand-in for SSB's PxWebApi v2, built on pytest-httpserver.

It serves ``/tables/{id}/metadata``, ``/codelists/{id}`` and ``/tables/{id}/data`` (POST) in
SSB's json-stat2 format for every table of :mod:`pipeline.sources.tables`, applies selections
the way SSB does (``*``, ``top(n)``, ``bottom(n)``, ``from(x)``, ``to(x)``, ``range(x,y)``,
wildcards, codelists, elimination) and answers SSB's errors (400 with a JSON ``title``,
500 with an empty body for a repeated value code). Data are deterministic functions of each
cell's codes, so a query split into parts returns exactly the cells of the unsplit query.

Usage (``httpserver`` is pytest-httpserver's fixture)::

    standin = SsbStandIn(httpserver, regions=["3303", "4204", "5044"])
    monkeypatch.setenv("INNSIKT_SSB_URL", standin.url)
    standin.fail("503", times=2)          # the next two data requests answer 503

The real recorded 07459 response (../shared/ssb-samples/elastic-data-tool/) is served for a
07459 query selecting Region ``*`` and only 2022 with sex and age eliminated. In the full
registry mode the 2022 one-year-age cells of 07459 for a region present in the recording sum
exactly to the recorded figure (4204 Kristiansand 113 737, 5044 Namsskogan 818, 0301 Oslo
699 827; pass ``3006`` among ``regions`` to get Kongsberg's 27 879 under its 2020-2023 code), so
the end-to-end run can check spot values after parsing. Regions are served with the same codes
for every year (choose one structure per list, or harmonisation would count a place twice).

Faults (:meth:`SsbStandIn.fail`): ``429``, ``429-headers`` (Retry-After + x-ratelimit-*),
``retry-after-3600`` (429 asking for an hour), ``503``, ``500-empty``, ``reset`` (connection
closed without a response), ``truncated`` (valid HTTP, half a JSON body), ``too-many-cells``
(400), ``too-many-cells-403`` (403 whose body says so, as older PxWeb answers),
``forbidden`` (a proxy's bare 403 page), ``not-found`` (404), ``nonexistent-value`` (400),
``slow`` (answers after ``slow_seconds``), ``drip`` (the body one byte every
``drip_seconds``), ``no-value`` (a valid dataset without ``value``), ``short-value`` (one value
fewer than the dimensions give). :meth:`SsbStandIn.fail_table` makes one table fail for good.

What the tables offer follows the registry by default. ``real_offers()`` gives what the
evidence says real SSB offers where it differs from the registry's first choice (06913:
``agg_KommSummerHist``/``vs_Landet``; 09429: ``agg_KommGjeldende``/``agg_Komm2020`` member
codes; 14883 completion codes ``1a``/``2a``/``4b``; 12960 a "years after start" dimension) plus
one table without its first-preference codelist (13470: only ``agg_KommGjeldende``); pass it as
``offers=``. ``tables`` (table ids) restricts the tables served, e.g. without 14746. KLASS's
change table is served at :attr:`SsbStandIn.klass_url` from the bundled table.
"""

from __future__ import annotations

import fnmatch
import json
import re
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug import Request, Response

from pipeline import config
from pipeline.sources.tables import LAST_YEAR, TABLES, TableSpec

BASE_PATH = "/api/pxwebapi/v2"
RECORDED_07459 = Path("ssb-samples/elastic-data-tool/download-07459_20220914-092711.json")
# One consistent (2024) structure: the programmes' municipalities and a few neighbours. Codes
# that did not change in 2024 (4204, 5044, 0301, 5001, 4203) also occur in the 2022 recording.
DEFAULT_REGIONS = ("3303", "3301", "3312", "3320", "4204", "4203", "5044", "5001", "0301")
UPDATED = "2026-02-20T07:00:00Z"
MANDATORY = ("ContentsCode", "Tid")
KLASS_PATH = "/api/klass/v1"
BODY_FAULTS = ("slow", "truncated", "drip", "no-value", "short-value")
FAULTS = ("429", "429-headers", "retry-after-3600", "503", "500-empty", "reset", "truncated",
          "too-many-cells", "too-many-cells-403", "forbidden", "not-found", "nonexistent-value",
          "slow", "drip", "no-value", "short-value")
REGION_CODELISTS = ("agg_KommSummer", "agg_KommGjeldende", "agg_KommFylker", "vs_Kommun",
                    "vs_Fylker")
YEARS_AFTER_START = {"label": "år etter start", "codes": {"4": "4 år", "5": "5 år", "6": "6 år"}}


@dataclass
class Offer:
    """What one table offers where it differs from the registry (see ``real_offers``).

    ``codelists``: dimension -> codelist ids offered; ``codes``: dimension -> value codes of the
    table itself; ``extra``: dimension id -> {"label", "codes": {code: label}} added (not
    eliminable).
    """

    codelists: dict[str, list[str]] = field(default_factory=dict)
    codes: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)


def real_offers() -> dict[str, Offer]:
    """The real codelists and codes the evidence shows, and one missing first preference."""
    return {
        "06913": Offer(codelists={"Region": ["agg_KommSummerHist", "vs_Landet"]}),
        "09429": Offer(codelists={"Region": ["agg_KommGjeldende", "agg_Komm2020"]}),
        "14883": Offer(codes={"FullforingVGO": ["1a", "2a", "4b"]}),
        "12960": Offer(extra={"AarEtterStart": YEARS_AFTER_START}),
        "13470": Offer(codelists={"Region": ["agg_KommGjeldende"]}),
    }


def recorded_07459_path() -> Path | None:
    """The real recorded 07459 response in the shared folder, or None when absent."""
    path = config.shared_dir() / RECORDED_07459
    return path if path.exists() else None


@dataclass
class Fault:
    kind: str
    times: int = 1
    endpoint: str | None = "data"  # data, metadata, codelist or None for any
    table: str | None = None


@dataclass
class Logged:
    method: str
    path: str
    body: Any
    endpoint: str
    table: str | None
    fault: str | None = None
    status: int | None = None  # None when the connection was reset


@dataclass
class SsbStandIn:
    """SSB PxWebApi v2 stand-in on a pytest-httpserver ``HTTPServer``.

    Args:
        server: the pytest-httpserver server (the ``httpserver`` fixture).
        regions: municipality codes (4 digits) to serve; their counties and Norway (``0``) are
            added for county tables.
        specs: tables to serve (default every registry table).
        max_cells: SSB's cell limit (answers ``Too many cells selected`` above it).
        recorded: path of the recorded 07459 response (default from ``INNSIKT_SHARED``).
        ratelimit_headers: add ``x-ratelimit-*`` headers to every answer.
        slow_seconds: delay of the ``slow`` fault.
        last_year: last year served.
    """

    server: Any
    regions: Sequence[str] = DEFAULT_REGIONS
    specs: Iterable[TableSpec] | None = None
    max_cells: int = 800_000
    recorded: Path | None = field(default_factory=recorded_07459_path)
    ratelimit_headers: bool = False
    slow_seconds: float = 1.0
    drip_seconds: float = 0.5
    last_year: int = LAST_YEAR
    offers: dict[str, Offer] = field(default_factory=dict)
    tables: Iterable[str] | None = None
    log: list[Logged] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        served = set(self.tables) if self.tables is not None else None
        self.tables = {s.table_id: s for s in (self.specs or TABLES.values())
                       if served is None or s.table_id in served}
        self.regions = [str(r).zfill(4) for r in self.regions]
        self._lock = threading.Lock()
        self._recorded_doc = (json.loads(self.recorded.read_text(encoding="utf-8"))
                              if self.recorded else None)
        self._totals = _recorded_totals(self._recorded_doc) if self._recorded_doc else {}
        self._allocations: dict[tuple[str, str], dict[tuple[str, ...], int]] = {}
        self.server.expect_request(re.compile(f"^{re.escape(BASE_PATH)}/.*")).respond_with_handler(
            self._handle)
        self.server.expect_request(re.compile(f"^{re.escape(KLASS_PATH)}/.*")).respond_with_handler(
            _klass)

    # ---- public helpers ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL to put in ``INNSIKT_SSB_URL``."""
        return self.server.url_for(BASE_PATH).rstrip("/")

    @property
    def klass_url(self) -> str:
        """Base URL to put in ``INNSIKT_KLASS_URL``."""
        return self.server.url_for(KLASS_PATH).rstrip("/")

    def fail_table(self, table_id: str, kind: str = "forbidden") -> None:
        """Make every request for one table fail (default a 403 that is not retried)."""
        self.fail(kind, times=10**9, endpoint=None, table=table_id)

    def fail(self, kind: str, times: int = 1, *, endpoint: str | None = "data",
             table: str | None = None) -> None:
        """Misbehave on the next ``times`` matching requests (see the module docstring)."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; choose from {FAULTS}")
        with self._lock:
            self.faults.append(Fault(kind, times, endpoint, table))

    def requests(self, endpoint: str | None = None, table: str | None = None) -> list[Logged]:
        """Logged requests, optionally only one endpoint and/or table."""
        return [r for r in self.log if (endpoint is None or r.endpoint == endpoint)
                and (table is None or r.table == table)]

    def metadata_doc(self, table_id: str) -> dict[str, Any]:
        """The json-stat2 metadata document served for ``table_id``."""
        spec = self.tables[table_id]
        offer = self.offers.get(table_id, Offer())
        dims = {}
        for variable, extra in offer.extra.items():
            dims[variable] = {"label": extra["label"],
                              "category": {"index": {c: i for i, c in enumerate(extra["codes"])},
                                           "label": dict(extra["codes"])},
                              "extension": {"elimination": False, "codelists": []}}
        for variable in spec.dimensions:
            codes = offer.codes.get(variable) or self._default_codes(spec, variable)
            dim: dict[str, Any] = {
                "label": spec.dimensions[variable],
                "category": {"index": {c: i for i, c in enumerate(codes)},
                             "label": {c: self._label(variable, c) for c in codes}},
                "extension": {"elimination": variable not in MANDATORY,
                              "codelists": self._codelists_offered(spec, variable, offer)},
            }
            if variable == "ContentsCode":
                dim["category"]["unit"] = {c: {"base": "personer", "decimals": _decimals(c)}
                                           for c in codes}
            dims[variable] = dim
        return {
            "version": "2.0", "class": "dataset",
            "label": f"{spec.table_id}: {spec.title}", "source": "Statistisk sentralbyrå",
            "updated": UPDATED, "id": list(dims),
            "size": [len(d["category"]["index"]) for d in dims.values()],
            "role": {"time": ["Tid"], "metric": ["ContentsCode"],
                     "geo": list(spec.region_dimensions)},
            "dimension": dims, "extension": {"px": {"tableid": spec.table_id, "decimals": 0}},
        }

    def codelist_doc(self, codelist: str) -> dict[str, Any] | None:
        """The ``/codelists/{id}`` document, or None for an unknown codelist."""
        values = self._codelist_values(codelist)
        if values is None:
            return None
        return {"id": codelist, "label": codelist, "language": "no", "languages": ["no", "en"],
                "elimination": True, "type": "Aggregation" if codelist.startswith("agg")
                else "Valueset",
                "values": [{"code": v, "label": v, "valueMap": [v]} for v in values],
                "links": []}

    # ---- codes --------------------------------------------------------------------------------

    def _counties(self) -> list[str]:
        return sorted({r[:2] for r in self.regions})

    def _region_codes(self, spec: TableSpec) -> list[str]:
        if spec.level == "county":
            return ["0", *self._counties()]
        return ["0", *self._counties(), *self.regions]

    def _time_codes(self, spec: TableSpec) -> list[str]:
        if spec.time_column == "period":
            return [f"{y}-{y + 5}" for y in range(spec.first_year, self.last_year - 4)]
        return [str(y) for y in range(spec.first_year, self.last_year + 1)]

    def _default_codes(self, spec: TableSpec, variable: str) -> list[str]:
        if variable in spec.region_dimensions:
            return self._region_codes(spec)
        if variable == "Tid":
            return self._time_codes(spec)
        codes = list(dict.fromkeys(spec.codes.get(variable, ["1"])))
        if variable == "Kjonn" and "0" not in codes:
            codes = ["0", *codes]
        return codes

    def _codelists_offered(self, spec: TableSpec, variable: str, offer: Offer
                           ) -> list[dict[str, Any]]:
        if variable in offer.codelists:
            ids = list(offer.codelists[variable])
        else:
            ids = list(REGION_CODELISTS) if variable in spec.region_dimensions else []
            wanted = [c.id for c in spec.codelists.get(variable, ()) if c.id]
            ids += [w for w in wanted if w not in ids]
        return [{"id": i, "label": i, "type": "Aggregation" if i.startswith("agg") else "Valueset",
                 "links": [{"rel": "metadata", "href": f"{self.url}/codelists/{i}?lang=no"}]}
                for i in ids]

    def _codelist_values(self, codelist: str) -> list[str] | None:
        if codelist in ("agg_KommSummer", "agg_KommGjeldende", "agg_KommSummerHist",
                        "agg_Komm2020"):
            return [f"K-{r}" for r in self.regions]
        if codelist == "vs_Landet":
            return ["0"]
        if codelist == "agg_KommFylker":
            return ["0", *[f"F-{c}" for c in self._counties()]]
        if codelist.startswith("vs_Kommun"):
            return list(self.regions)
        if codelist == "vs_Fylker":
            return list(self._counties())
        for spec in self.tables.values():
            for variable, prefs in spec.codelists.items():
                if codelist in [c.id for c in prefs] and variable in spec.codes:
                    return list(dict.fromkeys(spec.codes[variable]))
        return None

    def _label(self, variable: str, code: str) -> str:
        return {"0": "Hele landet"}.get(code, code) if variable == "Region" else code

    # ---- request handling ---------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        path = request.path[len(BASE_PATH):]
        body = None
        if request.method == "POST":
            try:
                body = json.loads(request.get_data() or b"null")
            except ValueError:
                body = request.get_data(as_text=True)
        endpoint, table_id = _route(path)
        entry = Logged(request.method, path, body, endpoint, table_id)
        with self._lock:
            self.log.append(entry)
            fault = self._take_fault(endpoint, table_id)
        entry.fault = fault
        if fault == "reset":
            return _reset(request)
        if fault == "slow":
            time.sleep(self.slow_seconds)
        if fault and fault not in BODY_FAULTS:
            response = self._fault_response(fault)
            entry.status = response.status_code
            return response
        response = self._answer(request, endpoint, table_id, body)
        if fault in BODY_FAULTS and response.status_code == 200:
            response = self._spoil(fault, response)
        if self.ratelimit_headers:
            used = len(self.log)
            response.headers["x-ratelimit-limit"] = "30"
            response.headers["x-ratelimit-remaining"] = str(max(30 - used % 30, 1))
            response.headers["x-ratelimit-policy"] = "30;w=60"
        entry.status = response.status_code
        return response

    def _take_fault(self, endpoint: str, table_id: str | None) -> str | None:
        for fault in self.faults:
            if fault.times <= 0:
                continue
            if fault.endpoint not in (None, endpoint):
                continue
            if fault.table not in (None, table_id):
                continue
            fault.times -= 1
            return fault.kind
        return None

    def _spoil(self, kind: str, response: Response) -> Response:
        data = response.get_data()
        if kind == "truncated":
            data = data[: len(data) // 2]
        elif kind in ("no-value", "short-value"):
            doc = json.loads(data)
            if kind == "no-value":
                doc.pop("value", None)
            else:
                doc["value"] = doc["value"][:-1]
            data = json.dumps(doc).encode()
        elif kind == "drip":
            pause = self.drip_seconds

            def drip():
                for i in range(len(data)):
                    yield data[i:i + 1]
                    time.sleep(pause)
            return Response(drip(), status=200, content_type="application/json; charset=UTF-8",
                            headers={"Content-Length": str(len(data))})
        return Response(data, status=200, content_type="application/json; charset=UTF-8")

    def _fault_response(self, kind: str) -> Response:
        if kind == "429":
            return _problem(429, "Too Many Requests")
        if kind == "429-headers":
            response = _problem(429, "Too Many Requests")
            response.headers.update({"Retry-After": "2", "x-ratelimit-limit": "30",
                                     "x-ratelimit-remaining": "0",
                                     "x-ratelimit-policy": "30;w=60"})
            return response
        if kind == "503":
            return Response("Service Unavailable", status=503)
        if kind == "500-empty":
            return Response(b"", status=500)
        if kind == "too-many-cells":
            return _problem(400, "Too many cells selected")
        if kind == "retry-after-3600":
            response = _problem(429, "Too Many Requests")
            response.headers["Retry-After"] = "3600"
            return response
        if kind == "too-many-cells-403":
            return _problem(403, "Too many cells selected")
        if kind == "forbidden":
            return Response(b"<html><body><h1>403 Forbidden</h1>Request blocked by proxy"
                            b"</body></html>", status=403, content_type="text/html")
        if kind == "not-found":
            return _problem(404, "Non-existent table")
        if kind == "nonexistent-value":
            return _problem(400, "Non-existent value", "Kjonn: 9")
        raise AssertionError(kind)

    def _answer(self, request: Request, endpoint: str, table_id: str | None,
                body: Any) -> Response:
        if endpoint == "codelist":
            doc = self.codelist_doc(path_tail(request.path))
            return _json(doc) if doc else _problem(404, "Non-existent codelist")
        if endpoint == "config":
            return _json({"apiName": "PxWebApi", "apiVersion": "2.0.0",
                          "maxDataCells": self.max_cells, "defaultDataFormat": "json-stat2"})
        if table_id not in self.tables:
            return _problem(404, "Non-existent table", f"table {table_id}")
        if endpoint == "metadata" and request.method == "GET":
            return _json(self.metadata_doc(table_id))
        if endpoint == "data" and request.method == "POST":
            return self._data(self.tables[table_id], body)
        return _problem(404, "Not found")

    def _data(self, spec: TableSpec, body: Any) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("selection"), list):
            return _problem(400, "Illegal selection expression", "body has no selection")
        meta = self.metadata_doc(spec.table_id)
        selected: dict[str, tuple[str | None, list[str]]] = {}
        lower = {v.lower(): v for v in meta["id"]}
        for item in body["selection"]:
            variable = lower.get(str(item.get("variableCode", "")).lower())
            if variable is None:
                return _problem(400, "Non-existent variable", str(item.get("variableCode")))
            codelist = item.get("codelist")
            if codelist:
                offered = [c["id"] for c in meta["dimension"][variable]["extension"]["codelists"]]
                universe = self._codelist_values(codelist) if codelist in offered else None
                if universe is None:
                    return _problem(400, "Non-existent codelist", f"{variable}: {codelist}")
            else:
                universe = _category(meta["dimension"][variable])
            expressions = [str(v) for v in item.get("valueCodes", [])]
            if len({e.lower() for e in expressions}) != len(expressions):
                return Response(b"", status=500)  # SSB's answer to a repeated value code
            codes, error = _resolve(expressions, universe)
            if error:
                return _problem(400, error, f"{variable}: {expressions}")
            if item.get("outputValues") == "single":  # member codes, without the group prefix
                codes = [re.sub(r"^[A-Z]-", "", c) for c in codes]
            selected[variable] = (codelist, codes)
        for variable in MANDATORY:
            if variable not in selected:
                return _problem(400, "Missing selection for mandantory variable", variable)
        if self._wants_recorded(spec, selected):
            return Response(self.recorded.read_bytes(), status=200,
                            content_type="application/json; charset=UTF-8")
        ids = [v for v in meta["id"] if v in selected]
        sizes = [len(selected[v][1]) for v in ids]
        cells = 1
        for size in sizes:
            cells *= size
        if cells > self.max_cells:
            return _problem(400, "Too many cells selected",
                            f"{cells} cells; the limit is {self.max_cells}")
        return _json(self._dataset(spec, meta, ids, [selected[v][1] for v in ids]))

    def _wants_recorded(self, spec: TableSpec, selected: dict[str, tuple[str | None, list[str]]]
                        ) -> bool:
        return (self._recorded_doc is not None and spec.table_id == "07459"
                and selected["Tid"][1] == ["2022"] and set(selected) == {"Region", "ContentsCode",
                                                                         "Tid"}
                and selected["ContentsCode"][1] == ["Personer1"])

    # ---- data generation --------------------------------------------------------------------

    def _dataset(self, spec: TableSpec, meta: dict[str, Any], ids: list[str],
                 codes: list[list[str]]) -> dict[str, Any]:
        values: list[float | None] = []
        for cell in _product(codes):
            values.append(self._value(spec, ids, cell))
        dimension = {}
        for variable, chosen in zip(ids, codes, strict=True):
            dim = {"label": meta["dimension"][variable]["label"],
                   "category": {"index": {c: i for i, c in enumerate(chosen)},
                                "label": {c: self._label(variable, c) for c in chosen}}}
            if variable == "ContentsCode":
                dim["category"]["unit"] = {c: {"base": "personer", "decimals": _decimals(c)}
                                           for c in chosen}
            dimension[variable] = dim
        return {
            "version": "2.0", "class": "dataset", "label": meta["label"],
            "source": "Statistisk sentralbyrå", "updated": UPDATED, "id": ids,
            "size": [len(c) for c in codes], "dimension": dimension, "value": values,
            "role": {"time": ["Tid"], "metric": ["ContentsCode"],
                     "geo": [d for d in spec.region_dimensions if d in ids]},
            "extension": {"px": {"tableid": spec.table_id, "decimals": 0}},
        }

    def _value(self, spec: TableSpec, ids: list[str], cell: tuple[str, ...]) -> float:
        coords = dict(zip(ids, cell, strict=True))
        measure = coords.get("ContentsCode", "")
        noise = zlib.crc32("|".join((spec.table_id, *cell)).encode()) / 0xFFFFFFFF
        if _decimals(measure):
            return round(5 + 40 * noise, 1)  # a percentage
        recorded = self._recorded_population(spec, coords)
        if recorded is not None:
            return float(recorded)
        regions = [coords[d] for d in spec.region_dimensions if d in coords]
        scale = 1.0
        for region in regions:
            scale *= _region_scale(region)
        if len(regions) > 1:  # flows between two regions are small
            scale = scale ** 0.5 / 50
        year = next((v for k, v in coords.items() if k == "Tid"), "2020")
        trend = 1 + 0.01 * (int(year[:4]) - 2000)
        return float(round(scale * trend * (0.5 + noise) * _per_cell(spec)))

    def _recorded_population(self, spec: TableSpec, coords: dict[str, str]) -> int | None:
        """2022 cells of 07459 that add up exactly to the recorded regional totals."""
        if (self._recorded_doc is None or spec.table_id != "07459"
                or coords.get("Tid") != "2022" or "Kjonn" not in coords or "Alder" not in coords):
            return None
        region = coords["Region"]
        key = region if region.startswith("K-") else f"K-{region}"
        totals = self._totals
        if key not in totals:
            return None
        if (key, "2022") not in self._allocations:
            cells = [(s, a) for s in ("1", "2") for a in self._default_codes(spec, "Alder")]
            self._allocations[(key, "2022")] = _allocate(totals[key], cells, key)
        return self._allocations[(key, "2022")].get((coords["Kjonn"], coords["Alder"]), 0)


# ---- module helpers ----------------------------------------------------------------------------


def _route(path: str) -> tuple[str, str | None]:
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 3 and parts[0] == "tables" and parts[2] in ("metadata", "data"):
        return parts[2], parts[1]
    if len(parts) >= 2 and parts[0] == "codelists":
        return "codelist", None
    if parts[:1] == ["config"]:
        return "config", None
    if len(parts) == 2 and parts[0] == "tables":
        return "table", parts[1]
    return "other", None


def _klass(request: Request) -> Response:
    """KLASS ``/classifications/131/changes`` answered from the bundled change table."""
    from pipeline import geography

    if not request.path.endswith("/classifications/131/changes"):
        return _problem(404, "Not found")
    first = int(request.args.get("from", "2016-12-31")[:4])
    last = int(request.args.get("to", "2025-01-02")[:4])
    table = geography.changes(first, last)
    rows = [{"oldCode": o, "oldName": on, "newCode": n, "newName": nn,
             "changeOccurred": f"{d:%Y-%m-%d}"}
            for o, on, n, nn, d in table.itertuples(index=False)]
    return _json({"codeChanges": rows})


def path_tail(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _reset(request: Request) -> Response:
    """Close the connection without an answer (the client sees a connection error)."""
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
    return Response(b"", status=500)


def _problem(status: int, title: str, detail: str = "") -> Response:
    return _json({"type": "https://tools.ietf.org/html/rfc9110", "title": title,
                  "status": status, "detail": detail}, status)


def _json(doc: Any, status: int = 200) -> Response:
    return Response(json.dumps(doc, ensure_ascii=False).encode("utf-8"), status=status,
                    content_type="application/json; charset=UTF-8")


def _category(dim: dict[str, Any]) -> list[str]:
    index = dim["category"]["index"]
    return [c for c, _ in sorted(index.items(), key=lambda item: item[1])]


def _resolve(expressions: list[str], universe: list[str]) -> tuple[list[str], str | None]:
    """Apply PxWebApi selection expressions to a dimension's codes."""
    lookup = {c.lower(): c for c in universe}
    chosen: list[str] = []
    for expr in expressions:
        match = re.fullmatch(r"(top|bottom|from|to|range)\((.*)\)", expr, flags=re.IGNORECASE)
        if expr == "*":
            picked = list(universe)
        elif match:
            func, arg = match.group(1).lower(), match.group(2)
            args = [a.strip().strip("[]") for a in arg.split(",")]
            if func in ("top", "bottom"):
                if not args[0].isdigit():
                    return [], "Illegal selection expression"
                n = int(args[0])
                picked = universe[-n:] if func == "top" else universe[:n]
            else:
                positions = []
                for a in args:
                    if a.lower() not in lookup:
                        return [], "Non-existent value"
                    positions.append(universe.index(lookup[a.lower()]))
                if func == "from":
                    picked = universe[positions[0]:]
                elif func == "to":
                    picked = universe[: positions[0] + 1]
                else:
                    if len(positions) != 2:
                        return [], "Illegal selection expression"
                    picked = universe[positions[0]: positions[1] + 1]
        elif "*" in expr or "?" in expr:
            picked = [c for c in universe if fnmatch.fnmatchcase(c.lower(), expr.lower())]
        elif expr.lower() in lookup:
            picked = [lookup[expr.lower()]]
        else:
            return [], "Non-existent value"
        chosen.extend(c for c in picked if c not in chosen)
    # SSB returns codes in the dimension's order, not the query's.
    order = {c: i for i, c in enumerate(universe)}
    return sorted(chosen, key=order.__getitem__), None


def _product(codes: list[list[str]]) -> Iterable[tuple[str, ...]]:
    if not codes:
        yield ()
        return
    for head in codes[0]:
        for tail in _product(codes[1:]):
            yield (head, *tail)


def _decimals(measure: str) -> int:
    return 1 if ("Prosent" in measure or "Andel" in measure) else 0


def _region_scale(code: str) -> float:
    bare = re.sub(r"^[A-Z]-", "", code)
    if bare == "0":
        return 5_500_000
    if len(bare) == 2:
        return 300_000
    return 2_000 + zlib.crc32(bare.encode()) % 60_000


def _per_cell(spec: TableSpec) -> float:
    """Rough share of a region's population in one cell of the table."""
    cells = 1
    for variable, codes in spec.codes.items():
        if variable != "ContentsCode":
            cells *= len(codes)
    return 0.6 / cells


def _recorded_totals(doc: dict[str, Any]) -> dict[str, int]:
    index = doc["dimension"]["Region"]["category"]["index"]
    codes = [c for c, _ in sorted(index.items(), key=lambda item: item[1])]
    return {c: int(v) for c, v in zip(codes, doc["value"], strict=True) if v is not None}


def _allocate(total: int, cells: list[tuple[str, ...]], seed: str) -> dict[tuple[str, ...], int]:
    """Split ``total`` over ``cells`` in integers that sum exactly to ``total``."""
    weights = [1 + zlib.crc32("|".join((seed, *c)).encode()) % 100 for c in cells]
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    floors = [int(s) for s in shares]
    order = sorted(range(len(cells)), key=lambda i: shares[i] - floors[i], reverse=True)
    for i in order[: total - sum(floors)]:
        floors[i] += 1
    return dict(zip(cells, floors, strict=True))


class FakeClock:
    """Time that only moves when someone sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
