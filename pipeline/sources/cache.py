"""The immutable, verified raw-data cache of SSB responses (``data/raw/ssb``).

Layout::

    <table>/part-0001.json          one JSON-stat 2.0 response per query part
    <table>/part-0001.meta.json     sidecar: url, method, query, retrieved_at, ssb_updated,
                                    sha256, table_id, bytes
    <table>/metadata/…              the metadata and codelist responses, same sidecars
    <table>/table.meta.json         written last: the table is complete (and how it was queried)
    .staging/<table>/               an unfinished fetch (resumed by the next run)

Every file is written atomically (:mod:`pipeline.io`), data first and sidecar second, so a file
without a valid sidecar is treated as absent. Anything that reads the cache verifies each file
against its sidecar's SHA-256 first (:func:`verify_file`); a damaged file is an error naming the
file and the command that fetches it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import config, io
from pipeline.sources.errors import CacheIntegrityError

TABLE_MANIFEST = "table.meta.json"
METADATA_DIR = "metadata"
STAGING_DIR = ".staging"
OLD_DIR = ".old"


def sidecar_path(path: Path) -> Path:
    """``part-0001.json`` → ``part-0001.meta.json``."""
    return path.with_name(path.name.removesuffix(".json") + ".meta.json")


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second with ``Z``."""
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
        "retrieved_at": now_iso(),
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


def table_dir_of(path: Path) -> Path:
    """The table folder a cached file belongs to."""
    return path.parent.parent if path.parent.name == METADATA_DIR else path.parent


def refetch_command(table_dir: Path) -> str:
    """The command that fetches the table in ``table_dir`` again."""
    from pipeline.sources.tables import by_table_id

    try:
        dataset = by_table_id(table_dir.name).dataset
    except KeyError:
        return "innsikt fetch --refresh"
    return f"innsikt fetch --refresh --table {dataset}"


def verify_file(path: Path) -> dict[str, Any]:
    """Check ``path`` against its sidecar's SHA-256 and size and return the sidecar.

    Raises:
        CacheIntegrityError: when the file or sidecar is missing or the hash differs; the
            message names the file and the command that fetches it again.
    """
    side = read_sidecar(path)
    table_dir = table_dir_of(path)
    hint = (f"the cache is damaged: run `{refetch_command(table_dir)}` (or delete the folder "
            f"{table_dir} and fetch again)")
    if not path.exists():
        raise CacheIntegrityError(f"{path}: the file is missing; {hint}")
    if side is None:
        raise CacheIntegrityError(f"{path}: its sidecar {sidecar_path(path).name} is missing or "
                                  f"unreadable, so the file cannot be verified; {hint}")
    size = path.stat().st_size
    if side.get("bytes") is not None and size != side["bytes"]:
        raise CacheIntegrityError(
            f"{path}: {size} bytes, but {side['bytes']} were fetched (truncated or changed); "
            f"{hint}")
    actual = io.sha256_file(path)
    if actual != side.get("sha256"):
        raise CacheIntegrityError(
            f"{path}: SHA-256 {actual[:12]}… differs from {str(side.get('sha256', ''))[:12]}… "
            f"recorded in {sidecar_path(path).name} (the file was changed); {hint}")
    return side


def valid_cached(path: Path, query: Any) -> bool:
    """A staged part counts as done when data, sidecar, query and hash all agree."""
    side = read_sidecar(path)
    if side is None or not path.exists() or side.get("query") != query:
        return False
    return io.sha256_file(path) == side.get("sha256")


def data_parts(table_dir: Path) -> list[Path]:
    """The data files of a table folder (not sidecars, not metadata)."""
    return sorted(p for p in table_dir.glob("*.json") if not p.name.endswith(".meta.json"))


def read_manifest(table_dir: Path) -> dict[str, Any]:
    """The table manifest of a cached table.

    Raises:
        CacheIntegrityError: when it is missing or unreadable.
    """
    path = table_dir / TABLE_MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CacheIntegrityError(
            f"{path}: missing or unreadable ({exc}); the table is incomplete: run "
            f"`{refetch_command(table_dir)}`") from None


def verify_table(table_dir: Path) -> list[Path]:
    """Verify a complete cached table and return its data parts.

    Raises:
        CacheIntegrityError: when the table manifest lists a missing part, a file has no
            sidecar or a hash differs.
    """
    manifest = read_manifest(table_dir)
    parts = [table_dir / name for name in manifest.get("parts", [])]
    extra = sorted(set(data_parts(table_dir)) - set(parts))
    if extra:
        raise CacheIntegrityError(
            f"{extra[0]}: not listed in {TABLE_MANIFEST}; run `{refetch_command(table_dir)}`")
    for path in parts + sorted((table_dir / METADATA_DIR).glob("*.json")):
        if not path.name.endswith(".meta.json"):
            verify_file(path)
    return parts


def manifest_matches(folder: Path, fingerprint: str) -> bool:
    """Whether ``folder`` holds a complete table fetched for this registry spec."""
    path = folder / TABLE_MANIFEST
    if not path.exists():
        return False
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("spec") == fingerprint
    except (OSError, json.JSONDecodeError):
        return False


def swap_in(staging: Path, final: Path, old: Path) -> None:
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


def cached_table_dir(spec_table_ids: tuple[str, ...], dataset: str,
                     source_dir: Path | None = None) -> Path | None:
    """The complete cached folder of a dataset: the newest round present (``table_ids`` order)."""
    source_dir = source_dir or config.paths().raw_source("ssb")
    for table_id in spec_table_ids:
        folder = source_dir / table_id
        if (folder / TABLE_MANIFEST).exists():
            return folder
        if folder.exists() and data_parts(folder):
            return folder  # parts without a manifest: verify_table names the problem
    return None


def provenance(source_dir: Path | str | None = None, verify: bool = True) -> list[dict[str, Any]]:
    """What reports cite for each cached SSB table.

    Args:
        source_dir: the SSB cache (default ``data/raw/ssb``).
        verify: check every file's SHA-256 first.

    Returns:
        One dict per complete table, sorted by table id: ``table_id`` (the round used),
        ``dataset``, ``title``, ``updated`` (SSB's stamp), ``retrieved_at`` (UTC ISO, the
        latest part), ``url`` (the data endpoint), ``parts`` (number of files) and
        ``substitutions`` (where the query differs from the registry's first choice).

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
            "substitutions": manifest.get("resolved", {}).get("substitutions", []),
        })
    return out
